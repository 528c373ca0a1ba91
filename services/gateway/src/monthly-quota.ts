import { AppError } from '@npr/contracts';
import { usageMonth } from '@npr/db';

/** An account's standing against its monthly quota; resetAt: unix seconds (the next month's first instant, UTC). */
export type QuotaState = { limit: number; used: number; remaining: number; resetAt: number; msBeforeReset: number };

/** An account's standing against its monthly quota, from the images it was billed this month; null when it has no cap. */
export function quotaState(quota: number | null, used: number, now: Date): QuotaState | null {
  if (quota === null) return null;
  const { resetsAt } = usageMonth(now);
  return {
    limit: quota,
    used,
    remaining: Math.max(0, quota - used),
    resetAt: Math.floor(resetsAt.getTime() / 1000),
    msBeforeReset: resetsAt.getTime() - now.getTime(),
  };
}

/** The X-Quota-* headers of recognition answers (and of QUOTA_EXCEEDED). */
export function quotaHeaders(state: QuotaState): Record<string, string> {
  return {
    'X-Quota-Limit': String(state.limit),
    'X-Quota-Remaining': String(state.remaining),
    'X-Quota-Reset': String(state.resetAt),
  };
}

/** The 429 for a request with more images than the month has left; Retry-After: until the month resets. */
export function quotaExceeded(state: QuotaState, images: number): AppError {
  const resets = new Date(state.resetAt * 1000).toISOString();
  const message =
    state.remaining === 0
      ? `Monthly quota of ${state.limit} images used up; it resets at ${resets}. Upgrade the plan for more.`
      : `This request has ${images} images but only ${state.remaining} of the monthly quota of ${state.limit} are left (it resets at ${resets}).`;
  return new AppError('QUOTA_EXCEEDED', message, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(state.msBeforeReset / 1000))), ...quotaHeaders(state) },
  });
}
