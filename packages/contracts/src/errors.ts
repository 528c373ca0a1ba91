import { z } from 'zod';

/** Every error code a client can see, with the HTTP status it travels with. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_IMAGE: 400,
  INVALID_API_KEY: 401,
  NOT_FOUND: 404,
  IMAGE_TOO_LARGE: 413,
  NO_PLATES_FOUND: 422,
  // the image stopped every worker that tried it (a crash, an out-of-memory kill): given up, not retried
  IMAGE_CRASHED_WORKER: 422,
  RATE_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ErrorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

/**
 * The one error type of the project: thrown where a problem is found, turned into the JSON error
 * body once (the gateway's error middleware) and carried across the queue as a job failure reason.
 */
export class AppError extends Error {
  readonly status: number;
  readonly headers?: Record<string, string>;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { status?: number; cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = options?.status ?? ERROR_STATUS[code];
    this.headers = options?.headers;
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

// A job's failure reason crosses Redis as text: "CODE: message". Only codes we threw are trusted;
// anything else (a crash, a Redis error) becomes INTERNAL_ERROR so internals never reach clients.
const REASON = /^([A-Z_]+): ([\s\S]*)$/;

/** Encodes an AppError as a BullMQ failure reason (the Error message of a failed job). */
export function encodeJobFailure(code: ErrorCode, message: string): string {
  return `${code}: ${message}`;
}

/** Decodes a BullMQ failure reason back into a client-facing code and message. */
export function decodeJobFailure(reason: string | undefined | null): { code: ErrorCode; message: string } {
  const m = reason ? REASON.exec(reason) : null;
  const parsed = m ? ErrorCodeSchema.safeParse(m[1]) : null;
  if (m && parsed?.success) return { code: parsed.data, message: m[2]! };
  return { code: 'INTERNAL_ERROR', message: 'The image could not be processed.' };
}
