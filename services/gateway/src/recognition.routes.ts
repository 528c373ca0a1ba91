import { Router, type Request, type Response } from 'express';
import {
  AppError,
  ERROR_STATUS,
  RecogniseOptionsSchema,
  errorBody,
  type ImageOutcome,
  type JobRecord,
  type JobStatus,
  type RecogniseOptions,
} from '@npr/contracts';
import { recordUsage, type PrismaClient } from '@npr/db';
import type { RecognitionFlow } from '@npr/queue';
import type { AuthContext } from './authenticate-api-key';
import { setRateLimitHeaders } from './authenticate-api-key';
import { rateLimitExceeded, type RateLimiter, type RateState } from './rate-limiter';
import { uploadBatch, uploadSingle } from './upload';
import { validateImage } from './validate-image';
import { publicOrigin } from './public-url';
import type { UploadAdmission } from './upload-admission';

/** The part of the queue the routes use (the seam for tests). */
export type FlowPort = Pick<
  RecognitionFlow,
  'submitImage' | 'waitForOutcome' | 'getFlowState' | 'saveJobRecord' | 'loadJobRecord' | 'claimIdempotencyKey' | 'findIdempotentJob'
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
};

const statusOf = (outcome: ImageOutcome) => (outcome.success ? 200 : ERROR_STATUS[outcome.error.code]);

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
const OPTION_FIELDS = new Set(['regions', 'top_n']);

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

  /** Spends one rate-limit point per image and counts the images in the key's daily usage. */
  async function chargeImages(res: Response, images: number) {
    const a = auth(res);
    setRateLimitHeaders(res, await deps.limiter.consume(a.rateKey, a.limit, images));
    await recordUsage(deps.prisma, a.apiKeyId, images, deps.now());
  }

  /** Refuses before reading the upload when the window is already used up. */
  function refuseWhenExhausted(_req: Request, res: Response, next: () => void) {
    const state = res.locals.rateState as RateState;
    if (state.remaining <= 0) throw rateLimitExceeded(state);
    next();
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
    const accountId = auth(res).accountId;
    const idempotencyKey = idempotencyKeyOf(req);
    const earlier = idempotencyKey && (await deps.flow.findIdempotentJob(accountId, idempotencyKey));
    if (earlier) return answerRetry(req, res, earlier);
    await chargeImages(res, 1);
    await validateImage(req.file.buffer);
    const id: string = res.locals.requestId;
    const raced = idempotencyKey && (await deps.flow.claimIdempotencyKey(accountId, idempotencyKey, id));
    if (raced) return answerRetry(req, res, raced);
    await deps.flow.submitImage({ flowId: id, accountId, image: req.file.buffer, options });
    await deps.flow.saveJobRecord({ id, kind: 'single', accountId, entries: [{ flowId: id }], createdAt: deps.now().toISOString() });
    if (wantsAsync(req)) return accepted(req, res, id);
    const outcome = await deps.flow.waitForOutcome(id, deps.syncTimeoutMs);
    if (!outcome) return accepted(req, res, id, 'processing');
    res.status(statusOf(outcome)).json(outcome);
  });

  router.post('/batch', refuseWhenExhausted, deps.admission.batch, uploadBatch, async (req, res) => {
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    const stray = files.find((f) => f.fieldname !== 'images[]' && f.fieldname !== 'images');
    if (stray) throw new AppError('BAD_REQUEST', `Unexpected file field "${stray.fieldname}"; send images as "images[]".`);
    if (files.length === 0) throw new AppError('BAD_REQUEST', 'Missing images: send 1 to 20 files in the multipart field "images[]".');
    const options = parseOptions(req);
    const accountId = auth(res).accountId;
    const idempotencyKey = idempotencyKeyOf(req);
    const earlier = idempotencyKey && (await deps.flow.findIdempotentJob(accountId, idempotencyKey));
    if (earlier) return answerRetry(req, res, earlier);
    await chargeImages(res, files.length);

    const id: string = res.locals.requestId;
    const raced = idempotencyKey && (await deps.flow.claimIdempotencyKey(accountId, idempotencyKey, id));
    if (raced) return answerRetry(req, res, raced);
    // each image is its own flow so one bad or slow image never holds up the others. One image at a
    // time, and its bytes let go once they are in Redis: the Redis client copies each command it
    // sends, and twenty 10 MB copies at once would double what a full batch costs the gateway
    const entries: JobRecord['entries'] = [];
    for (const [i, file] of files.entries()) {
      const flowId = `${id}-${i}`;
      try {
        await validateImage(file.buffer);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        entries.push({ outcome: errorBody(err.code, err.message) });
        continue;
      }
      await deps.flow.submitImage({ flowId, accountId, image: file.buffer, options });
      file.buffer = EMPTY;
      entries.push({ flowId });
    }
    await deps.flow.saveJobRecord({ id, kind: 'batch', accountId, entries, createdAt: deps.now().toISOString() });
    if (wantsAsync(req)) return accepted(req, res, id);

    const deadline = Date.now() + deps.syncTimeoutMs;
    const outcomes = await Promise.all(
      entries.map((e) => ('outcome' in e ? e.outcome : deps.flow.waitForOutcome(e.flowId, Math.max(1, deadline - Date.now())))),
    );
    if (outcomes.some((o) => o === null)) return accepted(req, res, id, 'processing');
    res.status(200).json({ success: true, results: outcomes });
  });

  /** The job's answer as GET /jobs/:id gives it; `pendingStatus` is the code while it is not finished. */
  async function answerJob(req: Request, res: Response, record: JobRecord, pendingStatus: 200 | 202) {
    const id = record.id;
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
      if (pendingStatus === 202) return accepted(req, res, id, status);
      return res.status(200).json({ success: true, job_id: id, status, url: jobUrl(req, id) });
    }
    if (record.kind === 'single') {
      const outcome = states[0]!.outcome!;
      return res.status(statusOf(outcome)).json({ ...outcome, job_id: id, status: outcome.success ? 'completed' : 'failed' });
    }
    res.status(200).json({ success: true, job_id: id, status: 'completed', results: states.map((s) => s.outcome) });
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
