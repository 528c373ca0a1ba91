import { AppError } from '@npr/contracts';
import { RecognitionError } from '@npr/recognition';

/**
 * Where the recogniser's failures meet the API's: the recogniser names what went wrong in its own
 * terms (it also serves `npr recognise`); a job answers with the client's code. Bad bytes fail at once
 * with 400 INVALID_IMAGE instead of being retried into a 500; models that are missing or do not load
 * are 503 SERVICE_UNAVAILABLE. A failed model run (INFERENCE_FAILED, retryable) and anything that is
 * not a RecognitionError are returned as they are: BullMQ retries them, and a client that still gets
 * one after the retries sees INTERNAL_ERROR.
 */
export function recognitionFailure(err: unknown): unknown {
  if (!(err instanceof RecognitionError)) return err;
  switch (err.code) {
    case 'INVALID_IMAGE':
      return new AppError('INVALID_IMAGE', 'The uploaded file is not a valid image.', { cause: err });
    case 'MODELS_MISSING':
    case 'MODEL_LOAD_FAILED':
      return new AppError('SERVICE_UNAVAILABLE', 'Recognition is unavailable: the worker could not load its models.', { cause: err });
    case 'INFERENCE_FAILED':
      return err;
  }
}
