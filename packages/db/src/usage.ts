import { PLAN_MONTHLY_QUOTAS, type PlanName, type StatisticsResponse } from '@npr/contracts';
import type { PrismaClient } from './generated/prisma/client';

/** The UTC calendar month `now` falls in: its first day and the first instant of the next. */
export function usageMonth(now: Date): { start: Date; resetsAt: Date; startDay: string } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const resetsAt = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, resetsAt, startDay: start.toISOString().slice(0, 10) };
}

/** An account's monthly quota in images: the operator's number, else the plan's; null = no cap. */
export function monthlyQuota(account: { plan: string; customMonthlyQuota: number | null }): number | null {
  if (account.customMonthlyQuota === -1) return null;
  return account.customMonthlyQuota ?? PLAN_MONTHLY_QUOTAS[account.plan as PlanName] ?? null;
}

/**
 * Counts a finished request's billable images against its key, once: a job id already billed is
 * skipped, so the synchronous answer and the job-end handler (which may both run, and may run
 * again after a crash) never count twice. One statement, so a crash cannot bill half.
 * `day` is the day the request was made (UTC), whenever it finished.
 */
export async function billJob(prisma: PrismaClient, input: { jobId: string; apiKeyId: string; images: number; requestedAt: Date }): Promise<boolean> {
  if (input.images <= 0) return false;
  const day = input.requestedAt.toISOString().slice(0, 10);
  const billed = await prisma.$executeRaw`
    WITH billed AS (
      INSERT INTO billed_jobs (job_id, api_key_id, images) VALUES (${input.jobId}, ${input.apiKeyId}::uuid, ${input.images})
      ON CONFLICT (job_id) DO NOTHING
      RETURNING api_key_id, images
    )
    INSERT INTO usage_days (api_key_id, day, requests)
    SELECT api_key_id, ${day}::date, images FROM billed
    ON CONFLICT (api_key_id, day) DO UPDATE SET requests = usage_days.requests + EXCLUDED.requests`;
  return billed > 0;
}

/** Forgets billed job ids older than `olderThanMs` (their jobs finished long ago). */
export async function pruneBilledJobs(prisma: PrismaClient, now: Date, olderThanMs: number): Promise<number> {
  const { count } = await prisma.billedJob.deleteMany({ where: { billedAt: { lt: new Date(now.getTime() - olderThanMs) } } });
  return count;
}

/** What GET /api/v1/statistics answers: billed images this month and today, per key, and the limits. */
export async function accountStatistics(
  prisma: PrismaClient,
  accountId: string,
  now: Date,
  rateLimit: { points: number; windowSeconds: number },
): Promise<StatisticsResponse> {
  const { start, resetsAt, startDay } = usageMonth(now);
  const today = now.toISOString().slice(0, 10);
  const account = await prisma.account.findUniqueOrThrow({
    where: { id: accountId },
    include: { apiKeys: { orderBy: { createdAt: 'asc' }, include: { usage: { where: { day: { gte: start } } } } } },
  });
  const keys = account.apiKeys.map((k) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    revoked: k.revokedAt !== null,
    month_images: k.usage.reduce((n, u) => n + u.requests, 0),
    today_images: k.usage.filter((u) => u.day.toISOString().slice(0, 10) === today).reduce((n, u) => n + u.requests, 0),
  }));
  const images = keys.reduce((n, k) => n + k.month_images, 0);
  const quota = monthlyQuota(account);
  return {
    success: true,
    plan: { name: account.plan, rate_limit: { images: rateLimit.points, window_seconds: rateLimit.windowSeconds }, monthly_quota: quota },
    month: { start: startDay, resets_at: resetsAt.toISOString(), images, remaining: quota === null ? null : Math.max(0, quota - images) },
    today: { date: today, images: keys.reduce((n, k) => n + k.today_images, 0) },
    keys,
  };
}
