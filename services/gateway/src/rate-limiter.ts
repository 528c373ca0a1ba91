import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError, PLAN_LIMITS, type PlanName } from '@npr/contracts';

export type RateLimit = { points: number; windowSeconds: number };
/** resetAt: unix seconds; msBeforeReset: what Retry-After is computed from. */
export type RateState = { limit: number; remaining: number; resetAt: number; msBeforeReset: number };

/** The limit for an account's keys: its plan's, or the custom limits an operator set (`npr accounts set-plan`). */
export function accountLimit(account: { plan: string; customRequestsPerWindow: number | null; customWindowSeconds: number | null }): RateLimit {
  const plan = PLAN_LIMITS[account.plan as PlanName];
  return { points: account.customRequestsPerWindow ?? plan.points, windowSeconds: account.customWindowSeconds ?? plan.windowSeconds };
}

/** Per-key rate limiting with a limit that depends on the key's plan. */
export type RateLimiter = {
  /** Current state without spending anything. */
  peek(key: string, limit: RateLimit): Promise<RateState>;
  /** Spends `points` (one per image); throws RATE_LIMIT_EXCEEDED when they are not available. */
  consume(key: string, limit: RateLimit, points: number): Promise<RateState>;
};

/**
 * A rate-limiter-flexible limiter on Redis, so every gateway replica shares one count per key.
 * One limiter per distinct (points, window) pair; a plan change starts a fresh window.
 */
export function createRedisRateLimiter(deps: { redis: unknown; keyPrefix: string; now?: () => number }): RateLimiter {
  const now = deps.now ?? Date.now;
  const limiters = new Map<string, RateLimiterRedis>();
  const limiterFor = (limit: RateLimit) => {
    const id = `${limit.points}:${limit.windowSeconds}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: deps.redis,
        keyPrefix: `${deps.keyPrefix}:${id}`,
        points: limit.points,
        duration: limit.windowSeconds,
      });
      limiters.set(id, limiter);
    }
    return limiter;
  };
  const toState = (limit: RateLimit, res: RateLimiterRes | null): RateState => {
    const msBeforeReset = res ? res.msBeforeNext : limit.windowSeconds * 1000;
    return {
      limit: limit.points,
      remaining: res ? Math.max(0, limit.points - res.consumedPoints) : limit.points,
      resetAt: Math.ceil((now() + msBeforeReset) / 1000),
      msBeforeReset,
    };
  };

  return {
    async peek(key, limit) {
      return toState(limit, await limiterFor(limit).get(key));
    },
    async consume(key, limit, points) {
      try {
        return toState(limit, await limiterFor(limit).consume(key, points));
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        // a refused request spends nothing: give the points back, so that a batch too big for
        // what is left does not also use up what is left
        const limiter = limiterFor(limit);
        const refunded = await limiter.reward(key, points);
        throw rateLimitExceeded(toState(limit, refunded));
      }
    },
  };
}

/** The X-RateLimit-* headers every API response carries (the 429 error's too). */
export function rateLimitHeaders(state: RateState): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(state.limit),
    'X-RateLimit-Remaining': String(state.remaining),
    'X-RateLimit-Reset': String(state.resetAt),
  };
}

/** The 429 error, with Retry-After in seconds and the window's state. */
export function rateLimitExceeded(state: RateState): AppError {
  const retryAfter = Math.max(1, Math.ceil(state.msBeforeReset / 1000));
  return new AppError('RATE_LIMIT_EXCEEDED', `Rate limit of ${state.limit} images per window exceeded; retry in ${retryAfter} s.`, {
    headers: { 'Retry-After': String(retryAfter), ...rateLimitHeaders(state) },
  });
}
