// inference-worker: loads the recogniser once, warms it, then consumes `recognition` jobs.
import { z } from 'zod';
import { WORKER_DEFAULTS, startRecognitionWorker } from '@npr/queue';
import { RecogniserConfigSchema, recogniserOptions } from '@npr/recognition';
import { collectProcessMetrics, createLogger, createShutdown, env, loadConfig, observeWorkerJobs, startHealthServer } from '@npr/runtime';
import { createRecognitionProcessor, type RecogniserState } from './recognition.processor';
import { loadRecogniser } from './recogniser';

const config = loadConfig(
  z.object({
    REDIS_URL: z.string().url(),
    QUEUE_PREFIX: z.string().default('npr'),
    INFERENCE_CONCURRENCY: env.int(1, 1),
    INFERENCE_HEALTH_PORT: env.port(3001),
    HEALTH_HOST: z.string().default('127.0.0.1'),
    JOB_LOCK_MS: env.int(WORKER_DEFAULTS.lockDurationMs, 1000),
    STALLED_INTERVAL_MS: env.int(WORKER_DEFAULTS.stalledIntervalMs, 500),
    JOB_MAX_STALLED: env.int(WORKER_DEFAULTS.maxStalledCount, 0),
    LOG_LEVEL: env.logLevel(),
    // the models, the device and the recogniser's tuning (MODELS_DIR, INFERENCE_DEVICE, ...)
    ...RecogniserConfigSchema.shape,
  }),
);

async function main() {
  const logger = createLogger({ name: 'inference-worker', level: config.LOG_LEVEL });
  const shutdown = createShutdown(logger);
  // listen from the start: a stop during start-up still closes what was opened so far
  shutdown.listen();
  collectProcessMetrics('inference-worker');

  let recogniser: RecogniserState = { status: 'loading' };
  const worker = startRecognitionWorker(
    {
      redisUrl: config.REDIS_URL,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.INFERENCE_CONCURRENCY,
      lockDurationMs: config.JOB_LOCK_MS,
      stalledIntervalMs: config.STALLED_INTERVAL_MS,
      maxStalledCount: config.JOB_MAX_STALLED,
      autorun: false,
    },
    createRecognitionProcessor({ recogniser: () => recogniser, logger }),
  );
  shutdown.add('worker', () => worker.close());
  observeWorkerJobs(worker.worker, 'recognition');

  const health = await startHealthServer({
    port: config.INFERENCE_HEALTH_PORT,
    host: config.HEALTH_HOST,
    checks: [
      { name: 'models', check: () => recogniser.status === 'ready' },
      { name: 'redis', check: () => worker.ping() },
    ],
  });
  shutdown.add('health server', () => health.close());

  try {
    const started = Date.now();
    const loaded = await loadRecogniser(recogniserOptions(config));
    shutdown.add('recogniser', () => loaded.close());
    recogniser = { status: 'ready', recogniser: loaded };
    logger.info({ ms: Date.now() - started }, 'recogniser loaded and warm');
  } catch (err) {
    recogniser = { status: 'failed', reason: (err as Error).message };
    logger.error({ err }, 'could not load the recogniser; jobs will fail with SERVICE_UNAVAILABLE until it is fixed and the worker restarted');
  }
  // take jobs either way: a broken worker answers quickly and honestly instead of leaving clients waiting
  worker.start();
  logger.info({ concurrency: config.INFERENCE_CONCURRENCY, healthPort: health.port }, 'inference-worker taking jobs');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
