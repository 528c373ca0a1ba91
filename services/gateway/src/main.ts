// gateway: the public HTTP API. Authenticates, rate-limits, validates, enqueues, answers.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { migrate, openDatabase } from '@npr/db';
import { parseAllowedHosts } from '@npr/outbound';
import { createQueueStats, createRecognitionFlow } from '@npr/queue';
import { collectProcessMetrics, createLogger, createShutdown, env, loadConfig, registerQueueMetrics } from '@npr/runtime';
import { createApp } from './app';
import { bootstrapApiKey } from './bootstrap-api-key';
import { createRedisRateLimiter } from './rate-limiter';
import { queueAdminMount } from './queue-admin';
import { outboundWebhookPort } from './webhooks/outbound-webhook-port';
import { startWebhookWorkers } from './webhooks/start-webhook-workers';
import { createHttpServer } from './http-server';
import { redisRevokedSessions } from './dashboard/session';

const config = loadConfig(
  z.object({
    PORT: env.port(3000),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: z.string().url().optional(),
    DATA_DIR: z.string().default('data'),
    REDIS_URL: z.string().url(),
    QUEUE_PREFIX: z.string().default('npr'),
    MIGRATE_ON_START: env.bool(false),
    BOOTSTRAP_API_KEY: env.bool(false),
    BOOTSTRAP_EMAIL: z.string().email().default('admin@localhost'),
    SYNC_TIMEOUT_MS: env.int(30_000, 100),
    IMAGE_TTL_SECONDS: env.int(600, 10),
    RESULT_TTL_SECONDS: env.int(86_400, 60),
    PUBLIC_BASE_URL: z.string().url().optional(),
    TRUST_PROXY: z.string().optional(),
    LOG_LEVEL: env.logLevel(),
    // bull-board at /admin/queues: Bearer token or basic-auth password; unset = admin refused
    OPERATOR_TOKEN: z.string().min(16).optional(),
    // dashboard sessions (JWT) and CSRF tokens; the same on every replica. Unset: a random one per start
    SESSION_SECRET: z.string().min(32).optional(),
    SESSION_TTL_SECONDS: env.int(7 * 24 * 3600, 300),
    // webhook deliveries (and the job-finished handler that bills requests and queues them)
    WEBHOOK_CONCURRENCY: env.int(4, 1),
    WEBHOOK_MAX_ATTEMPTS: env.int(15, 1),
    WEBHOOK_BACKOFF_MS: env.int(5000, 10),
    WEBHOOK_TIMEOUT_MS: env.int(10_000, 100),
    WEBHOOK_DISABLE_AFTER: env.int(50, 1),
    // hosts outbound calls (webhooks, upload_url) may reach although they are loopback/private (host or host:port, comma-separated)
    OUTBOUND_ALLOWED_HOSTS: z.string().default('').transform((value, ctx) => {
      try {
        return parseAllowedHosts(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
    UPLOAD_URL_TIMEOUT_MS: env.int(10_000, 100),
    // /metrics: Bearer token for the scraper; unset = loopback clients only
    METRICS_TOKEN: z.string().min(16).optional(),
    // upload admission, checked before a body is read (see upload-admission.ts)
    UPLOAD_MAX_INFLIGHT_MB: env.int(256, 211),
    UPLOAD_MAX_CONCURRENT_PER_KEY: env.int(8, 1),
    REDIS_HIGH_WATER_MB: env.int(0, 0),
    // slow clients: all headers within HEADERS_TIMEOUT_MS, a whole request within REQUEST_TIMEOUT_MS
    HEADERS_TIMEOUT_MS: env.int(10_000, 1000),
    REQUEST_TIMEOUT_MS: env.int(180_000, 1000),
    MAX_CONNECTIONS_PER_IP: env.int(64, 0),
  }),
);

async function main() {
  const logger = createLogger({ name: 'gateway', level: config.LOG_LEVEL });
  // long enough for synchronous requests in flight to get their answers before the process exits
  const shutdown = createShutdown(logger, { timeoutMs: config.SYNC_TIMEOUT_MS + 10_000 });
  // listen from the start: a stop during start-up still closes what was opened so far
  shutdown.listen();
  collectProcessMetrics('gateway');

  // DATABASE_URL, else the embedded database `pnpm start` serves, else its folder opened here
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  shutdown.add('database', () => db.close());
  if (config.MIGRATE_ON_START) {
    const applied = await migrate(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }

  if (config.BOOTSTRAP_API_KEY) {
    const key = await bootstrapApiKey(db.prisma, config.BOOTSTRAP_EMAIL);
    // printed once, plainly, for the person who just ran `pnpm start` (never logged)
    if (key) process.stderr.write(`\nFirst API key (for ${config.BOOTSTRAP_EMAIL}; shown once, keep it):\n  ${key}\n\n`);
  }

  const flow = await createRecognitionFlow({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    imageTtlSeconds: config.IMAGE_TTL_SECONDS,
    resultTtlSeconds: config.RESULT_TTL_SECONDS,
  });
  shutdown.add('queue', () => flow.close());

  // queue depth/age gauges on /metrics and bull-board read the same queues
  const queueStats = createQueueStats({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX });
  shutdown.add('queue stats', () => queueStats.close());
  registerQueueMetrics(queueStats.snapshot);

  const sessionSecret = config.SESSION_SECRET ?? randomBytes(32).toString('base64url');
  if (!config.SESSION_SECRET) logger.warn('SESSION_SECRET is not set: dashboard sessions end when the gateway restarts and are not shared between replicas');

  const outbound = outboundWebhookPort({
    allowedHosts: config.OUTBOUND_ALLOWED_HOSTS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
  });
  // billing and webhooks run here: the gateway is the process that owns the accounts database
  const webhookWorkers = startWebhookWorkers({
    prisma: db.prisma,
    flow,
    send: outbound.send,
    logger,
    settings: {
      redisUrl: config.REDIS_URL,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WEBHOOK_CONCURRENCY,
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      backoffMs: config.WEBHOOK_BACKOFF_MS,
      disableAfter: config.WEBHOOK_DISABLE_AFTER,
      keepSeconds: config.RESULT_TTL_SECONDS,
    },
  });
  shutdown.add('webhook workers', () => webhookWorkers.close());

  const limiter = createRedisRateLimiter({ redis: flow.redis, keyPrefix: `${config.QUEUE_PREFIX}:rl` });
  const app = createApp({
    prisma: db.prisma,
    flow,
    limiter,
    logger,
    syncTimeoutMs: config.SYNC_TIMEOUT_MS,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    checkWebhookUrl: outbound.checkUrl,
    uploadUrl: { allowedHosts: config.OUTBOUND_ALLOWED_HOSTS, timeoutMs: config.UPLOAD_URL_TIMEOUT_MS },
    trustProxy: config.TRUST_PROXY,
    readinessChecks: [
      { name: 'database', check: async () => (await db.prisma.$queryRaw`SELECT 1`, true) },
      { name: 'redis', check: () => flow.ping() },
    ],
    mounts: [queueAdminMount({ queues: queueStats.queues, operatorToken: config.OPERATOR_TOKEN, limiter })],
    redisAvailable: () => flow.isAvailable(),
    redisUsedBytes: () => flow.usedMemoryBytes(),
    uploadLimits: {
      maxInflightBytes: config.UPLOAD_MAX_INFLIGHT_MB * 1024 * 1024,
      maxConcurrentPerKey: config.UPLOAD_MAX_CONCURRENT_PER_KEY,
      redisHighWaterBytes: config.REDIS_HIGH_WATER_MB * 1024 * 1024,
    },
    metricsToken: config.METRICS_TOKEN,
    dashboard: {
      sessionSecret,
      sessionTtlSeconds: config.SESSION_TTL_SECONDS,
      revokedSessions: redisRevokedSessions(flow.redis, config.QUEUE_PREFIX),
    },
  });

  const server = createHttpServer(app, {
    headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    maxConnectionsPerIp: config.MAX_CONNECTIONS_PER_IP,
  });
  server.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  shutdown.add('http server', () => new Promise((resolve) => server.close(resolve)));
  logger.info({ url: `http://${config.HOST}:${config.PORT}`, database: db.kind }, 'gateway listening');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
