import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { ZodError } from 'zod';
import {
  AppError,
  JobFinishedJobDataSchema,
  LookupJobDataSchema,
  QUEUE_NAMES,
  RecognitionJobDataSchema,
  RecognitionJobResultSchema,
  WebhookDeliveryJobDataSchema,
  type ImageOutcome,
  type JobFinishedJobData,
  type LookupJobData,
  type RecognitionJobData,
  type RecognitionJobResult,
  type WebhookDeliveryJobData,
} from '@npr/contracts';
import { createRedisConnection, pingRedis } from './redis-connection';

/**
 * How quickly a job whose worker died runs again. A running job's lock is renewed every
 * lockDuration / 2 from a timer, so the lock only has to outlast the longest stretch in which the
 * worker's event loop cannot run a timer, not the job itself: measured with the real models
 * (scripts/measure-job-times.ts, 191 dev photos and a 50-megapixel image on a busy 2-core machine)
 * the longest job took 310 ms and the longest event-loop stall 167 ms, 30 times less than 5 s. A
 * killed worker's job is then found after at most lockDuration + stalledInterval (7 s).
 * maxStalledCount 3: three crashes in a row still end in the job's answer; a fourth means the job
 * itself kills workers, and it fails with IMAGE_CRASHED_WORKER.
 */
export const WORKER_DEFAULTS = { lockDurationMs: 5000, stalledIntervalMs: 2000, maxStalledCount: 3 } as const;

export type WorkerSettings = {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  /** How long a job's lock lasts without renewal; a crashed worker's job is retried after this. */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died. */
  stalledIntervalMs?: number;
  /** How many times a job may lose its worker and still be run again. */
  maxStalledCount?: number;
  /** Don't take jobs until start() (the inference worker warms its models first). */
  autorun?: boolean;
};

/**
 * A handler's failure in BullMQ's terms: an AppError travels as its JSON reason (AppError.toJobReason),
 * thrown as an UnrecoverableError (never retried) when it is not retryable; job data that does not match
 * its schema will not match it on a retry either. Anything else is retried as it is, and reaches a
 * client only as INTERNAL_ERROR (AppError.fromJobReason trusts only reasons we wrote).
 */
export function toBullmqError(err: unknown): Error {
  if (err instanceof ZodError) err = new AppError('INTERNAL_ERROR', 'The job was malformed.', { retryable: false, cause: err });
  if (err instanceof AppError) return err.retryable ? new Error(err.toJobReason()) : new UnrecoverableError(err.toJobReason());
  return err instanceof Error ? err : new Error(String(err));
}

function startWorker<T>(queueName: string, settings: WorkerSettings, process: (job: Job) => Promise<T>) {
  const connection = createRedisConnection(settings.redisUrl, { name: `npr-${queueName}-worker` });
  const worker = new Worker(
    queueName,
    async (job) => {
      try {
        return await process(job);
      } catch (err) {
        throw toBullmqError(err);
      }
    },
    {
      connection,
      prefix: settings.prefix,
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs ?? WORKER_DEFAULTS.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs ?? WORKER_DEFAULTS.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount ?? WORKER_DEFAULTS.maxStalledCount,
      autorun: settings.autorun ?? true,
    },
  );
  return {
    worker,
    /** Starts taking jobs (when created with autorun: false). */
    start: () => void worker.run(),
    ping: () => pingRedis(connection),
    isRunning: () => worker.isRunning(),
    async close() {
      // waits for jobs in progress to finish: graceful shutdown loses nothing
      await worker.close();
      await connection.quit().catch(() => {});
    },
  };
}

/** A recognition handler: gets the job's data and image bytes, returns the plates it read. */
export type RecognitionHandler = (data: RecognitionJobData, image: Buffer, job: { id: string; attemptsMade: number }) => Promise<RecognitionJobResult>;

/** Consumes the `recognition` queue (the inference worker). */
export function startRecognitionWorker(settings: WorkerSettings, handle: RecognitionHandler) {
  let imageRedis: ReturnType<typeof createRedisConnection> | null = null;
  const w = startWorker(QUEUE_NAMES.recognition, settings, async (job) => {
    const data = RecognitionJobDataSchema.parse(job.data);
    imageRedis ??= createRedisConnection(settings.redisUrl, { name: 'npr-recognition-images' });
    const image = await imageRedis.getBuffer(data.imageKey);
    if (!image) throw new AppError('INTERNAL_ERROR', 'the image expired before a worker could take it');
    return RecognitionJobResultSchema.parse(await handle(data, image, { id: job.id!, attemptsMade: job.attemptsMade }));
  });
  return {
    ...w,
    async close() {
      await w.close();
      await imageRedis?.quit().catch(() => {});
    },
  };
}

/** A lookup handler: gets the recognition result, returns the final per-image outcome. */
export type LookupHandler = (data: LookupJobData, recognition: RecognitionJobResult) => Promise<ImageOutcome>;

/** Consumes the `vehicle-lookup` queue (the parent of each recognition job). */
export function startLookupWorker(settings: WorkerSettings, handle: LookupHandler) {
  let redis: ReturnType<typeof createRedisConnection> | null = null;
  const w = startWorker(QUEUE_NAMES.vehicleLookup, settings, async (job) => {
    const data = LookupJobDataSchema.parse(job.data);
    const children = Object.values(await job.getChildrenValues());
    if (children.length !== 1) throw new Error(`lookup job ${job.id} expected one recognition result, got ${children.length}`);
    const outcome = await handle(data, RecognitionJobResultSchema.parse(children[0]));
    // the bytes are not needed any more, and the answer need not wait for them to go: the TTL removes
    // them should this delete fail
    redis ??= createRedisConnection(settings.redisUrl, { name: 'npr-lookup-images' });
    redis.del(data.imageKey).catch(() => {});
    return outcome;
  });
  return {
    ...w,
    async close() {
      await w.close();
      await redis?.quit().catch(() => {});
    },
  };
}

/** A job-finished handler: runs once every image of a request is done (billing, webhook events). */
export type JobFinishedHandler = (data: JobFinishedJobData) => Promise<void>;

/** Consumes the `job-finished` queue (the parent of every image flow of a request). */
export function startJobFinishedWorker(settings: WorkerSettings, handle: JobFinishedHandler) {
  return startWorker(QUEUE_NAMES.jobFinished, settings, async (job) => handle(JobFinishedJobDataSchema.parse(job.data)));
}

/** A delivery handler: one POST of one event; throws to be retried with backoff. */
export type WebhookDeliveryHandler = (data: WebhookDeliveryJobData, job: { id: string; attempt: number; finalAttempt: boolean }) => Promise<void>;

/** Consumes the `webhook-delivery` queue. */
export function startWebhookDeliveryWorker(settings: WorkerSettings, handle: WebhookDeliveryHandler) {
  return startWorker(QUEUE_NAMES.webhookDelivery, settings, async (job) => {
    const attempt = job.attemptsMade + 1;
    await handle(WebhookDeliveryJobDataSchema.parse(job.data), { id: job.id!, attempt, finalAttempt: attempt >= (job.opts.attempts ?? 1) });
  });
}
