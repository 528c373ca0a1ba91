import type { RequestHandler } from 'express';
import { AppError, UPLOAD_LIMITS } from '@npr/contracts';
import type { AuthContext } from './authenticate-api-key';
import { MAX_BASE64_CHARS } from './upload';
import { rateLimitHeaders, type RateState } from './rate-limiter';

export type UploadAdmissionLimits = {
  /** Upload bytes all requests together may hold in this gateway at once; beyond it: 503 + Retry-After. */
  maxInflightBytes: number;
  /** Uploads one API key may have in progress at once on this gateway; beyond it: 429 + Retry-After. */
  maxConcurrentPerKey: number;
  /** Redis memory above which new uploads wait (503 + Retry-After) for the workers to catch up; 0 = no check. */
  redisHighWaterBytes: number;
};

// multipart framing around the files: boundaries, part headers, the small option fields
const MULTIPART_OVERHEAD = 1024 * 1024;
/** The largest body each upload route can need, which is what a body of unknown length reserves. */
export const MAX_UPLOAD_BODY = {
  // one image as a file, or as base64 text (a third longer) in a form or JSON body
  single: MAX_BASE64_CHARS + MULTIPART_OVERHEAD,
  batch: UPLOAD_LIMITS.maxBatchFiles * UPLOAD_LIMITS.maxFileBytes + MULTIPART_OVERHEAD,
};

const RETRY_AFTER_SECONDS = 2;
// a refused upload's body is not wanted: close the connection instead of reading it to the end
const CLOSE = { Connection: 'close' };

/**
 * Admits an upload before its body is read, so that memory is bounded by configuration and not by
 * what clients send: the body's declared length (or, without one, the most the route accepts) is
 * reserved against a gateway-wide budget and released when the response is over; one key may only
 * have a few uploads in flight; and while Redis holds more than its high-water mark of queued work
 * new uploads are asked to come back later. Bodies longer than the route could ever accept are
 * refused with 413 at once.
 */
export function createUploadAdmission(limits: UploadAdmissionLimits, deps: { redisUsedBytes?: () => number } = {}) {
  let inflightBytes = 0;
  const perKey = new Map<string, number>();

  const busy = (message: string, state: RateState | undefined) =>
    new AppError('SERVICE_UNAVAILABLE', message, {
      headers: { ...CLOSE, 'Retry-After': String(RETRY_AFTER_SECONDS), ...(state ? rateLimitHeaders(state) : {}) },
    });

  function admit(route: keyof typeof MAX_UPLOAD_BODY): RequestHandler {
    const routeMax = MAX_UPLOAD_BODY[route];
    return (req, res, next) => {
      const declared = req.get('content-length');
      const length = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
      if (length !== undefined && length > routeMax) {
        throw new AppError(
          'IMAGE_TOO_LARGE',
          route === 'single'
            ? `The upload exceeds the maximum file size of ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024} MB.`
            : `The upload exceeds ${UPLOAD_LIMITS.maxBatchFiles} files of ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024} MB.`,
          { headers: CLOSE },
        );
      }
      const state = res.locals.rateState as RateState | undefined;
      const auth = res.locals.auth as AuthContext;
      const keyUploads = perKey.get(auth.apiKeyId) ?? 0;
      if (keyUploads >= limits.maxConcurrentPerKey) {
        throw new AppError('RATE_LIMIT_EXCEEDED', `At most ${limits.maxConcurrentPerKey} uploads at once per API key; retry when one has finished.`, {
          headers: { ...CLOSE, 'Retry-After': '1', ...(state ? rateLimitHeaders(state) : {}) },
        });
      }
      const reserve = length ?? routeMax;
      if (inflightBytes + reserve > limits.maxInflightBytes) {
        throw busy('The service is receiving as many uploads as it can hold; retry shortly.', state);
      }
      if (limits.redisHighWaterBytes > 0 && (deps.redisUsedBytes?.() ?? 0) > limits.redisHighWaterBytes) {
        throw busy('The queue is full; retry shortly.', state);
      }
      inflightBytes += reserve;
      perKey.set(auth.apiKeyId, keyUploads + 1);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        inflightBytes -= reserve;
        const n = (perKey.get(auth.apiKeyId) ?? 1) - 1;
        if (n <= 0) perKey.delete(auth.apiKeyId);
        else perKey.set(auth.apiKeyId, n);
      };
      // 'close' fires for finished responses and for clients that went away alike
      res.once('close', release);
      next();
    };
  }

  return {
    single: admit('single'),
    batch: admit('batch'),
    /** For /metrics and tests. */
    inflightBytes: () => inflightBytes,
  };
}

export type UploadAdmission = ReturnType<typeof createUploadAdmission>;
