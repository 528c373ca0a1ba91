import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '@npr/contracts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Guards operator pages (bull-board) with OPERATOR_TOKEN, given as `Authorization: Bearer <token>`
 * or as the password of HTTP basic auth (any user name; what a browser prompts for). Without a
 * configured token every request is refused: the queue admin can delete jobs.
 */
export function operatorAuth(token: string | undefined): RequestHandler {
  const expected = token ? digest(token) : null;
  return (req, _res, next) => {
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
    // the operator token is a key like any other: the same 401 code, plus a browser login prompt
    throw new AppError('INVALID_API_KEY', expected ? 'Operator credentials required.' : 'The queue admin is disabled: set OPERATOR_TOKEN.', {
      headers: { 'WWW-Authenticate': 'Basic realm="npr operators", charset="UTF-8"' },
    });
  };
}
