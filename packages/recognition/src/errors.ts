/** Failure kinds of the recogniser; callers map `code` to their own error bodies and retry rules. */
export type RecognitionErrorCode =
  | 'MODELS_MISSING' // model files are not where the recogniser was told to look
  | 'MODEL_LOAD_FAILED' // the files exist but ONNX Runtime could not load them (or the CUDA provider is absent)
  | 'INVALID_IMAGE' // the bytes are not a decodable image
  | 'INFERENCE_FAILED'; // ONNX Runtime failed while running a model

/** A typed recogniser failure; `retryable` is false where the same input would fail again. */
export class RecognitionError extends Error {
  readonly code: RecognitionErrorCode;
  readonly retryable: boolean;

  constructor(code: RecognitionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecognitionError';
    this.code = code;
    this.retryable = code === 'INFERENCE_FAILED';
  }
}
