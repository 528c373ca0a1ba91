import express, { type Router } from 'express';
import type { PrismaClient } from '@npr/db';
import { checkReadiness, httpMetrics, metricsRegistry, type Logger, type ReadinessCheck } from '@npr/runtime';
import { accessLog } from './access-log';
import { authenticateApiKey } from './authenticate-api-key';
import { createDashboard, type DashboardOptions } from './dashboard';
import { errorHandler, notFound } from './error-handler';
import type { UploadUrlSettings } from './image-input';
import { publicOrigin } from './public-url';
import { openApiDocument } from './openapi/openapi-document';
import { plateReaderRoutes } from './plate-reader.routes';
import type { RateLimiter } from './rate-limiter';
import { recognitionRoutes, type FlowPort } from './recognition.routes';
import { requestId } from './request-id';
import { serverTiming, timed } from './server-timing';
import { plateRecognizerStatisticsRoutes, statisticsRoutes } from './statistics.routes';
import { webhookRoutes, type CheckWebhookUrl } from './webhooks.routes';
import { createUploadAdmission, type UploadAdmissionLimits } from './upload-admission';
import { metricsAccess } from './operator-auth';
import { AppError } from '@npr/contracts';

/** Upload admission when the caller gives none (the gateway's config defaults; see .env.example). */
export const DEFAULT_UPLOAD_LIMITS: UploadAdmissionLimits = {
  maxInflightBytes: 256 * 1024 * 1024,
  maxConcurrentPerKey: 8,
  redisHighWaterBytes: 0,
};

export type AppDeps = {
  prisma: PrismaClient;
  flow: FlowPort;
  limiter: RateLimiter;
  logger: Logger;
  /** The clock (tests move it to expire keys). */
  now?: () => Date;
  syncTimeoutMs: number;
  publicBaseUrl?: string;
  /** Refuses webhook URLs outbound calls may not reach (the SSRF guard), when they are registered. */
  checkWebhookUrl: CheckWebhookUrl;
  /** How `upload_url` is fetched: the operator's allow-list of private hosts (OUTBOUND_ALLOWED_HOSTS) and a time bound. */
  uploadUrl?: UploadUrlSettings;
  /** Dependencies /readyz checks (database, Redis, ...). */
  readinessChecks?: ReadinessCheck[];
  /** Extra routers mounted at `/` before the 404 handler: the dashboard (issue 5), bull-board (issue 6). */
  mounts?: { path: string; router: Router }[];
  /** 'trust proxy' setting when behind a load balancer (client IPs for rate limiting). */
  trustProxy?: boolean | number | string;
  /** The web dashboard (sign-up, API keys, usage, try it, docs) at `/`; left out, only the API is served. */
  dashboard?: DashboardOptions;
  /** False while the gateway's Redis connection is down: the API then answers 503 at once. */
  redisAvailable?: () => boolean;
  /** Redis memory in use (bytes, refreshed in the background) for the upload high-water mark. */
  redisUsedBytes?: () => number;
  uploadLimits?: UploadAdmissionLimits;
  /** Bearer token /metrics requires; unset: /metrics answers loopback clients only. */
  metricsToken?: string;
};

/** How long a client should wait before retrying while Redis is unreachable. */
const REDIS_DOWN_RETRY_AFTER_SECONDS = 5;

/** Builds the gateway's express app from its dependencies; starts nothing. */
export function createApp(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(requestId());
  app.use(serverTiming());
  // no answer of ours may be sniffed into another type (the JSON bodies carry user-supplied text)
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(httpMetrics());
  app.use(accessLog(deps.logger));

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const report = await checkReadiness(deps.readinessChecks ?? []);
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks });
  });
  app.get('/metrics', metricsAccess(deps.metricsToken), async (_req, res) => {
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });

  // public (no API key): the API's own description, generated from the contracts' zod schemas
  // (its server list names PUBLIC_BASE_URL, else this server as publicOrigin sees it: never the Host header)
  app.get('/api/v1/openapi.json', (req, res) => void res.json(openApiDocument({ serverUrl: `${publicOrigin(req, deps.publicBaseUrl)}/api/v1` })));

  const authenticate = authenticateApiKey({ prisma: deps.prisma, limiter: deps.limiter, now });
  // one upload budget for every upload route of this gateway
  const admission = createUploadAdmission(deps.uploadLimits ?? DEFAULT_UPLOAD_LIMITS, { redisUsedBytes: deps.redisUsedBytes });
  const api = express.Router();
  // a fast flag, no round trip: while Redis is gone nothing below could answer anyway
  const redisGuard: express.RequestHandler = (_req, _res, next) => {
    if (deps.redisAvailable && !deps.redisAvailable()) {
      throw new AppError('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry shortly.', {
        headers: { 'Retry-After': String(REDIS_DOWN_RETRY_AFTER_SECONDS) },
      });
    }
    next();
  };
  api.use(redisGuard);
  api.use(timed('auth', authenticate));
  api.use(statisticsRoutes({ prisma: deps.prisma, now }));
  api.use(webhookRoutes({ prisma: deps.prisma, checkUrl: deps.checkWebhookUrl }));
  api.use(
    recognitionRoutes({
      prisma: deps.prisma,
      flow: deps.flow,
      limiter: deps.limiter,
      now,
      syncTimeoutMs: deps.syncTimeoutMs,
      publicBaseUrl: deps.publicBaseUrl,
      checkWebhookUrl: deps.checkWebhookUrl,
      uploadUrl: deps.uploadUrl,
      admission,
    }),
  );
  api.use(notFound());
  app.use('/api/v1', api);

  // Plate Recognizer's paths and shapes, for clients written for their Snapshot API
  app.use('/v1', redisGuard, plateReaderRoutes({ ...deps, now, uploadUrl: deps.uploadUrl, admission }));

  // Plate Recognizer's paths (`Authorization: Token <key>`), for clients written against their API
  const compat = express.Router();
  compat.use(timed('auth', authenticate));
  compat.use(plateRecognizerStatisticsRoutes({ prisma: deps.prisma, now }));
  compat.use(notFound());
  app.use('/v1', compat);

  for (const mount of deps.mounts ?? []) app.use(mount.path, mount.router);
  const dashboard = deps.dashboard
    ? createDashboard({
        ...deps.dashboard,
        prisma: deps.prisma,
        limiter: deps.limiter,
        logger: deps.logger,
        now,
        publicBaseUrl: deps.publicBaseUrl,
        checkWebhookUrl: deps.checkWebhookUrl,
      })
    : undefined;
  if (dashboard) app.use(dashboard.router);

  app.use(notFound({ htmlPage: dashboard?.notFoundPage }));
  app.use(errorHandler(deps.logger));
  return app;
}
