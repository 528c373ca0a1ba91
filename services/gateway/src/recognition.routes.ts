import { Router, type Request, type Response } from 'express';
import {
  AppError,
  ERROR_STATUS,
  RecogniseOptionsSchema,
  WebhookUrlSchema,
  billableImages,
  errorBody,
  type ImageOutcome,
  type JobRecord,
  type JobStatus,
  type RecogniseOptions,
} from '@npr/contracts';
import { billJob, type PrismaClient } from '@npr/db';
import type { RecognitionFlow } from '@npr/queue';
import type { AuthContext } from './authenticate-api-key';
import { setRateLimitHeaders } from './authenticate-api-key';
import { quotaExceeded, quotaHeaders, quotaState, type QuotaState } from './monthly-quota';
import { rateLimitExceeded, type RateLimiter, type RateState } from './rate-limiter';
import { uploadBatch, uploadSingle } from './upload';
import { validateImage } from './validate-image';
import { publicOrigin } from './public-url';
import type { UploadAdmission } from './upload-admission';

/** The part of the queue the routes use (the seam for tests). */
export type FlowPort = Pick<
  RecognitionFlow,
  'storeImage' | 'submitJob' | 'waitForOutcome' | 'getJobResult' | 'loadJobRecord' | 'claimIdempotencyKey' | 'findIdempotentJob'
>;

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

const EMPTY = Buffer.alloc(0);

/** Job polls a key may make per image of its rate limit, per window. */
const POLLS_PER_IMAGE = 10;

/** The client's Idempotency-Key header (1-255 visible ASCII characters), if any. */
function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new AppError('BAD_REQUEST', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
  return key;
}

/** The form fields the upload routes understand besides their files. */
const OPTION_FIELDS = new Set(['regions', 'top_n', 'webhook_url']);

/** Optional recognition options from the query string or form fields: regions=gb,de&top_n=3. */
function parseOptions(req: Request): RecogniseOptions {
  const stray = Object.keys((req.body as Record<string, unknown>) ?? {}).find((name) => !OPTION_FIELDS.has(name));
  if (stray !== undefined) throw new AppError('BAD_REQUEST', `Unexpected form field "${stray}"; the options are ${[...OPTION_FIELDS].join(', ')}.`);
  const raw = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown>) ?? {}) };
  const regions = typeof raw.regions === 'string' && raw.regions ? raw.regions.split(',').map((r) => r.trim().toLowerCase()) : undefined;
  const topN = raw.top_n === undefined ? undefined : Number(raw.top_n);
  const parsed = RecogniseOptionsSchema.safeParse({ regions, topN });
  if (!parsed.success) throw new AppError('BAD_REQUEST', 'Invalid options: regions must be two-letter codes, top_n 1 to 10.');
  return parsed.data;
}

/** POST /recognise, POST /batch and GET /jobs/:id. */
export function recognitionRoutes(deps: RecognitionRoutesDeps): Router {
  const router = Router();
  const auth = (res: Response) => res.locals.auth as AuthContext;
  // answers are per key and per moment: no shared or browser cache may keep or replay them
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  /** Spends one rate-limit point per image (every accepted upload counts against the window). */
  async function spendRateLimit(res: Response, images: number) {
    const a = auth(res);
    setRateLimitHeaders(res, await deps.limiter.consume(a.rateKey, a.limit, images));
  }

  /** Refuses a request with more images than the month's quota has left. */
  function checkQuota(res: Response, images: number) {
    const state = res.locals.quotaState as QuotaState | null;
    if (state && state.remaining < images) throw quotaExceeded(state, images);
  }

  /** Refuses before reading the upload when the rate window or the month's quota is already used up. */
  async function refuseWhenExhausted(_req: Request, res: Response, next: () => void) {
    const a = auth(res);
    const quota = await quotaState(deps.prisma, a.accountId, a.monthlyQuota, deps.now());
    res.locals.quotaState = quota;
    if (quota) for (const [name, value] of Object.entries(quotaHeaders(quota))) res.setHeader(name, value);
    checkQuota(res, 1);
    const state = res.locals.rateState as RateState;
    if (state.remaining <= 0) throw rateLimitExceeded(state);
    next();
  }

  /** A one-off webhook_url must be reachable and needs the account's one-off signing secret (Settings -> Webhooks). */
  async function checkOneOffWebhook(res: Response, webhookUrl: string | undefined) {
    if (!webhookUrl) return;
    await deps.checkWebhookUrl(webhookUrl);
    const account = await deps.prisma.account.findUniqueOrThrow({ where: { id: auth(res).accountId }, select: { oneOffWebhookSecret: true } });
    if (!account.oneOffWebhookSecret) {
      throw new AppError('BAD_REQUEST', 'webhook_url needs a signing secret: create one in Settings -> Webhooks or with POST /api/v1/webhooks/one-off-secret.');
    }
  }

  /** Bills the images a finished synchronous request processed (once; the job-end handler may bill it too). */
  async function bill(res: Response, record: JobRecord, outcomes: ImageOutcome[]) {
    await billJob(deps.prisma, { jobId: record.id, apiKeyId: auth(res).apiKeyId, images: billableImages(outcomes), requestedAt: new Date(record.createdAt) });
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

  router.post('/recognise', refuseWhenExhausted, deps.admission.single, uploadSingle, async (req, res) => {
    if (!req.file) throw new AppError('BAD_REQUEST', 'Missing the image: send it in the multipart field "upload".');
    const options = parseOptions(req);
    const webhookUrl = parseWebhookUrl(req);
    await checkOneOffWebhook(res, webhookUrl);
    const a = auth(res);
    const idempotencyKey = idempotencyKeyOf(req);
    const earlier = idempotencyKey && (await deps.flow.findIdempotentJob(a.accountId, idempotencyKey));
    if (earlier) return answerRetry(req, res, earlier);
    await spendRateLimit(res, 1);
    await validateImage(req.file.buffer);
    const id: string = res.locals.requestId;
    const raced = idempotencyKey && (await deps.flow.claimIdempotencyKey(a.accountId, idempotencyKey, id));
    if (raced) return answerRetry(req, res, raced);
    const record: JobRecord = {
      id,
      kind: 'single',
      accountId: a.accountId,
      apiKeyId: a.apiKeyId,
      ...(webhookUrl ? { webhookUrl } : {}),
      entries: [{ flowId: id }],
      createdAt: deps.now().toISOString(),
    };
    await deps.flow.storeImage(id, req.file.buffer);
    await deps.flow.submitJob({ record, flowIds: [id], options });
    if (wantsAsync(req)) return accepted(req, res, id);
    const outcome = await deps.flow.waitForOutcome(id, deps.syncTimeoutMs);
    if (!outcome) return accepted(req, res, id, 'processing');
    await bill(res, record, [outcome]);
    res.status(statusOf(outcome)).json(outcome);
  });

  router.post('/batch', refuseWhenExhausted, deps.admission.batch, uploadBatch, async (req, res) => {
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    const stray = files.find((f) => f.fieldname !== 'images[]' && f.fieldname !== 'images');
    if (stray) throw new AppError('BAD_REQUEST', `Unexpected file field "${stray.fieldname}"; send images as "images[]".`);
    if (files.length === 0) throw new AppError('BAD_REQUEST', 'Missing images: send 1 to 20 files in the multipart field "images[]".');
    const options = parseOptions(req);
    const webhookUrl = parseWebhookUrl(req);
    await checkOneOffWebhook(res, webhookUrl);
    const a = auth(res);
    const idempotencyKey = idempotencyKeyOf(req);
    const earlier = idempotencyKey && (await deps.flow.findIdempotentJob(a.accountId, idempotencyKey));
    if (earlier) return answerRetry(req, res, earlier);
    checkQuota(res, files.length);
    await spendRateLimit(res, files.length);

    const id: string = res.locals.requestId;
    const raced = idempotencyKey && (await deps.flow.claimIdempotencyKey(a.accountId, idempotencyKey, id));
    if (raced) return answerRetry(req, res, raced);
    // each image is its own flow so one bad or slow image never holds up the others; an image that
    // fails validation gets its error in place. One image at a time, and its bytes let go once they
    // are in Redis (see storeImage); then one flow tree under the request's job-finished parent
    const entries: JobRecord['entries'] = [];
    const flowIds: string[] = [];
    for (const [i, file] of files.entries()) {
      const flowId = `${id}-${i}`;
      try {
        await validateImage(file.buffer);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        entries.push({ outcome: errorBody(err.code, err.message) });
        continue;
      }
      await deps.flow.storeImage(flowId, file.buffer);
      file.buffer = EMPTY;
      entries.push({ flowId });
      flowIds.push(flowId);
    }
    const record: JobRecord = {
      id,
      kind: 'batch',
      accountId: a.accountId,
      apiKeyId: a.apiKeyId,
      ...(webhookUrl ? { webhookUrl } : {}),
      entries,
      createdAt: deps.now().toISOString(),
    };
    await deps.flow.submitJob({ record, flowIds, options });
    if (wantsAsync(req)) return accepted(req, res, id);

    const deadline = Date.now() + deps.syncTimeoutMs;
    const outcomes = await Promise.all(
      entries.map((e) => ('outcome' in e ? e.outcome : deps.flow.waitForOutcome(e.flowId, Math.max(1, deadline - Date.now())))),
    );
    if (outcomes.some((o) => o === null)) return accepted(req, res, id, 'processing');
    await bill(res, record, outcomes as ImageOutcome[]);
    res.status(200).json({ success: true, results: outcomes });
  });

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
