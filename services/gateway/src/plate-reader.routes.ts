// POST /v1/plate-reader/: Plate Recognizer's Snapshot API, answered by our recogniser. The same keys, rate
// limits, monthly quota, billing, image rules and queue as /api/v1/recognise (submit-image.ts); the request fields and the
// answer are mapped in @npr/contracts' plate-reader.ts, and every failure leaves in their error shape.
import { Router, type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import {
  AppError,
  PlateReaderRequestSchema,
  PlateReaderResponseSchema,
  applyPlateReaderConfig,
  plateReaderStatus,
  recogniserRegions,
  toPlateReaderError,
  toPlateReaderResult,
  type PlateReaderRequest,
} from '@npr/contracts';
import type { Logger } from '@npr/runtime';
import { authenticateApiKey } from './authenticate-api-key';
import { acceptOneImage, readImageInput, UPLOAD_URL_DEFAULTS, type UploadUrlSettings } from './image-input';
import { publicOrigin } from './public-url';
import { timed, timingOf } from './server-timing';
import type { UploadAdmission } from './upload-admission';
import { billRequest, refuseWhenExhausted, submitOneImage, type SubmissionDeps } from './submit-image';

export type PlateReaderDeps = SubmissionDeps & {
  logger: Logger;
  syncTimeoutMs: number;
  uploadUrl?: UploadUrlSettings;
  publicBaseUrl?: string;
  /** The same upload admission as /api/v1 (one memory budget per gateway). */
  admission: UploadAdmission;
};

/** Their fields arrive as form fields, JSON or in the query string; form fields win. */
function parseRequest(req: Request): PlateReaderRequest {
  const raw = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown>) ?? {}) };
  const parsed = PlateReaderRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('BAD_REQUEST', `${issue.path.join('.') || 'request'}: ${issue.message}.`);
  }
  return parsed.data;
}

export function plateReaderRoutes(deps: PlateReaderDeps): Router {
  const router = Router();
  const noStore: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
  // everything on the route itself: other paths under /v1 (their statistics, say) pass on to other routers
  router.post(['/plate-reader', '/plate-reader/'], noStore, timed('auth', authenticateApiKey(deps)), refuseWhenExhausted(deps), timed('upload', deps.admission.single), timed('upload', acceptOneImage), async (req, res) => {
    const started = performance.now();
    const request = parseRequest(req);
    const { bytes, filename } = await readImageInput(req, deps.uploadUrl ?? UPLOAD_URL_DEFAULTS);
    // our recogniser knows countries; their state codes (us-ca) hint the country's formats
    const regions = recogniserRegions(request.regions);
    const { record } = await submitOneImage(deps, res, bytes, regions.length ? { regions } : {}, {
      capture: { camera_id: request.camera_id, timestamp: request.timestamp },
    });
    const id = record.id;
    const outcome = await timingOf(res).measure('recognition', () => deps.flow.waitForOutcome(id, deps.syncTimeoutMs));
    if (!outcome) {
      // their API has no jobs; ours goes on, and the answer says where to find it
      const url = `${publicOrigin(req, deps.publicBaseUrl)}/api/v1/jobs/${id}`;
      res.setHeader('Location', url);
      return res.status(202).json({ detail: 'The image is still being processed; its result will be at the job URL.', status_code: 202, job_id: id, url });
    }
    // billed like /api/v1/recognise: once, only when the recogniser looked at the image
    await billRequest(deps, res, record, [outcome]);
    // no plate is an answer, not an error (as theirs: an empty list)
    if (!outcome.success && outcome.error.code !== 'NO_PLATES_FOUND') throw new AppError(outcome.error.code, outcome.error.message);
    const results = outcome.success ? outcome.results.map(toPlateReaderResult) : [];
    const body = PlateReaderResponseSchema.parse({
      processing_time: Math.round((performance.now() - started) * 1000) / 1000,
      results: applyPlateReaderConfig(results, request),
      filename,
      version: 1,
      camera_id: request.camera_id ?? null,
      timestamp: request.timestamp ?? deps.now().toISOString(),
    });
    // theirs answers 201 Created, and clients test for it
    res.status(201).json(body);
  });

  // only errors of the route above reach this
  router.use(plateReaderErrors(deps.logger));
  return router;
}

/** Every failure of the route in their shape and status (a bad key is 403 there); headers such as Retry-After kept. */
function plateReaderErrors(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let error: AppError;
    if (err instanceof AppError) error = err;
    else {
      logger.error({ err, requestId: res.locals.requestId, method: req.method, path: req.path }, 'unhandled error');
      error = new AppError('INTERNAL_ERROR', `Internal server error (request ${res.locals.requestId}).`);
    }
    if (res.headersSent) return void res.end();
    for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
    res.status(plateReaderStatus(error.code)).json(toPlateReaderError(error));
  };
}
