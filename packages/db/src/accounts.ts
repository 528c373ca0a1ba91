import type { PrismaClient } from './generated/prisma/client';
import type { Plan } from './generated/prisma/enums';
import { generateApiKey } from './api-keys';

/** Creates a user (and an account of their own) unless one with this email exists. */
export async function ensureUser(prisma: PrismaClient, input: { email: string; accountName?: string; plan?: Plan }) {
  const email = input.email.trim().toLowerCase();
  const existing = await prisma.user.findUnique({ where: { email }, include: { account: true } });
  if (existing) return { user: existing, created: false };
  const user = await prisma.user.create({
    data: { email, account: { create: { name: input.accountName ?? email, plan: input.plan ?? 'free' } } },
    include: { account: true },
  });
  return { user, created: true };
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

/** Sets an account's plan (by a user's email) and optional custom limits (null = plan default). */
export async function setAccountPlan(
  prisma: PrismaClient,
  input: { email: string; plan: Plan; requestsPerWindow?: number | null; windowSeconds?: number | null },
) {
  const user = await prisma.user.findUnique({ where: { email: input.email.trim().toLowerCase() } });
  if (!user) return null;
  return prisma.account.update({
    where: { id: user.accountId },
    data: {
      plan: input.plan,
      customRequestsPerWindow: input.requestsPerWindow ?? null,
      customWindowSeconds: input.windowSeconds ?? null,
    },
  });
}

/** Adds `images` to today's (UTC) usage of a key. */
export async function recordUsage(prisma: PrismaClient, apiKeyId: string, images: number, now = new Date()) {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  await prisma.usageDay.upsert({
    where: { apiKeyId_day: { apiKeyId, day } },
    create: { apiKeyId, day, requests: images },
    update: { requests: { increment: images } },
  });
}
