import type { PrismaClient } from './generated/prisma/client';
import type { Plan } from './generated/prisma/enums';
import { generateApiKey } from './api-keys';
import { usageMonth } from './usage';

/** Creates a user (and an account of their own) unless one with this email exists. */
export async function ensureUser(prisma: PrismaClient, input: { email: string; accountName?: string; plan?: Plan }) {
  const email = input.email.trim().toLowerCase();
  const existing = await prisma.user.findUnique({ where: { email }, include: { account: true } });
  if (existing) return { user: existing, created: false };
  try {
    const user = await prisma.user.create({
      data: { email, account: { create: { name: input.accountName ?? email, plan: input.plan ?? 'free' } } },
      include: { account: true },
    });
    return { user, created: true };
  } catch (err) {
    // two callers creating the same new user at once (e.g. two `npr keys create`): the second uses the first's
    if ((err as { code?: string }).code !== 'P2002') throw err;
    return { user: await prisma.user.findUniqueOrThrow({ where: { email }, include: { account: true } }), created: false };
  }
}

/** Creates an API key for the user with this email (creating the user if needed); returns the key once. */
export async function createApiKeyForEmail(
  prisma: PrismaClient,
  input: { email: string; name: string; expiresAt?: Date | null },
) {
  const { user } = await ensureUser(prisma, { email: input.email });
  const { key, prefix, hash } = generateApiKey();
  const apiKey = await prisma.apiKey.create({
    data: { accountId: user.accountId, userId: user.id, name: input.name, prefix, keyHash: hash, expiresAt: input.expiresAt ?? null },
  });
  return { key, apiKey, user };
}

/** Revokes a key by its id or its prefix (npr_live_xxxxxxxx); returns null when none matches. */
export async function revokeApiKey(prisma: PrismaClient, prefixOrId: string, now = new Date()) {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(prefixOrId);
  const where = isUuid ? { id: prefixOrId } : { prefix: prefixOrId.slice(0, 17) };
  const key = await prisma.apiKey.findUnique({ where });
  if (!key) return null;
  if (key.revokedAt) return key;
  return prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: now } });
}

/** Sets an account's plan (by a user's email) and optional custom limits and monthly quota (null = plan default). */
export async function setAccountPlan(
  prisma: PrismaClient,
  input: { email: string; plan: Plan; requestsPerWindow?: number | null; windowSeconds?: number | null; monthlyQuota?: number | 'unlimited' | null },
) {
  const user = await prisma.user.findUnique({ where: { email: input.email.trim().toLowerCase() } });
  if (!user) return null;
  return prisma.account.update({
    where: { id: user.accountId },
    data: {
      plan: input.plan,
      customRequestsPerWindow: input.requestsPerWindow ?? null,
      customWindowSeconds: input.windowSeconds ?? null,
      // -1 stores "no monthly cap" (null means the plan's default)
      customMonthlyQuota: input.monthlyQuota === 'unlimited' ? -1 : (input.monthlyQuota ?? null),
    },
  });
}

/** What authenticating a request needs to know about a key and its account. */
export type ApiKeyForAuth = {
  id: string;
  accountId: string;
  keyHash: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  plan: Plan;
  customRequestsPerWindow: number | null;
  customWindowSeconds: number | null;
  customMonthlyQuota: number | null;
  /** images billed to the account in the calendar month of the lookup */
  monthUsed: number;
};

/**
 * Finds a key by its prefix together with its account's plan and the images the account was billed
 * this calendar month (UTC, as `usageMonth(now)`), in one query: it runs on every API request, and
 * Prisma's `include` plus a second query for the quota would make it three round trips. Never cached:
 * a revoked key must fail on the very next request, on every replica.
 */
export async function findApiKeyForAuth(prisma: PrismaClient, prefix: string, now: Date): Promise<ApiKeyForAuth | null> {
  const { startDay } = usageMonth(now);
  const rows = await prisma.$queryRaw<(Omit<ApiKeyForAuth, 'monthUsed'> & { monthUsed: bigint | number })[]>`
    SELECT k.id, k.account_id AS "accountId", k.key_hash AS "keyHash", k.last_used_at AS "lastUsedAt",
           k.expires_at AS "expiresAt", k.revoked_at AS "revokedAt", a.plan::text AS plan,
           a.custom_requests_per_window AS "customRequestsPerWindow", a.custom_window_seconds AS "customWindowSeconds",
           a.custom_monthly_quota AS "customMonthlyQuota",
           (SELECT COALESCE(SUM(u.requests), 0) FROM usage_days u JOIN api_keys ak ON ak.id = u.api_key_id
             WHERE ak.account_id = k.account_id AND u.day >= ${startDay}::date) AS "monthUsed"
    FROM api_keys k JOIN accounts a ON a.id = k.account_id
    WHERE k.prefix = ${prefix}`;
  const row = rows[0];
  return row ? { ...row, monthUsed: Number(row.monthUsed) } : null;
}
