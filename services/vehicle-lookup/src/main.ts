// vehicle-lookup: consumes `vehicle-lookup` jobs (parents of recognition jobs) and attaches vehicle
// data: the operator registry, then the DVLA (UK plates, through a PostgreSQL cache), then the
// colour the camera saw.
import { z } from 'zod';
import { WORKER_DEFAULTS, startLookupWorker } from '@npr/queue';
import { collectProcessMetrics, createLogger, createShutdown, env, loadConfig, observeWorkerJobs, startHealthServer } from '@npr/runtime';
import { createDvlaClient, createVehicleCache, openVehicleDatabase } from '@npr/vehicle-data';
import { createLookupProcessor } from './lookup.processor';
import { createVehicleLookup } from './lookup-vehicle';
import { countCacheLookups, countDvlaRequests } from './vehicle-metrics';

const config = loadConfig(
  z.object({
    REDIS_URL: z.string().url(),
    QUEUE_PREFIX: z.string().default('npr'),
    LOOKUP_CONCURRENCY: env.int(8, 1),
    LOOKUP_HEALTH_PORT: env.port(3002),
    HEALTH_HOST: z.string().default('127.0.0.1'),
    JOB_LOCK_MS: env.int(WORKER_DEFAULTS.lockDurationMs, 1000),
    STALLED_INTERVAL_MS: env.int(WORKER_DEFAULTS.stalledIntervalMs, 500),
    JOB_MAX_STALLED: env.int(WORKER_DEFAULTS.maxStalledCount, 0),
    LOG_LEVEL: env.logLevel(),
    DATABASE_URL: z.string().optional(),
    DATA_DIR: z.string().default('data'),
    MIGRATE_ON_START: env.bool(false),
    VEHICLE_CACHE_TTL_SECONDS: env.int(24 * 3600, 1),
    VEHICLE_CACHE_NEGATIVE_TTL_SECONDS: env.int(3600, 1),
    DVLA_API_KEY: z.string().optional(),
    DVLA_BASE_URL: env.url().default('https://driver-vehicle-licensing.api.gov.uk'),
    DVLA_TIMEOUT_MS: env.int(2000, 100),
    DVLA_MAX_ATTEMPTS: env.int(3, 1),
    DVLA_BREAKER_THRESHOLD: env.int(5, 1),
    DVLA_BREAKER_OPEN_MS: env.int(30_000, 100),
    OBSERVED_COLOUR_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.35),
  }),
);

async function main() {
  const logger = createLogger({ name: 'vehicle-lookup', level: config.LOG_LEVEL });
  const shutdown = createShutdown(logger);
  // listen from the start: a stop during start-up still closes what was opened so far
  shutdown.listen();
  collectProcessMetrics('vehicle-lookup');

  const db = await openVehicleDatabase({ DATABASE_URL: config.DATABASE_URL, DATA_DIR: config.DATA_DIR, migrate: config.MIGRATE_ON_START });
  shutdown.add('database', () => db.close());
  logger.info({ database: db.kind }, 'vehicle database open');

  // counted for /metrics: cache hit rate, DVLA outcomes and errors
  const cache = countCacheLookups(
    createVehicleCache({
      prisma: db.prisma,
      ttlMs: config.VEHICLE_CACHE_TTL_SECONDS * 1000,
      negativeTtlMs: config.VEHICLE_CACHE_NEGATIVE_TTL_SECONDS * 1000,
    }),
  );
  const dvla = config.DVLA_API_KEY
    ? countDvlaRequests(createDvlaClient({
        apiKey: config.DVLA_API_KEY,
        baseUrl: config.DVLA_BASE_URL,
        timeoutMs: config.DVLA_TIMEOUT_MS,
        maxAttempts: config.DVLA_MAX_ATTEMPTS,
        breakerThreshold: config.DVLA_BREAKER_THRESHOLD,
        breakerOpenMs: config.DVLA_BREAKER_OPEN_MS,
        onCircuitChange: (state) => logger.warn({ state }, `DVLA circuit ${state}`),
      }))
    : null;
  logger.info({ dvla: dvla ? config.DVLA_BASE_URL : 'off (DVLA_API_KEY unset)' }, 'vehicle sources: operator registry, DVLA cache, camera colour');
  const lookupVehicle = createVehicleLookup({ prisma: db.prisma, cache, dvla, logger, minColourConfidence: config.OBSERVED_COLOUR_MIN_CONFIDENCE });

  const worker = startLookupWorker(
    {
      redisUrl: config.REDIS_URL,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.LOOKUP_CONCURRENCY,
      lockDurationMs: config.JOB_LOCK_MS,
      stalledIntervalMs: config.STALLED_INTERVAL_MS,
      maxStalledCount: config.JOB_MAX_STALLED,
    },
    createLookupProcessor({ lookupVehicle, logger, minColourConfidence: config.OBSERVED_COLOUR_MIN_CONFIDENCE }),
  );
  shutdown.add('worker', () => worker.close());
  observeWorkerJobs(worker.worker, 'vehicle-lookup');

  // a daily sweep keeps the cache table from growing without bound (expired rows stay a week as outage fallback)
  const prune = setInterval(() => {
    cache.prune(7 * 24 * 3600_000).then(
      (n) => n && logger.info({ removed: n }, 'pruned expired vehicle cache entries'),
      (err) => logger.warn({ err }, 'vehicle cache prune failed'),
    );
  }, 24 * 3600_000);
  prune.unref();
  shutdown.add('cache prune', async () => clearInterval(prune));

  const health = await startHealthServer({
    port: config.LOOKUP_HEALTH_PORT,
    host: config.HEALTH_HOST,
    checks: [
      { name: 'redis', check: () => worker.ping() },
      { name: 'database', check: async () => (await db.prisma.$queryRaw`SELECT 1`, true) },
    ],
  });
  shutdown.add('health server', () => health.close());
  logger.info({ concurrency: config.LOOKUP_CONCURRENCY, healthPort: health.port }, 'vehicle-lookup taking jobs');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
