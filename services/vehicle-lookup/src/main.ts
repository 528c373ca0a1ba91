// vehicle-lookup: consumes `vehicle-lookup` jobs (parents of recognition jobs) and attaches vehicle data.
import { z } from 'zod';
import { startLookupWorker } from '@npr/queue';
import { collectProcessMetrics, createLogger, createShutdown, env, loadConfig, observeWorkerJobs, startHealthServer } from '@npr/runtime';
import { createLookupProcessor } from './lookup.processor';
import { noVehicleData } from './lookup-vehicle';

const config = loadConfig(
  z.object({
    REDIS_URL: z.string().url(),
    QUEUE_PREFIX: z.string().default('npr'),
    LOOKUP_CONCURRENCY: env.int(8, 1),
    LOOKUP_HEALTH_PORT: env.port(3002),
    HEALTH_HOST: z.string().default('127.0.0.1'),
    JOB_LOCK_MS: env.int(30_000, 1000),
    STALLED_INTERVAL_MS: env.int(30_000, 500),
    LOG_LEVEL: env.logLevel(),
  }),
);

async function main() {
  const logger = createLogger({ name: 'vehicle-lookup', level: config.LOG_LEVEL });
  const shutdown = createShutdown(logger);
  collectProcessMetrics('vehicle-lookup');

  // the seam for issue 4: cache, operator registry and DVLA go here
  const lookupVehicle = noVehicleData;

  const worker = startLookupWorker(
    {
      redisUrl: config.REDIS_URL,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.LOOKUP_CONCURRENCY,
      lockDurationMs: config.JOB_LOCK_MS,
      stalledIntervalMs: config.STALLED_INTERVAL_MS,
    },
    createLookupProcessor({ lookupVehicle, logger }),
  );
  shutdown.add('worker', () => worker.close());
  observeWorkerJobs(worker.worker, 'vehicle-lookup');

  const health = await startHealthServer({
    port: config.LOOKUP_HEALTH_PORT,
    host: config.HEALTH_HOST,
    checks: [{ name: 'redis', check: () => worker.ping() }],
  });
  shutdown.add('health server', () => health.close());
  shutdown.listen();
  logger.info({ concurrency: config.LOOKUP_CONCURRENCY, healthPort: health.port }, 'vehicle-lookup taking jobs');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
