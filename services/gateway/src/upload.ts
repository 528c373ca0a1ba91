import multer from 'multer';
import type { Request, RequestHandler } from 'express';
import { AppError, UPLOAD_LIMITS } from '@npr/contracts';
import { rateLimitExceeded, type RateState } from './rate-limiter';

// Images go to Redis, never to the gateway's disk: a single upload is held in memory until it is
// queued, a batch's files are staged in Redis one by one as they arrive (stagingStorage), so a 200 MB
// batch never sits in the gateway whole. The limits below bound the rest: 20 files x 10 MB at most per
// request, plus text fields; a base64 image is a text field, so the routes that take them allow fields
// one image long but fewer of them (12 or 30).
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
/** A batch file once it has arrived: stored for its flow, or why it was not (an invalid image). */
export type StagedFile = { flowId: string } | { error: AppError };

/** What the batch route does with each file as soon as it is whole (`index`: its place among the files), and how it takes it back. */
export type FileStaging = {
  stage: (req: Request, index: number, bytes: Buffer) => Promise<StagedFile>;
  discard: (flowIds: string[]) => Promise<void>;
};

/** A batch's multer file: `staged` instead of `buffer`. */
export type StagedMulterFile = Express.Multer.File & { staged?: StagedFile };

/**
 * A multer storage engine that hands each file to `staging.stage` as soon as its last byte is in and keeps
 * only the outcome, so a batch holds about one file in memory at a time. Files multer gives up on (the
 * request failed part-way) are discarded again.
 */
function stagingStorage(staging: FileStaging): multer.StorageEngine {
  return {
    _handleFile(req, file, cb) {
      // multer starts files in the order they arrive and keeps that order in req.files
      const counted = req as typeof req & { filesStaged?: number };
      const index = (counted.filesStaged = (counted.filesStaged ?? 0) + 1) - 1;
      const chunks: Buffer[] = [];
      file.stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      file.stream.on('error', (err) => cb(err));
      file.stream.on('end', () => {
        // cut at the size limit: multer answers IMAGE_TOO_LARGE, nothing is kept
        if ((file.stream as typeof file.stream & { truncated?: boolean }).truncated) return cb(null, {});
        const bytes = Buffer.concat(chunks);
        chunks.length = 0;
        staging.stage(req, index, bytes).then(
          (staged) => cb(null, { size: bytes.length, staged } as Partial<Express.Multer.File>),
          (err: unknown) => cb(err as Error),
        );
      });
    },
    _removeFile(_req, file, cb) {
      const staged = (file as StagedMulterFile).staged;
      if (!staged || !('flowId' in staged)) return cb(null);
      staging.discard([staged.flowId]).then(() => cb(null), cb);
    },
  };
}

/** POST /batch: files staged as they arrive, and base64 images as text fields (`images[]`), each as long as a base64 image. */
export const uploadBatchWithFields = (staging: FileStaging) =>
  wrap(
    multer({
      storage: stagingStorage(staging),
      limits: { ...limits, fields: 30, parts: UPLOAD_LIMITS.maxBatchFiles + 30, fieldSize: MAX_BASE64_CHARS },
      fileFilter: withinRateLimit,
    }).any(),
    UPLOAD_LIMITS.maxBatchFiles,
  );
