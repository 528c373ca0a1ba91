import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import jwt from 'jsonwebtoken';
import type { PrismaClient, User } from '@npr/db';

export const SESSION_COOKIE = 'npr_session';
export const CSRF_COOKIE = 'npr_csrf';

/** Sessions ended by logging out before their expiry (their JWT id), kept until they would have expired. */
export type RevokedSessions = {
  revoke(sessionId: string, ttlSeconds: number): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
};

/** Revoked sessions on Redis: every replica refuses a cookie one of them logged out. */
export function redisRevokedSessions(redis: { set(key: string, value: string, ex: 'EX', seconds: number): Promise<unknown>; exists(key: string): Promise<number> }, prefix: string): RevokedSessions {
  return {
    async revoke(sessionId, ttlSeconds) {
      await redis.set(`${prefix}:session-revoked:${sessionId}`, '1', 'EX', Math.max(1, ttlSeconds));
    },
    isRevoked: async (sessionId) => (await redis.exists(`${prefix}:session-revoked:${sessionId}`)) === 1,
  };
}

/** Revoked sessions in this process only (a single gateway, tests). */
export function memoryRevokedSessions(now: () => number = Date.now): RevokedSessions {
  const until = new Map<string, number>();
  return {
    async revoke(sessionId, ttlSeconds) {
      until.set(sessionId, now() + ttlSeconds * 1000);
      for (const [id, t] of until) if (t < now()) until.delete(id);
    },
    isRevoked: async (sessionId) => (until.get(sessionId) ?? 0) > now(),
  };
}

export type SessionSettings = {
  secret: string;
  ttlSeconds: number;
  revoked: RevokedSessions;
  /** 'auto': Secure when the request came over HTTPS (req.secure, which honours trust proxy). */
  secureCookies: boolean | 'auto';
};

export type SessionUser = Pick<User, 'id' | 'email' | 'accountId' | 'sessionVersion'>;

type SessionClaims = { sub: string; sv: number; jti: string; exp?: number };

/** Parses a Cookie header into name -> value (first occurrence wins, values URI-decoded). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a cookie we did not set; ignore it
    }
  }
  return out;
}

function secure(settings: SessionSettings, req: Request) {
  return settings.secureCookies === 'auto' ? req.secure : settings.secureCookies;
}

/** Signs a session JWT for the user and sets it as an httpOnly, SameSite=Lax cookie. */
export function startSession(settings: SessionSettings, req: Request, res: Response, user: SessionUser): string {
  const jti = randomUUID();
  const claims: SessionClaims = { sub: user.id, sv: user.sessionVersion, jti };
  const token = jwt.sign(claims, settings.secret, { algorithm: 'HS256', expiresIn: settings.ttlSeconds });
  // Lax (not Strict) so a link to the dashboard from elsewhere arrives logged in; state changes
  // are POSTs, which Lax does not send cross-site, and each one also needs a CSRF token.
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secure(settings, req),
    path: '/',
    maxAge: settings.ttlSeconds * 1000,
  });
  res.locals.sessionId = jti;
  res.locals.user = user;
  return jti;
}

export function endSession(settings: SessionSettings, req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: secure(settings, req), path: '/' });
  res.locals.user = undefined;
  res.locals.sessionId = undefined;
}

/**
 * Reads the session cookie: a valid signature, not expired, and the user's current session version
 * (a password change or "log out everywhere" bumps it). Sets res.locals.user or clears the cookie.
 */
export function loadSession(settings: SessionSettings, prisma: PrismaClient): RequestHandler {
  return async (req, res, next) => {
    const cookies = parseCookies(req.headers.cookie);
    res.locals.cookies = cookies;
    const token = cookies[SESSION_COOKIE];
    if (!token) return next();
    let claims: SessionClaims | null = null;
    try {
      const decoded = jwt.verify(token, settings.secret, { algorithms: ['HS256'] });
      if (typeof decoded === 'object' && typeof decoded.sub === 'string' && typeof decoded.sv === 'number' && typeof decoded.jti === 'string') {
        claims = decoded as SessionClaims;
      }
    } catch {
      claims = null;
    }
    if (claims && (await settings.revoked.isRevoked(claims.jti))) claims = null;
    const user = claims
      ? await prisma.user.findUnique({ where: { id: claims.sub }, select: { id: true, email: true, accountId: true, sessionVersion: true } })
      : null;
    if (!claims || !user || user.sessionVersion !== claims.sv) {
      endSession(settings, req, res);
      return next();
    }
    res.locals.user = user;
    res.locals.sessionId = claims.jti;
    res.locals.sessionExpiresAt = claims.exp;
    next();
  };
}

/** Ends the current session for good: its cookie is refused from now on, even if someone kept a copy. */
export async function revokeSession(settings: SessionSettings, res: Response): Promise<void> {
  const sessionId: string | undefined = res.locals.sessionId;
  if (!sessionId) return;
  const exp: number | undefined = res.locals.sessionExpiresAt;
  const ttl = exp ? exp - Math.floor(Date.now() / 1000) : settings.ttlSeconds;
  if (ttl > 0) await settings.revoked.revoke(sessionId, ttl);
}

export const currentUser = (res: Response): SessionUser | undefined => res.locals.user;

// CSRF: a random value in a SameSite=Strict httpOnly cookie, and in every form an HMAC of that value
// bound to the session id. A cross-site page can neither read the cookie nor compute the HMAC, and a
// token leaked from one session is useless in the next.
function csrfFor(secret: string, cookieValue: string, sessionId: string | undefined) {
  return createHmac('sha256', secret).update(`csrf|${cookieValue}|${sessionId ?? ''}`).digest('base64url');
}

/** Makes sure the browser has a CSRF cookie and returns the token forms must carry. */
export function csrfToken(settings: SessionSettings, req: Request, res: Response): string {
  let value: string | undefined = res.locals.csrfCookie ?? (res.locals.cookies as Record<string, string> | undefined)?.[CSRF_COOKIE];
  if (!value || !/^[A-Za-z0-9_-]{32,}$/.test(value)) {
    value = randomBytes(32).toString('base64url');
    res.cookie(CSRF_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure: secure(settings, req), path: '/' });
  }
  res.locals.csrfCookie = value;
  return csrfFor(settings.secret, value, res.locals.sessionId);
}

/** True when the request carries a CSRF token (form field `_csrf` or header X-CSRF-Token) that matches. */
export function csrfValid(settings: SessionSettings, req: Request, res: Response): boolean {
  const value = (res.locals.cookies as Record<string, string> | undefined)?.[CSRF_COOKIE];
  const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
  if (!value || typeof sent !== 'string') return false;
  const expected = Buffer.from(csrfFor(settings.secret, value, res.locals.sessionId));
  const given = Buffer.from(sent);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
