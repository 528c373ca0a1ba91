import express, { type Router } from 'express';
import type { PrismaClient } from '@npr/db';
import { checkReadiness, httpMetrics, metricsRegistry, type Logger, type ReadinessCheck } from '@npr/runtime';
import { accessLog } from './access-log';
import { authenticateApiKey } from './authenticate-api-key';
import { createDashboard, type DashboardOptions } from './dashboard';
import { errorHandler, notFound } from './error-handler';
import { displayOrigin } from './display-origin';
import type { UploadUrlSettings } from './image-input';
import { openApiDocument } from './openapi/openapi-document';
import { plateReaderRoutes } from './plate-reader.routes';
import type { RateLimiter } from './rate-limiter';
import { recognitionRoutes, type FlowPort } from './recognition.routes';
import { requestId } from './request-id';
import { plateRecognizerStatisticsRoutes, statisticsRoutes } from './statistics.routes';
import { webhookRoutes, type CheckWebhookUrl } from './webhooks.routes';

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
};

/** Builds the gateway's express app from its dependencies; starts nothing. */
export function createApp(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(requestId());
  app.use(httpMetrics());
  app.use(accessLog(deps.logger));

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const report = await checkReadiness(deps.readinessChecks ?? []);
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });

  // public (no API key): the API's own description, generated from the contracts' zod schemas
  // (its server list names this server as the client reached it, or PUBLIC_BASE_URL when set)
  app.get('/api/v1/openapi.json', (req, res) => void res.json(openApiDocument({ serverUrl: `${displayOrigin(req, deps.publicBaseUrl)}/api/v1` })));

  const authenticate = authenticateApiKey({ prisma: deps.prisma, limiter: deps.limiter, now });
  const api = express.Router();
  api.use(authenticate);
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
    }),
  );
  api.use(notFound());
  app.use('/api/v1', api);

  // Plate Recognizer's paths and shapes, for clients written for their Snapshot API
  app.use('/v1', plateReaderRoutes({ ...deps, now, uploadUrl: deps.uploadUrl }));

  // Plate Recognizer's paths (`Authorization: Token <key>`), for clients written against their API
  const compat = express.Router();
  compat.use(authenticate);
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
