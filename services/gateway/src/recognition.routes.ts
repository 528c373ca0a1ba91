import { Router, type Request, type Response } from 'express';
import {
  AppError,
  CaptureSchema,
  ERROR_STATUS,
  RecogniseOptionsSchema,
  WebhookUrlSchema,
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
import { billRequest, chargeImages, refuseWhenExhausted, submitOneImage, type FlowPort } from './submit-image';
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
  /** Refuses a one-off webhook_url outbound calls may not reach (the SSRF guard). */
  checkWebhookUrl: (url: string) => Promise<void>;
  /** How `upload_url` is fetched (allow-list, time bound). */
  uploadUrl?: UploadUrlSettings;
};

const statusOf = (outcome: ImageOutcome) => (outcome.success ? 200 : ERROR_STATUS[outcome.error.code]);

/** A one-off URL for this request's result (query string or form field `webhook_url`). */
function parseWebhookUrl(req: Request): string | undefined {
  const raw = (req.body as Record<string, unknown> | undefined)?.webhook_url ?? req.query.webhook_url;
  if (raw === undefined || raw === '') return undefined;
  const parsed = WebhookUrlSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('BAD_REQUEST', 'Invalid webhook_url: it must be an http or https URL without credentials.');
  return parsed.data;
}

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

  const refuseExhausted = refuseWhenExhausted(deps);

  /** A one-off webhook_url must be reachable and needs the account's one-off signing secret (Settings -> Webhooks). */
  async function checkOneOffWebhook(res: Response, webhookUrl: string | undefined) {
    if (!webhookUrl) return;
    await deps.checkWebhookUrl(webhookUrl);
    const account = await deps.prisma.account.findUniqueOrThrow({ where: { id: auth(res).accountId }, select: { oneOffWebhookSecret: true } });
    if (!account.oneOffWebhookSecret) {
      throw new AppError('BAD_REQUEST', 'webhook_url needs a signing secret: create one in Settings -> Webhooks or with POST /api/v1/webhooks/one-off-secret.');
    }
  }

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

  router.post('/recognise', refuseExhausted, acceptOneImage, async (req, res) => {
    const options = parseOptions(req);
    const webhookUrl = parseWebhookUrl(req);
    await checkOneOffWebhook(res, webhookUrl);
    const capture = parseCapture(req);
    const { bytes } = await readImageInput(req, deps.uploadUrl ?? UPLOAD_URL_DEFAULTS);
    const record = await submitOneImage(deps, res, bytes, options, { capture, webhookUrl });
    const id = record.id;
    if (wantsAsync(req)) return accepted(req, res, id);
    const outcome = await deps.flow.waitForOutcome(id, deps.syncTimeoutMs);
    if (!outcome) return accepted(req, res, id, 'processing');
    await billRequest(deps, res, record, [outcome]);
    res.status(statusOf(outcome)).json(withCapture(outcome, capture));
  });

  router.post('/batch', refuseExhausted, acceptImages, async (req, res) => {
    const options = parseOptions(req);
    const webhookUrl = parseWebhookUrl(req);
    await checkOneOffWebhook(res, webhookUrl);
    const capture = parseCapture(req);
    const inputs = await readImageInputs(req, deps.uploadUrl ?? UPLOAD_URL_DEFAULTS);
    await chargeImages(deps, res, inputs.length);

    const id: string = res.locals.requestId;
    const a = auth(res);
    // an image that fails validation gets its error in place; the others go on
    type Checked = { flowId: string; image: Buffer } | { outcome: ReturnType<typeof errorBody> };
    const checked = await Promise.all(
      inputs.map(async (input, i): Promise<Checked> => {
        const flowId = `${id}-${i}`;
        try {
          if ('error' in input) throw input.error;
          await validateImage(input.bytes);
          return { flowId, image: input.bytes };
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          return { outcome: errorBody(err.code, err.message) };
        }
      }),
    );
    const entries: JobRecord['entries'] = checked.map((c) => ('outcome' in c ? { outcome: c.outcome } : { flowId: c.flowId }));
    const record: JobRecord = {
      id,
      kind: 'batch',
      accountId: a.accountId,
      apiKeyId: a.apiKeyId,
      ...(webhookUrl ? { webhookUrl } : {}),
      entries,
      ...(capture ? { capture } : {}),
      createdAt: deps.now().toISOString(),
    };
    const images = checked.flatMap((c) => ('image' in c ? [c] : []));
    await deps.flow.submitJob({ record, images, options });
    if (wantsAsync(req)) return accepted(req, res, id);

    const deadline = Date.now() + deps.syncTimeoutMs;
    const outcomes = await Promise.all(
      entries.map((e) => ('outcome' in e ? e.outcome : deps.flow.waitForOutcome(e.flowId, Math.max(1, deadline - Date.now())))),
    );
    if (outcomes.some((o) => o === null)) return accepted(req, res, id, 'processing');
    await billRequest(deps, res, record, outcomes as ImageOutcome[]);
    res.status(200).json(withCapture({ success: true, results: outcomes }, capture));
  });

  router.get('/jobs/:id', async (req, res) => {
    const a = auth(res);
    const id = String(req.params.id);
    const record = /^[0-9a-f-]{36}$/.test(id) ? await deps.flow.loadJobRecord(id) : null;
    // another account's job is indistinguishable from one that does not exist
    if (!record || record.accountId !== a.accountId) throw new AppError('NOT_FOUND', 'No such job.');

    const result = await deps.flow.getJobResult(record);
    if (!result.done) return res.status(200).json({ success: true, job_id: id, status: result.status, url: jobUrl(req, id) });
    res.status(result.httpStatus).json(result.body);
  });

  return router;
}
