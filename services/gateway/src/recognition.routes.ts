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
import { acceptImages, acceptOneImage, readImageInput, readImageInputs, stagedFlowIds, UPLOAD_URL_DEFAULTS, type UploadUrlSettings } from './image-input';
import type { StagedFile } from './upload';
import type { RateLimiter } from './rate-limiter';
import { billRequest, chargeImages, refuseWhenExhausted, submitOneImage, type FlowPort } from './submit-image';
import { validateImage } from './validate-image';
import { publicOrigin } from './public-url';
import { timed, timingOf } from './server-timing';
import type { UploadAdmission } from './upload-admission';

export type { FlowPort } from './submit-image';

export type RecognitionRoutesDeps = {
  prisma: PrismaClient;
  flow: FlowPort;
  limiter: RateLimiter;
  now: () => Date;
  /** How long a synchronous call waits before answering 202 with the job instead. */
  syncTimeoutMs: number;
  /** Admits uploads before their bodies are read (memory bounds per gateway and per key). */
  admission: UploadAdmission;
  /** Base for job URLs (e.g. https://api.example.com); default: see publicOrigin (never the Host header). */
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

/** Job polls a key may make per image of its rate limit, per window. */
const POLLS_PER_IMAGE = 10;

/** The client's Idempotency-Key header (1-255 visible ASCII characters), if any. */
function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new AppError('BAD_REQUEST', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
  return key;
}

/**
 * The form (or JSON) fields the /api/v1 upload routes understand: the image inputs and the options. Anything
 * else is a mistake worth saying (a misspelt option would otherwise be ignored without a word).
 */
const IMAGE_FIELDS = { single: ['upload', 'upload_url'], batch: ['images[]', 'images', 'upload_url', 'upload_url[]'] };
const OPTION_FIELDS = ['regions', 'top_n', 'threshold_detection', 'threshold_read', 'camera_id', 'timestamp', 'webhook_url'];

function refuseStrayFields(req: Request, route: keyof typeof IMAGE_FIELDS): void {
  const known = new Set([...IMAGE_FIELDS[route], ...OPTION_FIELDS]);
  const stray = Object.keys((req.body as Record<string, unknown>) ?? {}).find((name) => !known.has(name));
  if (stray !== undefined) throw new AppError('BAD_REQUEST', `Unexpected form field "${stray}"; this route takes ${[...known].join(', ')}.`);
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

  /** Checks one image of a batch and stores it for its flow; an invalid one is that entry's error. */
  async function storeBatchImage(flowId: string, bytes: Buffer): Promise<StagedFile> {
    try {
      await validateImage(bytes);
    } catch (err) {
      if (err instanceof AppError) return { error: err };
      throw err;
    }
    await deps.flow.storeImage(flowId, bytes);
    return { flowId };
  }

  // a batch's files are checked and stored in Redis as each one arrives, under the flow it will be
  // (files come first among a batch's images, so a file's index is its image's)
  const acceptBatch = acceptImages({
    stage: (req, index, bytes) => storeBatchImage(`${req.res!.locals.requestId as string}-${index}`, bytes),
    discard: (flowIds) => deps.flow.dropImages(flowIds),
  });

  /** A one-off webhook_url must be reachable and needs the account's one-off signing secret (Settings -> Webhooks). */
  async function checkOneOffWebhook(res: Response, webhookUrl: string | undefined) {
    if (!webhookUrl) return;
    await deps.checkWebhookUrl(webhookUrl);
    const account = await deps.prisma.account.findUniqueOrThrow({ where: { id: auth(res).accountId }, select: { oneOffWebhookSecret: true } });
    if (!account.oneOffWebhookSecret) {
      throw new AppError('BAD_REQUEST', 'webhook_url needs a signing secret: create one in Settings -> Webhooks or with POST /api/v1/webhooks/one-off-secret.');
    }
  }

  /**
   * Polls have a budget of their own, POLLS_PER_IMAGE times the key's image limit per window (one
   * image polled every few seconds fits easily; a tight loop does not). The X-RateLimit-* headers
   * keep describing the image window; a refusal says when to poll again.
   */
  async function limitPolling(res: Response, a: AuthContext) {
    const budget = { points: a.limit.points * POLLS_PER_IMAGE, windowSeconds: a.limit.windowSeconds };
    try {
      await deps.limiter.consume(`poll:${a.rateKey}`, budget, 1);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'RATE_LIMIT_EXCEEDED') throw err;
      throw new AppError('RATE_LIMIT_EXCEEDED', `At most ${budget.points} job polls per ${budget.windowSeconds} s on this key; poll less often.`, {
        headers: { 'Retry-After': err.headers?.['Retry-After'] ?? '1' },
      });
    }
  }

  function jobUrl(req: Request, id: string) {
    return `${publicOrigin(req, deps.publicBaseUrl)}/api/v1/jobs/${id}`;
  }

  function accepted(req: Request, res: Response, id: string, status: JobStatus = 'queued') {
    const url = jobUrl(req, id);
    if (prefersRespondAsync(req)) res.setHeader('Preference-Applied', 'respond-async');
    res.setHeader('Location', url);
    res.status(202).json({ success: true, job_id: id, status, url });
  }

  router.post('/recognise', refuseExhausted, timed('upload', deps.admission.single), timed('upload', acceptOneImage), async (req, res) => {
    refuseStrayFields(req, 'single');
    const options = parseOptions(req);
    const webhookUrl = parseWebhookUrl(req);
    await checkOneOffWebhook(res, webhookUrl);
    const capture = parseCapture(req);
    const idempotencyKey = idempotencyKeyOf(req);
    // a retry is answered before its image is read again (an upload_url is not fetched twice) or charged
    const earlier = idempotencyKey && (await deps.flow.findIdempotentJob(auth(res).accountId, idempotencyKey));
    if (earlier) return answerRetry(req, res, earlier);
    const { bytes } = await readImageInput(req, deps.uploadUrl ?? UPLOAD_URL_DEFAULTS);
    const submitted = await submitOneImage(deps, res, bytes, options, { capture, webhookUrl, idempotencyKey });
    if ('retryOf' in submitted) return answerRetry(req, res, submitted.retryOf);
    const { record } = submitted;
    const id = record.id;
    if (wantsAsync(req)) return accepted(req, res, id);
    const outcome = await timingOf(res).measure('recognition', () => deps.flow.waitForOutcome(id, deps.syncTimeoutMs));
    if (!outcome) return accepted(req, res, id, 'processing');
    await billRequest(deps, res, record, [outcome]);
    res.status(statusOf(outcome)).json(withCapture(outcome, capture));
  });

  router.post('/batch', refuseExhausted, timed('upload', deps.admission.batch), timed('upload', acceptBatch), async (req, res) => {
    // the files staged on arrival are queued by submitBatch, or taken back if the request ends before that
    const progress = { queued: false };
    try {
      await submitBatch(req, res, progress);
    } finally {
      if (!progress.queued) await deps.flow.dropImages(stagedFlowIds(req));
    }
  });

  /** The batch route once its body is read (`progress.queued` once its images are in the queue). */
  async function submitBatch(req: Request, res: Response, progress: { queued: boolean }) {
    refuseStrayFields(req, 'batch');
    const options = parseOptions(req);
    const webhookUrl = parseWebhookUrl(req);
    await checkOneOffWebhook(res, webhookUrl);
    const capture = parseCapture(req);
    const a = auth(res);
    const idempotencyKey = idempotencyKeyOf(req);
    const earlier = idempotencyKey && (await deps.flow.findIdempotentJob(a.accountId, idempotencyKey));
    if (earlier) return answerRetry(req, res, earlier);
    const inputs = await readImageInputs(req, deps.uploadUrl ?? UPLOAD_URL_DEFAULTS);
    await chargeImages(deps, res, inputs.length);

    const id: string = res.locals.requestId;
    const raced = idempotencyKey && (await deps.flow.claimIdempotencyKey(a.accountId, idempotencyKey, id));
    if (raced) return answerRetry(req, res, raced);
    // each image is its own flow so one bad or slow image never holds up the others; an image that
    // fails validation (or could not be read) gets its error in place. Files are stored already; the
    // other images one at a time, their bytes let go once they are in Redis; then one flow tree under
    // the request's job-finished parent
    const entries: JobRecord['entries'] = [];
    const flowIds: string[] = [];
    for (const [i, input] of inputs.entries()) {
      // written back so that the list lets the bytes go
      const stored = 'bytes' in input ? (inputs[i] = await storeBatchImage(`${id}-${i}`, input.bytes)) : input;
      if ('error' in stored) {
        entries.push({ outcome: errorBody(stored.error.code, stored.error.message) });
      } else {
        entries.push({ flowId: stored.flowId });
        flowIds.push(stored.flowId);
      }
    }
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
    await deps.flow.submitJob({ record, flowIds, options });
    progress.queued = true;
    if (wantsAsync(req)) return accepted(req, res, id);

    const deadline = Date.now() + deps.syncTimeoutMs;
    const outcomes = await timingOf(res).measure('recognition', () =>
      Promise.all(entries.map((e) => ('outcome' in e ? e.outcome : deps.flow.waitForOutcome(e.flowId, Math.max(1, deadline - Date.now()))))),
    );
    if (outcomes.some((o) => o === null)) return accepted(req, res, id, 'processing');
    await billRequest(deps, res, record, outcomes as ImageOutcome[]);
    res.status(200).json(withCapture({ success: true, results: outcomes }, capture));
  }

  /** The job's answer as GET /jobs/:id gives it; `pendingStatus` is the code while it is not finished. */
  async function answerJob(req: Request, res: Response, record: JobRecord, pendingStatus: 200 | 202) {
    const id = record.id;
    const result = await deps.flow.getJobResult(record);
    if (!result.done) {
      if (pendingStatus === 202) return accepted(req, res, id, result.status);
      return res.status(200).json({ success: true, job_id: id, status: result.status, url: jobUrl(req, id) });
    }
    res.status(result.httpStatus).json(result.body);
  }
  /**
   * A submit retried with the same Idempotency-Key gets the first one's job instead of a second job
   * (and is not charged again): at once when asynchronous, else once it finishes (bounded as usual).
   */
  async function answerRetry(req: Request, res: Response, jobId: string) {
    const record = await deps.flow.loadJobRecord(jobId);
    // claimed a moment ago by a request that is still submitting
    if (!record) return accepted(req, res, jobId);
    if (!wantsAsync(req)) {
      const deadline = Date.now() + deps.syncTimeoutMs;
      await Promise.all(record.entries.map((e) => ('flowId' in e ? deps.flow.waitForOutcome(e.flowId, Math.max(1, deadline - Date.now())) : null)));
    }
    return answerJob(req, res, record, 202);
  }

  router.get('/jobs/:id', async (req, res) => {
    const a = auth(res);
    await limitPolling(res, a);
    const id = String(req.params.id);
    const record = /^[0-9a-f-]{36}$/.test(id) ? await deps.flow.loadJobRecord(id) : null;
    // another account's job is indistinguishable from one that does not exist
    if (!record || record.accountId !== a.accountId) throw new AppError('NOT_FOUND', 'No such job.');
    return answerJob(req, res, record, 200);
  });

  return router;
}
