// What every recognition route does with an image once it has one, whatever the request looked like
// (our /api/v1/recognise or the Plate Recognizer-compatible /v1/plate-reader/): the same rate limit,
// usage count, image rules and queue.
import type { Request, Response } from 'express';
import type { Capture, RecogniseOptions } from '@npr/contracts';
import { recordUsage, type PrismaClient } from '@npr/db';
import type { RecognitionFlow } from '@npr/queue';
import { setRateLimitHeaders, type AuthContext } from './authenticate-api-key';
import { rateLimitExceeded, type RateLimiter, type RateState } from './rate-limiter';
import { validateImage } from './validate-image';

/** The part of the queue the routes use (the seam for tests). */
export type FlowPort = Pick<RecognitionFlow, 'submitImage' | 'waitForOutcome' | 'getFlowState' | 'saveJobRecord' | 'loadJobRecord'>;

export type SubmissionDeps = { prisma: PrismaClient; flow: FlowPort; limiter: RateLimiter; now: () => Date };

const authOf = (res: Response) => res.locals.auth as AuthContext;

/** Spends one rate-limit point per image and counts the images in the key's daily usage. */
export async function chargeImages(deps: SubmissionDeps, res: Response, images: number): Promise<void> {
  const a = authOf(res);
  setRateLimitHeaders(res, await deps.limiter.consume(a.rateKey, a.limit, images));
  await recordUsage(deps.prisma, a.apiKeyId, images, deps.now());
}

/** Refuses before reading the upload when the window is already used up. */
export function refuseWhenExhausted(_req: Request, res: Response, next: () => void): void {
  const state = res.locals.rateState as RateState;
  if (state.remaining <= 0) throw rateLimitExceeded(state);
  next();
}

/**
 * Charges one image, checks it (INVALID_IMAGE otherwise) and queues it as a single-image job under the
 * request's id, which it returns: the flow to wait for, and the job to poll. `capture` is kept with the job
 * so that polling echoes it too.
 */
export async function submitOneImage(deps: SubmissionDeps, res: Response, image: Buffer, options: RecogniseOptions, capture?: Capture): Promise<string> {
  await chargeImages(deps, res, 1);
  await validateImage(image);
  const id: string = res.locals.requestId;
  const accountId = authOf(res).accountId;
  await deps.flow.submitImage({ flowId: id, accountId, image, options });
  await deps.flow.saveJobRecord({ id, kind: 'single', accountId, entries: [{ flowId: id }], createdAt: deps.now().toISOString(), capture });
  return id;
}
