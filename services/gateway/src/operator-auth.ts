import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '@npr/contracts';
import type { RateLimit, RateLimiter } from './rate-limiter';

/** Wrong operator tokens one client IP may try per window before it is refused outright. */
export const OPERATOR_ATTEMPTS: RateLimit = { points: 10, windowSeconds: 15 * 60 };

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Guards operator pages (bull-board) with OPERATOR_TOKEN, given as `Authorization: Bearer <token>`
 * or as the password of HTTP basic auth (any user name; what a browser prompts for). Without a
 * configured token every request is refused: the queue admin can delete jobs.
 */
export function operatorAuth(token: string | undefined, limiter?: RateLimiter): RequestHandler {
  const expected = token ? digest(token) : null;
  return async (req, _res, next) => {
    const rateKey = `operator:${req.ip}`;
    // a client that used up its wrong guesses is refused before its token is even compared
    if (limiter && (await limiter.peek(rateKey, OPERATOR_ATTEMPTS)).remaining <= 0) {
      await limiter.consume(rateKey, OPERATOR_ATTEMPTS, 1);
    }
    const header = req.get('authorization') ?? '';
    let given: string | null = null;
    const bearer = /^Bearer\s+(.+)$/i.exec(header);
    const basic = /^Basic\s+(.+)$/i.exec(header);
    if (bearer) given = bearer[1].trim();
    else if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      given = decoded.slice(decoded.indexOf(':') + 1);
    }
    // compare fixed-length digests so neither length nor content leaks through timing
    if (expected && given !== null && timingSafeEqual(digest(given), expected)) return next();
    // throws RATE_LIMIT_EXCEEDED (429 + Retry-After) once the guesses are used up
    if (limiter && given !== null) await limiter.consume(rateKey, OPERATOR_ATTEMPTS, 1);
    // the operator token is a key like any other: the same 401 code, plus a browser login prompt
    throw new AppError('INVALID_API_KEY', expected ? 'Operator credentials required.' : 'The queue admin is disabled: set OPERATOR_TOKEN.', {
      headers: { 'WWW-Authenticate': 'Basic realm="npr operators", charset="UTF-8"' },
    });
  };
}

/**
 * /metrics is for the operator's scraper, not the public: with a token, `Authorization: Bearer
 * <token>` (Prometheus' `authorization` setting); without one, only clients on this machine.
 */
export function metricsAccess(token: string | undefined): RequestHandler {
  const expected = token ? digest(token) : null;
  return (req, _res, next) => {
    if (expected) {
      const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
      if (bearer && timingSafeEqual(digest(bearer[1].trim()), expected)) return next();
      throw new AppError('INVALID_API_KEY', 'The metrics token is missing or wrong.');
    }
    const from = req.socket.remoteAddress ?? '';
    if (from === '127.0.0.1' || from === '::1' || from === '::ffff:127.0.0.1') return next();
    throw new AppError('NOT_FOUND', 'No route for GET /metrics.');
  };
}
