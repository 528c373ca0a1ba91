import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { AppError, errorBody } from '@npr/contracts';
import { isRedisUnavailableError } from '@npr/queue';
import type { Logger } from '@npr/runtime';

/** A browser asking for a page: GET/HEAD outside /api/ that prefers HTML to JSON (an Accept of any type, as curl and fetch send, gets JSON). */
export function wantsHtmlPage(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && !/^\/api(\/|$)/.test(req.path) && req.accepts(['json', 'html']) === 'html';
}

/**
 * 404 for routes that don't exist, in the API's error shape; a browser asking for a page gets
 * `htmlPage` instead (the dashboard's, with the site's navigation) when there is one.
 */
export function notFound(options: { htmlPage?: RequestHandler } = {}): RequestHandler {
  return (req, res, next) => {
    if (options.htmlPage && wantsHtmlPage(req)) return options.htmlPage(req, res, next);
    throw new AppError('NOT_FOUND', `No route for ${req.method} ${req.path}.`);
  };
}

/**
 * The one place errors become responses: AppErrors keep their code and status; anything else is a
 * 500 whose body carries the request id (for support) and never a stack trace.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId: string | undefined = res.locals.requestId;
    let appError: AppError;
    if (err instanceof AppError) {
      appError = err;
    } else if ((err as { type?: string }).type === 'entity.parse.failed' || (err as { status?: number }).status === 400) {
      appError = new AppError('BAD_REQUEST', 'Malformed request.');
    } else if (isRedisUnavailableError(err)) {
      // Redis went away during the request: a passing outage, not a bug
      logger.warn({ err: { message: (err as Error).message }, requestId }, 'redis unavailable');
      appError = new AppError('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry shortly.', { headers: { 'Retry-After': '5' } });
    } else {
      logger.error({ err, requestId, method: req.method, path: req.path }, 'unhandled error');
      appError = new AppError('INTERNAL_ERROR', 'Internal server error.');
    }
    if (res.headersSent) return void res.end();
    for (const [name, value] of Object.entries(appError.headers ?? {})) res.setHeader(name, value);
    res.status(appError.status).json(errorBody(appError.code, appError.message, appError.status >= 500 ? requestId : undefined));
  };
}
