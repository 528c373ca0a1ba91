import { AppError } from '@npr/contracts';

/**
 * Maps @npr/recognition's typed failures (RecognitionError: code + retryable) to the API's errors,
 * so that bad input fails at once with 400 INVALID_IMAGE instead of being retried into a 500.
 * Duck-typed on purpose: the worker must not load the recogniser's module graph to check a class.
 */
export function toJobError(err: unknown): unknown {
  const e = err as { name?: string; code?: string; message?: string };
  if (!e || e.name !== 'RecognitionError') return err;
  switch (e.code) {
    case 'INVALID_IMAGE':
      return new AppError('INVALID_IMAGE', 'The uploaded file is not a valid image.', { cause: err });
    case 'MODELS_MISSING':
    case 'MODEL_LOAD_FAILED':
      return new AppError('SERVICE_UNAVAILABLE', 'Recognition is unavailable: the worker could not load its models.', { cause: err });
    default:
      // INFERENCE_FAILED and anything new: let BullMQ retry it
      return err;
  }
}
