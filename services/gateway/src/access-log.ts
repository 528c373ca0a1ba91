import type { RequestHandler } from 'express';
import type { Logger } from '@npr/runtime';

/**
 * One structured line per API request with its request id (also the job id the workers log), so
 * `requestId` finds a request's lines across gateway, inference-worker and vehicle-lookup.
 * Probes and scrapes are left out.
 */
export function accessLog(logger: Logger, options: { skip?: string[] } = {}): RequestHandler {
  const skip = new Set(options.skip ?? ['/healthz', '/readyz', '/metrics']);
  return (req, res, next) => {
    if (skip.has(req.path)) return next();
    const started = performance.now();
    res.once('finish', () => {
      logger.info(
        { requestId: res.locals.requestId, method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(performance.now() - started) },
        'request finished',
      );
    });
    next();
  };
}
