import { Router, type Request, type Response } from 'express';
import {
  AppError,
  CaptureSchema,
  ERROR_STATUS,
  RecogniseOptionsSchema,
  errorBody,
  type Capture,
  type ImageOutcome,
  type JobRecord,
  type JobStatus,
  type RecogniseOptions,
} from '@npr/contracts';
import type { PrismaClient } from '@npr/db';
import type { AuthContext } from './authenticate-api-key';
import { acceptImages, acceptOneImage, readImageInput, readImageInputs, UPLOAD_URL_DEFAULTS, type UploadUrlSettings } from './image-input';
import type { RateLimiter } from './rate-limiter';
import { chargeImages, refuseWhenExhausted, submitOneImage, type FlowPort } from './submit-image';
import { validateImage } from './validate-image';

export type { FlowPort } from './submit-image';

export type RecognitionRoutesDeps = {
  prisma: PrismaClient;
  flow: FlowPort;
  limiter: RateLimiter;
  now: () => Date;
  /** How long a synchronous call waits before answering 202 with the job instead. */
  syncTimeoutMs: number;
  /** Base for job URLs (e.g. https://api.example.com); default: from the request. */
  publicBaseUrl?: string;
  /** How `upload_url` is fetched (allow-list, time bound). */
  uploadUrl?: UploadUrlSettings;
};

const statusOf = (outcome: ImageOutcome) => (outcome.success ? 200 : ERROR_STATUS[outcome.error.code]);

const prefersRespondAsync = (req: Request) => /\brespond-async\b/i.test(req.get('prefer') ?? '');

function wantsAsync(req: Request): boolean {
  const q = req.query.async;
  return q === 'true' || q === '1' || prefersRespondAsync(req);
}

const requestFields = (req: Request): Record<string, unknown> => ({ ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown>) ?? {}) });

const optionalNumber = (value: unknown) => (value === undefined || value === '' ? undefined : Number(value));

/** Optional recognition options from the query string, form fields or JSON: regions=gb,de&top_n=3&threshold_read=0.5. */
function parseOptions(req: Request): RecogniseOptions {
  const raw = requestFields(req);
  const regions = typeof raw.regions === 'string' && raw.regions ? raw.regions.split(',').map((r) => r.trim().toLowerCase()) : undefined;
  const parsed = RecogniseOptionsSchema.safeParse({
    regions,
    topN: optionalNumber(raw.top_n),
    thresholdDetection: optionalNumber(raw.threshold_detection),
    thresholdRead: optionalNumber(raw.threshold_read),
  });
  if (!parsed.success) {
    throw new AppError('BAD_REQUEST', 'Invalid options: regions must be two-letter codes, top_n 1 to 10, threshold_detection and threshold_read 0 to 1.');
  }
  return parsed.data;
}

/** `camera_id` and `timestamp` as the client gave them (timestamp in ISO 8601), to echo in the answer. */
function parseCapture(req: Request): Capture {
  const raw = requestFields(req);
  const parsed = CaptureSchema.safeParse({ camera_id: raw.camera_id, timestamp: raw.timestamp });
  if (!parsed.success) throw new AppError('BAD_REQUEST', `Invalid ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}.`);
  return parsed.data;
}

/** A successful body with the request's camera_id and timestamp; errors go out as they are. */
const withCapture = <T extends { success: boolean }>(body: T, capture: Capture | undefined): T =>
  body.success && capture ? { ...body, ...capture } : body;

/** POST /recognise, POST /batch and GET /jobs/:id. */
export function recognitionRoutes(deps: RecognitionRoutesDeps): Router {
  const router = Router();
  const auth = (res: Response) => res.locals.auth as AuthContext;
  // answers are per key and per moment: no shared or browser cache may keep or replay them
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  function jobUrl(req: Request, id: string) {
    const base = deps.publicBaseUrl ?? `${req.protocol}://${req.get('host')}`;
    return `${base}/api/v1/jobs/${id}`;
  }

  function accepted(req: Request, res: Response, id: string, status: JobStatus = 'queued') {
    const url = jobUrl(req, id);
    if (prefersRespondAsync(req)) res.setHeader('Preference-Applied', 'respond-async');
    res.setHeader('Location', url);
    res.status(202).json({ success: true, job_id: id, status, url });
  }

  router.post('/recognise', refuseWhenExhausted, acceptOneImage, async (req, res) => {
    const options = parseOptions(req);
    const capture = parseCapture(req);
    const { bytes } = await readImageInput(req, deps.uploadUrl ?? UPLOAD_URL_DEFAULTS);
    const id = await submitOneImage(deps, res, bytes, options, capture);
    if (wantsAsync(req)) return accepted(req, res, id);
    const outcome = await deps.flow.waitForOutcome(id, deps.syncTimeoutMs);
    if (!outcome) return accepted(req, res, id, 'processing');
    res.status(statusOf(outcome)).json(withCapture(outcome, capture));
  });

  router.post('/batch', refuseWhenExhausted, acceptImages, async (req, res) => {
    const options = parseOptions(req);
    const capture = parseCapture(req);
    const inputs = await readImageInputs(req, deps.uploadUrl ?? UPLOAD_URL_DEFAULTS);
    await chargeImages(deps, res, inputs.length);

    const id: string = res.locals.requestId;
    const accountId = auth(res).accountId;
    // each image is its own flow so one bad or slow image never holds up the others
    const entries: JobRecord['entries'] = await Promise.all(
      inputs.map(async (input, i) => {
        const flowId = `${id}-${i}`;
        try {
          if ('error' in input) throw input.error;
          await validateImage(input.bytes);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          return { outcome: errorBody(err.code, err.message) };
        }
        await deps.flow.submitImage({ flowId, accountId, image: input.bytes, options });
        return { flowId };
      }),
    );
    await deps.flow.saveJobRecord({ id, kind: 'batch', accountId, entries, createdAt: deps.now().toISOString(), capture });
    if (wantsAsync(req)) return accepted(req, res, id);

    const deadline = Date.now() + deps.syncTimeoutMs;
    const outcomes = await Promise.all(
      entries.map((e) => ('outcome' in e ? e.outcome : deps.flow.waitForOutcome(e.flowId, Math.max(1, deadline - Date.now())))),
    );
    if (outcomes.some((o) => o === null)) return accepted(req, res, id, 'processing');
    res.status(200).json(withCapture({ success: true, results: outcomes }, capture));
  });

  router.get('/jobs/:id', async (req, res) => {
    const a = auth(res);
    const id = String(req.params.id);
    const record = /^[0-9a-f-]{36}$/.test(id) ? await deps.flow.loadJobRecord(id) : null;
    // another account's job is indistinguishable from one that does not exist
    if (!record || record.accountId !== a.accountId) throw new AppError('NOT_FOUND', 'No such job.');

    const states = await Promise.all(
      record.entries.map(async (e) => {
        if ('outcome' in e) return { status: 'failed' as JobStatus, outcome: e.outcome as ImageOutcome };
        return (await deps.flow.getFlowState(e.flowId)) ?? {
          status: 'failed' as JobStatus,
          outcome: errorBody('INTERNAL_ERROR', 'The job expired before it finished.', id) as ImageOutcome,
        };
      }),
    );
    const pending = states.filter((s) => s.status === 'queued' || s.status === 'processing');
    if (pending.length > 0) {
      const status: JobStatus = states.some((s) => s.status !== 'queued') ? 'processing' : 'queued';
      return res.status(200).json({ success: true, job_id: id, status, url: jobUrl(req, id) });
    }
    if (record.kind === 'single') {
      const outcome = states[0]!.outcome!;
      return res.status(statusOf(outcome)).json({ ...withCapture(outcome, record.capture), job_id: id, status: outcome.success ? 'completed' : 'failed' });
    }
    res.status(200).json({ ...withCapture({ success: true, results: states.map((s) => s.outcome) }, record.capture), job_id: id, status: 'completed' });
  });

  return router;
}
