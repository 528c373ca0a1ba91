import multer from 'multer';
import type { RequestHandler } from 'express';
import { AppError, UPLOAD_LIMITS } from '@npr/contracts';
import { rateLimitExceeded, type RateState } from './rate-limiter';

// Memory storage: images go straight to Redis, never to the gateway's disk. The limits below are
// what keeps memory bounded: 20 files x 10 MB at most per request.
const limits = {
  fileSize: UPLOAD_LIMITS.maxFileBytes,
  files: UPLOAD_LIMITS.maxBatchFiles,
  fields: 20,
  fieldSize: 64 * 1024,
  parts: UPLOAD_LIMITS.maxBatchFiles + 20,
};

/** Maps multer's errors to the API's codes: 413 for size, 400 for everything else. */
function wrap(handler: RequestHandler, maxFiles: number): RequestHandler {
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      return next(new AppError('BAD_REQUEST', 'Send the image as multipart/form-data.'));
    }
    handler(req, res, (err?: unknown) => {
      if (!err) return next();
      if (err instanceof AppError) return next(err);
      if (err instanceof multer.MulterError) {
        switch (err.code) {
          case 'LIMIT_FILE_SIZE':
            return next(new AppError('IMAGE_TOO_LARGE', `The file exceeds the maximum size of ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024} MB.`));
          case 'LIMIT_FILE_COUNT':
            return next(new AppError('BAD_REQUEST', maxFiles === 1 ? 'Send exactly one image, in the field "upload".' : `At most ${maxFiles} images per request.`));
          case 'LIMIT_UNEXPECTED_FILE':
            return next(new AppError('BAD_REQUEST', `Unexpected file field "${err.field}".`));
          default:
            return next(new AppError('BAD_REQUEST', `Malformed upload: ${err.message}.`));
        }
      }
      // busboy's parse errors (a truncated or malformed multipart body)
      return next(new AppError('BAD_REQUEST', 'Malformed multipart/form-data body.', { cause: err }));
    });
  };
}

const storage = multer.memoryStorage();

/**
 * Counts files as their part headers arrive and stops reading the moment a batch holds more images
 * than the key's window has left: the refusal never waits for (or buffers) the rest of the body.
 * The count spent afterwards is the authoritative one; this only refuses early.
 */
const withinRateLimit: multer.Options['fileFilter'] = (req, _file, accept) => {
  const counted = req as typeof req & { filesSeen?: number };
  counted.filesSeen = (counted.filesSeen ?? 0) + 1;
  const state = req.res?.locals.rateState as RateState | undefined;
  if (state && counted.filesSeen > state.remaining) return accept(rateLimitExceeded(state));
  accept(null, true);
};
/** POST /recognise: exactly one file in field `upload`. */
export const uploadSingle = wrap(multer({ storage, limits: { ...limits, files: 1 } }).single('upload'), 1);
/** POST /batch: files in `images[]` (or `images`). */
export const uploadBatch = wrap(multer({ storage, limits, fileFilter: withinRateLimit }).any(), UPLOAD_LIMITS.maxBatchFiles);
