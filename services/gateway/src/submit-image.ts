// What every recognition route does with an image once it has one, whatever the request looked like
// (our /api/v1/recognise or the Plate Recognizer-compatible /v1/plate-reader/): the same rate limit,
// monthly quota, image rules, queue and billing.
import type { Request, Response } from 'express';
import { billableImages, type Capture, type ImageOutcome, type JobRecord, type RecogniseOptions } from '@npr/contracts';
import { billJob, type PrismaClient } from '@npr/db';
import type { RecognitionFlow } from '@npr/queue';
import { setRateLimitHeaders, type AuthContext } from './authenticate-api-key';
import { quotaExceeded, quotaHeaders, quotaState, type QuotaState } from './monthly-quota';
import { rateLimitExceeded, type RateLimiter, type RateState } from './rate-limiter';
import { timingOf } from './server-timing';
import { validateImage } from './validate-image';

/** The part of the queue the routes use (the seam for tests). */
export type FlowPort = Pick<
  RecognitionFlow,
  'storeImage' | 'dropImages' | 'submitJob' | 'waitForOutcome' | 'getJobResult' | 'loadJobRecord' | 'claimIdempotencyKey' | 'findIdempotentJob'
>;

export type SubmissionDeps = { prisma: PrismaClient; flow: FlowPort; limiter: RateLimiter; now: () => Date };

const authOf = (res: Response) => res.locals.auth as AuthContext;

/** Refuses a request with more images than the month's quota has left (nothing is spent). */
export function checkQuota(res: Response, images: number): void {
  const state = res.locals.quotaState as QuotaState | null;
  if (state && state.remaining < images) throw quotaExceeded(state, images);
}

/**
 * Checks the month's quota for `images`, then spends one rate-limit point per image (every accepted upload
 * counts against the window). Usage is not counted here: a request is billed when it ends (`billRequest`).
 */
export async function chargeImages(deps: SubmissionDeps, res: Response, images: number): Promise<void> {
  checkQuota(res, images);
  const a = authOf(res);
  setRateLimitHeaders(res, await timingOf(res).measure('rate', () => deps.limiter.consume(a.rateKey, a.limit, images)));
}

/** Refuses before reading the upload when the rate window or the month's quota is already used up. */
export function refuseWhenExhausted(deps: Pick<SubmissionDeps, 'now'>) {
  return (_req: Request, res: Response, next: (err?: unknown) => void): void => {
    try {
      const a = authOf(res);
      const quota = quotaState(a.monthlyQuota, a.monthUsed, deps.now());
      res.locals.quotaState = quota;
      if (quota) for (const [name, value] of Object.entries(quotaHeaders(quota))) res.setHeader(name, value);
      checkQuota(res, 1);
      const state = res.locals.rateState as RateState;
      if (state.remaining <= 0) throw rateLimitExceeded(state);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** Bills the images a finished synchronous request processed (once; the job-end handler may bill it too). */
export async function billRequest(deps: Pick<SubmissionDeps, 'prisma'>, res: Response, record: Pick<JobRecord, 'id' | 'createdAt'>, outcomes: ImageOutcome[]): Promise<void> {
  const bill = { jobId: record.id, apiKeyId: authOf(res).apiKeyId, images: billableImages(outcomes), requestedAt: new Date(record.createdAt) };
  await timingOf(res).measure('bill', () => billJob(deps.prisma, bill));
}

/** What submitting gave: the new job's record, or the job an earlier submit with the same Idempotency-Key made. */
export type Submitted = { record: JobRecord } | { retryOf: string };

/**
 * Charges one image, checks it (INVALID_IMAGE otherwise) and queues it as a single-image job under the
 * request's id, with the key that sent it (for billing) and the one-off webhook_url if any. The job's id is
 * the flow to wait for and the job to poll. `capture` is kept with the job so that polling echoes it too.
 * With an `idempotencyKey` the key is bound to this job once the image is known to be valid (an invalid
 * one leaves the key free); a concurrent submit that bound it first wins, and its job is returned instead.
 */
export async function submitOneImage(
  deps: SubmissionDeps,
  res: Response,
  image: Buffer,
  options: RecogniseOptions,
  extra?: { capture?: Capture; webhookUrl?: string },
): Promise<{ record: JobRecord }>;
export async function submitOneImage(
  deps: SubmissionDeps,
  res: Response,
  image: Buffer,
  options: RecogniseOptions,
  extra: { capture?: Capture; webhookUrl?: string; idempotencyKey?: string },
): Promise<Submitted>;
export async function submitOneImage(
  deps: SubmissionDeps,
  res: Response,
  image: Buffer,
  options: RecogniseOptions,
  extra: { capture?: Capture; webhookUrl?: string; idempotencyKey?: string } = {},
): Promise<Submitted> {
  await chargeImages(deps, res, 1);
  const timing = timingOf(res);
  await timing.measure('validate', () => validateImage(image));
  const id: string = res.locals.requestId;
  const a = authOf(res);
  const raced = extra.idempotencyKey && (await deps.flow.claimIdempotencyKey(a.accountId, extra.idempotencyKey, id));
  if (raced) return { retryOf: raced };
  const record: JobRecord = {
    id,
    kind: 'single',
    accountId: a.accountId,
    apiKeyId: a.apiKeyId,
    ...(extra.webhookUrl ? { webhookUrl: extra.webhookUrl } : {}),
    entries: [{ flowId: id }],
    createdAt: deps.now().toISOString(),
    ...(extra.capture ? { capture: extra.capture } : {}),
  };
  await timing.measure('enqueue', () => deps.flow.submitJob({ record, flowIds: [id], options, images: [{ flowId: id, bytes: image }] }));
  return { record };
}
