import multer from 'multer';
import type { RequestHandler } from 'express';
import { AppError, UPLOAD_LIMITS } from '@npr/contracts';
import { rateLimitExceeded, type RateState } from './rate-limiter';

// Memory storage: images go straight to Redis, never to the gateway's disk. The limits below are
// what keeps memory bounded: 20 files x 10 MB at most per request, plus text fields; a base64 image is a
// text field, so the routes that take them allow fields one image long but fewer of them (12 or 30).
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
          case 'LIMIT_FIELD_VALUE':
            return next(
              err.field === 'upload' || /^images/.test(err.field ?? '')
                ? new AppError('IMAGE_TOO_LARGE', `The image exceeds the maximum size of ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024} MB.`)
                : new AppError('BAD_REQUEST', `The field "${err.field}" is too long.`),
            );
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

/** A base64 image as a text field: up to the file limit once decoded (4 characters per 3 bytes, plus a data: prefix). */
export const MAX_BASE64_CHARS = Math.ceil(UPLOAD_LIMITS.maxFileBytes / 3) * 4 + 256;

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
/**
 * One image as a file in `upload`, or as text fields (`upload` in base64, `upload_url`): a text field may be
 * as long as a base64 image, so fewer fields are allowed (12; a hostile client can still send 12 long ones).
 */
export const uploadSingleWithFields = wrap(
  multer({ storage, limits: { ...limits, files: 1, fields: 12, parts: 13, fieldSize: MAX_BASE64_CHARS } }).single('upload'),
  1,
);
/** POST /batch with base64 images as text fields (`images[]`) beside or instead of files: each may be as long as a base64 image. */
export const uploadBatchWithFields = wrap(
  multer({ storage, limits: { ...limits, fields: 30, parts: UPLOAD_LIMITS.maxBatchFiles + 30, fieldSize: MAX_BASE64_CHARS }, fileFilter: withinRateLimit }).any(),
  UPLOAD_LIMITS.maxBatchFiles,
);
