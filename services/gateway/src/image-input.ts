import express, { type Request, type RequestHandler } from 'express';
import { AppError, UPLOAD_LIMITS } from '@npr/contracts';
import { OutboundError, safeFetch, type AllowedHost } from '@npr/outbound';
import { MAX_BASE64_CHARS, uploadBatchWithFields, uploadSingleWithFields, type FileStaging, type StagedMulterFile } from './upload';

/** How the gateway fetches an `upload_url`: the operator's allow-list (OUTBOUND_ALLOWED_HOSTS) and a time bound. */
export type UploadUrlSettings = { allowedHosts: readonly AllowedHost[]; timeoutMs: number };

export const UPLOAD_URL_DEFAULTS: UploadUrlSettings = { allowedHosts: [], timeoutMs: 10_000 };

/** A batch sent as form fields or JSON (base64 images, URLs): at most this much text; send files for more. */
export const MAX_BATCH_TEXT_BYTES = 64 * 1024 * 1024;

function acceptBodies(multipart: RequestHandler, maxTextBytes: number, what: string): RequestHandler {
  const formBody = express.urlencoded({ extended: false, limit: maxTextBytes, parameterLimit: 100 });
  const jsonBody = express.json({ limit: maxTextBytes });
  return (req, res, next) => {
    if (req.is('multipart/form-data')) return multipart(req, res, next);
    const parser = req.is('application/x-www-form-urlencoded') ? formBody : req.is('application/json') ? jsonBody : null;
    if (!parser) return next(new AppError('BAD_REQUEST', what));
    parser(req, res, (err?: unknown) => {
      if (!err) return next();
      if ((err as { type?: string }).type === 'entity.too.large') {
        return next(new AppError('IMAGE_TOO_LARGE', `The request exceeds the maximum size of ${Math.round(maxTextBytes / 1024 / 1024)} MB.`));
      }
      next(new AppError('BAD_REQUEST', 'Malformed request body.', { cause: err }));
    });
  };
}

/**
 * Parses the body of a one-image request in any form a client may send it: multipart (a file in `upload`,
 * or the text fields `upload` (base64) / `upload_url`), application/x-www-form-urlencoded, or JSON. A body
 * over the limit is IMAGE_TOO_LARGE; anything else unreadable is BAD_REQUEST.
 */
export const acceptOneImage = acceptBodies(
  uploadSingleWithFields,
  MAX_BASE64_CHARS + 64 * 1024,
  'Send the image as multipart/form-data (a file in "upload"), or "upload" (base64) or "upload_url" as form fields or JSON.',
);

/** The same for a batch: files (staged as they arrive) and base64 text in `images[]`, URLs in `upload_url` (repeated). */
export const acceptImages = (staging: FileStaging) =>
  acceptBodies(
    uploadBatchWithFields(staging),
    MAX_BATCH_TEXT_BYTES,
    'Send the images as multipart/form-data (files in "images[]"), or "images[]" (base64) and "upload_url" as form fields or JSON.',
  );

/** The flows a batch's files were staged for (to discard when the request ends before they are queued). */
export const stagedFlowIds = (req: Request): string[] =>
  ((req.files as StagedMulterFile[] | undefined) ?? []).flatMap((f) => (f.staged && 'flowId' in f.staged ? [f.staged.flowId] : []));

const tooLarge = () => new AppError('IMAGE_TOO_LARGE', `The image exceeds the maximum size of ${UPLOAD_LIMITS.maxFileBytes / 1024 / 1024} MB.`);

function decodeBase64Image(text: string): Buffer {
  const data = text.trim().replace(/^data:[\w.+/-]*;base64,/i, '').replace(/\s+/g, '');
  // Buffer.from skips what is not base64; a length no encoding produces (4n + 1) means it is not base64
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(data) || data.replace(/=+$/, '').length % 4 === 1) {
    throw new AppError('BAD_REQUEST', '"upload" is neither a file nor a base64-encoded image.');
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > UPLOAD_LIMITS.maxFileBytes) throw tooLarge();
  return bytes;
}

/** What a refused or failed `upload_url` tells the client (never anything read from inside our network). */
function uploadUrlFailure(error: OutboundError): AppError {
  if (error.reason === 'TOO_LARGE') return tooLarge();
  const why: Record<OutboundError['reason'], string> = {
    INVALID_URL: 'is not a URL',
    SCHEME_NOT_ALLOWED: 'must be an http or https URL',
    ADDRESS_NOT_ALLOWED: 'points to an address this service does not fetch from (loopback, private, link-local or metadata)',
    DNS_FAILED: 'names a host that could not be resolved',
    CONNECTION_FAILED: 'could not be reached',
    TOO_MANY_REDIRECTS: 'redirected too many times',
    TIMEOUT: 'did not answer in time',
    TOO_LARGE: '',
  };
  return new AppError('BAD_REQUEST', `"upload_url" ${why[error.reason]}: ${error.message}`, { cause: error });
}

async function fetchImage(url: string, settings: UploadUrlSettings): Promise<Buffer> {
  try {
    const response = await safeFetch(url, {
      allowedHosts: settings.allowedHosts,
      timeoutMs: settings.timeoutMs,
      maxBytes: UPLOAD_LIMITS.maxFileBytes,
      headers: { accept: 'image/jpeg, image/png, image/webp' },
    });
    if (response.status < 200 || response.status > 299) {
      throw new AppError('BAD_REQUEST', `"upload_url" answered HTTP ${response.status}, not an image.`);
    }
    return response.body;
  } catch (err) {
    throw err instanceof OutboundError ? uploadUrlFailure(err) : err;
  }
}

const safeDecode = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

export type ImageInput = { bytes: Buffer; filename: string | null };

const field = (req: Request, name: string): unknown => (req.body as Record<string, unknown> | undefined)?.[name] ?? req.query[name];

/**
 * The one image of a request: a file in `upload`, `upload` as base64 text, or `upload_url` (fetched through
 * the outbound guard with the file size limit). Exactly one of them. The bytes are validated afterwards like
 * any upload (validateImage); `filename` is the file's name, or the URL's last path segment.
 */
export async function readImageInput(req: Request, settings: UploadUrlSettings): Promise<ImageInput> {
  const text = field(req, 'upload');
  const url = field(req, 'upload_url');
  const given = [req.file, text, url].filter((v) => v !== undefined && v !== '').length;
  if (given === 0) throw new AppError('BAD_REQUEST', 'Missing the image: send a file in the multipart field "upload", "upload" as base64, or "upload_url".');
  if (given > 1) throw new AppError('BAD_REQUEST', 'Send one image: a file in "upload", "upload" as base64, or "upload_url", not several.');
  if (req.file) return { bytes: req.file.buffer, filename: req.file.originalname || null };
  if (text !== undefined && text !== '') {
    if (typeof text !== 'string') throw new AppError('BAD_REQUEST', '"upload" must be a file or one base64 string.');
    return { bytes: decodeBase64Image(text), filename: null };
  }
  if (typeof url !== 'string') throw new AppError('BAD_REQUEST', '"upload_url" must be one URL.');
  const bytes = await fetchImage(url, settings);
  const last = new URL(url).pathname.split('/').pop() ?? '';
  return { bytes, filename: last ? safeDecode(last) : null };
}

/** One entry of a batch: the bytes, a file already checked and stored for its flow, or why this image could not be had (the others go on). */
export type BatchInput = { bytes: Buffer } | { flowId: string } | { error: AppError };

const asList = (value: unknown): unknown[] => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]);

async function settle(read: () => Buffer | Promise<Buffer>): Promise<BatchInput> {
  try {
    return { bytes: await read() };
  } catch (err) {
    if (err instanceof AppError) return { error: err };
    throw err;
  }
}

/**
 * The images of a batch, in this order: the files in `images[]`, then base64 strings in `images[]`, then
 * `upload_url`s, 1 to 20 in all. A text that is not base64 or a URL that is refused or fails is that
 * entry's error, as an invalid file is.
 */
export async function readImageInputs(req: Request, settings: UploadUrlSettings): Promise<BatchInput[]> {
  const files = (req.files as StagedMulterFile[] | undefined) ?? [];
  const stray = files.find((f) => f.fieldname !== 'images[]' && f.fieldname !== 'images');
  if (stray) throw new AppError('BAD_REQUEST', `Unexpected file field "${stray.fieldname}"; send images as "images[]".`);
  const texts = [...asList(field(req, 'images[]')), ...asList(field(req, 'images'))];
  const urls = [...asList(field(req, 'upload_url')), ...asList(field(req, 'upload_url[]'))];
  const total = files.length + texts.length + urls.length;
  if (total === 0) throw new AppError('BAD_REQUEST', 'Missing images: send 1 to 20 files in the multipart field "images[]" (or base64 strings in "images[]", or "upload_url").');
  if (total > UPLOAD_LIMITS.maxBatchFiles) throw new AppError('BAD_REQUEST', `At most ${UPLOAD_LIMITS.maxBatchFiles} images per request.`);
  const notText = () => new AppError('BAD_REQUEST', 'Each "images[]" text must be one base64 string, each "upload_url" one URL.');
  return Promise.all([
    ...files.map((f): BatchInput => f.staged ?? { bytes: f.buffer }),
    ...texts.map((t) => settle(() => (typeof t === 'string' ? decodeBase64Image(t) : Promise.reject(notText())))),
    ...urls.map((u) => settle(() => (typeof u === 'string' ? fetchImage(u, settings) : Promise.reject(notText())))),
  ]);
}
