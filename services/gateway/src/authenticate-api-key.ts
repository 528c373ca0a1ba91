import type { RequestHandler, Response } from 'express';
import { AppError, PLAN_LIMITS } from '@npr/contracts';
import { apiKeyMatches, apiKeyPrefix, findApiKeyForAuth, monthlyQuota, type PrismaClient } from '@npr/db';
import { accountLimit, rateLimitHeaders, type RateLimit, type RateLimiter, type RateState } from './rate-limiter';

export type AuthContext = {
  apiKeyId: string;
  accountId: string;
  limit: RateLimit;
  rateKey: string;
  /** Images per calendar month; null = no monthly cap. */
  monthlyQuota: number | null;
  /** Images billed to the account this calendar month when the request arrived. */
  monthUsed: number;
};

// last_used_at is for humans (the dashboard); writing it more than once a minute buys nothing
const LAST_USED_RESOLUTION_MS = 60_000;

/** Sets the X-RateLimit-* headers every API response carries. */
export function setRateLimitHeaders(res: Response, state: RateState): void {
  for (const [name, value] of Object.entries(rateLimitHeaders(state))) res.setHeader(name, value);
}

/**
 * Authenticates `Authorization: Bearer <key>` (or `Token <key>`, the scheme Plate Recognizer's clients send): looks the key up by its prefix, compares hashes in
 * constant time, rejects revoked or expired keys. Failed attempts are rate-limited per client IP
 * (with the free plan's limit), which also gives 401 responses their X-RateLimit-* headers.
 */
export function authenticateApiKey(deps: { prisma: PrismaClient; limiter: RateLimiter; now: () => Date }): RequestHandler {
  const anonymousLimit: RateLimit = PLAN_LIMITS.free;
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header);
    const key = match?.[1] ?? '';
    const prefix = apiKeyPrefix(key);
    const now = deps.now();
    const apiKey = prefix ? await findApiKeyForAuth(deps.prisma, prefix, now) : null;
    const valid =
      apiKey !== null &&
      apiKeyMatches(key, apiKey.keyHash) &&
      apiKey.revokedAt === null &&
      (apiKey.expiresAt === null || apiKey.expiresAt > now);

    if (!valid) {
      const rateKey = `ip:${req.ip}`;
      setRateLimitHeaders(res, await deps.limiter.consume(rateKey, anonymousLimit, 1));
      const message = !header
        ? 'Missing API key: send it as "Authorization: Bearer <key>".'
        : 'The API key is missing, malformed, unknown, expired or revoked.';
      throw new AppError('INVALID_API_KEY', message);
    }

    const auth: AuthContext = {
      apiKeyId: apiKey.id,
      accountId: apiKey.accountId,
      rateKey: `key:${apiKey.id}`,
      limit: accountLimit(apiKey),
      monthlyQuota: monthlyQuota(apiKey),
      monthUsed: apiKey.monthUsed,
    };
    res.locals.auth = auth;
    // every authenticated response carries the key's current window, whatever happens next
    const state = await deps.limiter.peek(auth.rateKey, auth.limit);
    res.locals.rateState = state;
    setRateLimitHeaders(res, state);
    if (!apiKey.lastUsedAt || now.getTime() - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await deps.prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: now } });
    }
    next();
  };
}
