import { z } from 'zod';

/**
 * Every error code a client can see: the HTTP status it travels with, and whether a job that fails
 * with it is tried again (BullMQ retries with backoff) or ends at once (an UnrecoverableError: the
 * same input would fail the same way, or the worker cannot do the job at all).
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, retryable: false },
  INVALID_IMAGE: { status: 400, retryable: false },
  INVALID_API_KEY: { status: 401, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  IMAGE_TOO_LARGE: { status: 413, retryable: false },
  NO_PLATES_FOUND: { status: 422, retryable: false },
  // the image stopped every worker that tried it (a crash, an out-of-memory kill): given up, not retried
  IMAGE_CRASHED_WORKER: { status: 422, retryable: false },
  RATE_LIMIT_EXCEEDED: { status: 429, retryable: false },
  // the account's monthly allowance of images is used up (distinct from the per-minute rate limit)
  QUOTA_EXCEEDED: { status: 429, retryable: false },
  INTERNAL_ERROR: { status: 500, retryable: true },
  SERVICE_UNAVAILABLE: { status: 503, retryable: false },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** The HTTP status of every error code (the table above, for documents that list them). */
export const ERROR_STATUS = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.status])) as {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]['status'];
};

/** The one mapping of a failure to its HTTP status. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/**
 * A failure as it crosses Redis, once, as a failed job's reason (JSON): what the gateway answers with.
 * `retryable` says what the worker decided (BullMQ has already acted on it when the gateway reads it).
 */
export const JobFailureSchema = z.object({ code: ErrorCodeSchema, message: z.string(), retryable: z.boolean() });
export type JobFailure = z.infer<typeof JobFailureSchema>;

/** What a client is told about a failure that none of our code described (a crash, a Redis error). */
const UNDESCRIBED: JobFailure = { code: 'INTERNAL_ERROR', message: 'The image could not be processed.', retryable: true };

/**
 * The one error type of the project: thrown where a problem is found with its code, message and
 * whether trying again can help (by default the code's, from ERROR_CODES), carried across the queue
 * as a job failure (toJobReason / fromJobReason) and turned into the JSON error body once (the
 * gateway's error middleware, or the flow's outcome for a job).
 */
export class AppError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  readonly headers?: Record<string, string>;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { retryable?: boolean; cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = httpStatusOf(code);
    this.retryable = options?.retryable ?? ERROR_CODES[code].retryable;
    this.headers = options?.headers;
  }

  /** The failure as a job's failure reason: the JSON of JobFailureSchema. */
  toJobReason(): string {
    return JSON.stringify(JobFailureSchema.parse({ code: this.code, message: this.message, retryable: this.retryable }));
  }

  /**
   * The failure a job's reason describes. Only reasons that toJobReason wrote are trusted; anything
   * else (a crash's message, a Redis error) is INTERNAL_ERROR, so internals never reach clients.
   */
  static fromJobReason(reason: string | undefined | null): AppError {
    let failure = UNDESCRIBED;
    try {
      const parsed = JobFailureSchema.safeParse(JSON.parse(reason ?? ''));
      if (parsed.success) failure = parsed.data;
    } catch {
      // not JSON: not ours
    }
    return new AppError(failure.code, failure.message, { retryable: failure.retryable });
  }
}

/** The body of every error response (HTTP) and every failed image in a batch. */
export const ErrorBodySchema = z.object({
  success: z.literal(false),
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    // only on 5xx: lets support find the log lines of the request
    request_id: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export function errorBody(code: ErrorCode, message: string, requestId?: string): ErrorBody {
  return { success: false, error: { code, message, ...(requestId ? { request_id: requestId } : {}) } };
}
