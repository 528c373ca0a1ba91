import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

/** Gives every request an id (also its job id), echoed as X-Request-Id and logged with each line. */
export function requestId(): RequestHandler {
  return (_req, res, next) => {
    const id = randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  };
}
