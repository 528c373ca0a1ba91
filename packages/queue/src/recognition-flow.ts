import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { FlowProducer, Job, Queue, QueueEvents } from 'bullmq';
import {
  AppError,
  ERROR_STATUS,
  ImageOutcomeSchema,
  JobRecordSchema,
  QUEUE_NAMES,
  errorBody,
  type ImageOutcome,
  type JobFinishedJobData,
  type JobRecord,
  type JobStatus,
  type LookupJobData,
  type RecognitionJobData,
  type RecogniseOptions,
  type WebhookEvent,
} from '@npr/contracts';
import { createFailFastRedisConnection, createRedisConnection, pingRedis, redisReady } from './redis-connection';
import { recognitionJobId, redisKeys } from './keys';

export type RecognitionFlowOptions = {
  redisUrl: string;
  /** BullMQ and key prefix; tests use a unique one per run. */
  prefix: string;
  /** How long image bytes wait in Redis for a worker. */
  imageTtlSeconds: number;
  /** How long finished jobs (and their results) stay pollable. */
  resultTtlSeconds: number;
  /** Attempts for a recognition job that fails for a transient reason. */
  attempts?: number;
};

export type FlowState = { status: JobStatus; outcome?: ImageOutcome };

/** A request's state as polling sees it: pending, or done with its body, status code and webhook event. */
export type JobResult =
  | { done: false; status: JobStatus }
  | { done: true; outcomes: ImageOutcome[]; httpStatus: number; body: Record<string, unknown>; event: WebhookEvent };

const STALLED_TOO_OFTEN = /stalled more than allowable limit/;

/**
 * The gateway's side of the queue: stores image bytes, enqueues the recognition -> lookup flow,
 * waits for results, and remembers which account owns which job.
 */
export async function createRecognitionFlow(options: RecognitionFlowOptions) {
  const { prefix } = options;
  // fail fast: while Redis is down, requests get a quick 503 instead of hanging
  const redis = createFailFastRedisConnection(options.redisUrl, { name: 'npr-gateway' });
  const eventsConnection = createRedisConnection(options.redisUrl, { name: 'npr-gateway-events' });
  const flowProducer = new FlowProducer({ connection: redis, prefix });
  const lookupQueue = new Queue(QUEUE_NAMES.vehicleLookup, { connection: redis, prefix });
  const recognitionQueue = new Queue(QUEUE_NAMES.recognition, { connection: redis, prefix });
  const jobFinishedQueue = new Queue(QUEUE_NAMES.jobFinished, { connection: redis, prefix });
  const lookupEvents = new QueueEvents(QUEUE_NAMES.vehicleLookup, { connection: eventsConnection, prefix });
  await Promise.all([lookupEvents.waitUntilReady(), redisReady(redis)]);
  // QueueEvents also emits `completed:<job id>` and `failed:<job id>`, which its typings leave out
  const perJobEvents = lookupEvents as unknown as EventEmitter;
  // synchronous waits in progress, ended at once when the connection to Redis drops (or the gateway closes)
  const onRedisLost = new Set<() => void>();
  redis.on('close', () => onRedisLost.forEach((end) => end()));
  const keep = { age: options.resultTtlSeconds };

  // Redis' memory in use, read in the background so that admitting an upload costs no round trip
  let usedMemoryBytes = 0;
  const readMemory = async () => {
    try {
      usedMemoryBytes = Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? usedMemoryBytes);
    } catch {
      // Redis is down: the API refuses uploads on the availability flag anyway
    }
  };
  await readMemory();
  const memoryTimer = setInterval(readMemory, 1000).unref();

  /** The spec of one image's flow: the recognition child under its lookup parent (`flowId`). */
  function imageFlow(input: { flowId: string; accountId: string; options?: RecogniseOptions }) {
    const imageKey = redisKeys.image(prefix, input.flowId);
    const childData: RecognitionJobData = { requestId: input.flowId, accountId: input.accountId, imageKey, options: input.options ?? {} };
    const parentData: LookupJobData = { requestId: input.flowId, accountId: input.accountId, imageKey };
    return {
      name: 'lookup',
      queueName: QUEUE_NAMES.vehicleLookup,
      data: parentData,
      opts: {
        jobId: input.flowId,
        removeOnComplete: keep,
        removeOnFail: keep,
        attempts: 3,
        backoff: { type: 'exponential', delay: 500 },
        // a failed image still lets its request finish: the job-finished parent runs once every image is done
        ignoreDependencyOnFailure: true,
      },
      children: [
        {
          name: 'recognise',
          queueName: QUEUE_NAMES.recognition,
          data: childData,
          opts: {
            jobId: recognitionJobId(input.flowId),
            failParentOnFailure: true,
            attempts: options.attempts ?? 3,
            backoff: { type: 'exponential', delay: 500 },
            removeOnComplete: keep,
            removeOnFail: keep,
          },
        },
      ],
    };
  }

  /**
   * Stores one image's bytes for the flow `flowId` (before submitJob names it). A batch stores its
   * images one at a time and lets each buffer go once it is in Redis: the Redis client copies every
   * command it sends, and twenty 10 MB copies at once would double what a full batch costs the gateway.
   */
  async function storeImage(flowId: string, image: Buffer): Promise<void> {
    await redis.set(redisKeys.image(prefix, flowId), image, 'EX', options.imageTtlSeconds);
  }

  /** Takes back images stored for flows that will not be queued (their request failed after they arrived). */
  async function dropImages(flowIds: string[]): Promise<void> {
    if (flowIds.length) await redis.del(...flowIds.map((id) => redisKeys.image(prefix, id)));
  }

  /**
   * Records a request and enqueues its images, already stored with storeImage or given in `images`: one flow per image (so
   * one bad or slow image never holds up the others) under one `job-finished` parent that runs once
   * all of them are done (billing, webhooks). Images the gateway already rejected are in
   * `record.entries` as outcomes.
   */
  async function submitJob(input: { record: JobRecord; flowIds: string[]; options?: RecogniseOptions; images?: { flowId: string; bytes: Buffer }[] }) {
    const { record } = input;
    // the record (and any image not stored yet) first: the job-finished handler reads it, and it may run
    // as soon as the flow is added; sent together, they cost one round trip
    await Promise.all([saveJobRecord(record), ...(input.images ?? []).map((image) => storeImage(image.flowId, image.bytes))]);
    const finished: JobFinishedJobData = { jobId: record.id };
    const finishedOpts = { jobId: record.id, removeOnComplete: keep, removeOnFail: keep, attempts: 8, backoff: { type: 'exponential', delay: 1000 } };
    if (input.flowIds.length === 0) {
      // every image was rejected up front: the request is finished already
      await jobFinishedQueue.add('finished', finished, finishedOpts);
      return;
    }
    await flowProducer.add({
      name: 'finished',
      queueName: QUEUE_NAMES.jobFinished,
      data: finished,
      opts: finishedOpts,
      children: input.flowIds.map((flowId) => imageFlow({ flowId, accountId: record.accountId, options: input.options })),
    });
  }

  /** One image as a request of its own (`flowId` is the job id). */
  async function submitImage(input: { flowId: string; accountId: string; apiKeyId?: string; image: Buffer; options?: RecogniseOptions }) {
    const record: JobRecord = {
      id: input.flowId,
      kind: 'single',
      accountId: input.accountId,
      ...(input.apiKeyId ? { apiKeyId: input.apiKeyId } : {}),
      entries: [{ flowId: input.flowId }],
      createdAt: new Date().toISOString(),
    };
    await submitJob({ record, flowIds: [input.flowId], options: input.options, images: [{ flowId: input.flowId, bytes: input.image }] });
  }

  /** Explains a failed flow: the recognition child's reason when it failed, else the parent's. */
  async function failureOutcome(parent: Job): Promise<ImageOutcome> {
    const child = await Job.fromId(recognitionQueue, recognitionJobId(parent.id!));
    const reason = child && (await child.getState()) === 'failed' ? child.failedReason : parent.failedReason;
    // BullMQ's own reason when a job lost its worker more often than the workers' maxStalledCount
    if (reason && STALLED_TOO_OFTEN.test(reason)) {
      return errorBody('IMAGE_CRASHED_WORKER', 'Processing this image stopped the recognition worker several times in a row; it was given up.', parent.data?.requestId);
    }
    const failure = AppError.fromJobReason(reason);
    return errorBody(failure.code, failure.message, failure.code === 'INTERNAL_ERROR' ? parent.data?.requestId : undefined);
  }

  /** The current state of one image's flow, with its outcome once finished; null when unknown/expired. */
  async function getFlowState(flowId: string): Promise<FlowState | null> {
    // the state first, then the job: a job read before it finished would carry no return value
    // (or failure) yet while its state already says completed (or failed)
    const state = await lookupQueue.getJobState(flowId);
    if (state === 'unknown') return null;
    const parent = await Job.fromId(lookupQueue, flowId);
    if (!parent) return null;
    switch (state) {
      case 'completed':
        return { status: 'completed', outcome: ImageOutcomeSchema.parse(parent.returnvalue) };
      case 'failed':
        return { status: 'failed', outcome: await failureOutcome(parent) };
      default: {
        const child = await Job.fromId(recognitionQueue, recognitionJobId(flowId));
        const childState = child ? await child.getState() : 'unknown';
        // a failed recognition fails the parent only once a lookup worker picks the parent up;
        // the client need not wait for that to learn the answer
        if (childState === 'failed') return { status: 'failed', outcome: await failureOutcome(parent) };
        if (state === 'waiting-children') return { status: childState === 'active' ? 'processing' : 'queued' };
        // the recognition step is done and the lookup is waiting or running
        return { status: 'processing' };
      }
    }
  }

  /**
   * Waits until the flow finishes or `timeoutMs` passes; returns its outcome, or null when it is
   * still running (the caller then answers 202 with the job to poll). The wait listens for the lookup
   * job's completion event, which carries the outcome (no further round trip), and is ended at once by
   * Redis going away (the job is accepted and kept; the client polls for it). Not BullMQ's
   * `waitUntilFinished`: its own first look at the job runs inside a promise executor, where a Redis
   * failure is an unhandled rejection that stops the process.
   */
  async function waitForOutcome(flowId: string, timeoutMs: number): Promise<ImageOutcome | null> {
    type End = { kind: 'completed'; returnvalue: unknown } | { kind: 'failed' | 'timeout' | 'lost' };
    let settle!: (end: End) => void;
    const ended = new Promise<End>((resolve) => (settle = resolve));
    const onCompleted = (args: { returnvalue: unknown }) => settle({ kind: 'completed', returnvalue: args.returnvalue });
    const onFailed = () => settle({ kind: 'failed' });
    const onLost = () => settle({ kind: 'lost' });
    perJobEvents.on(`completed:${flowId}`, onCompleted);
    perJobEvents.on(`failed:${flowId}`, onFailed);
    onRedisLost.add(onLost);
    const timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
    try {
      // listening first, then one look: a flow that finished before the listeners were in place (or
      // vanished) is settled by its state; a Redis failure here is the request's own error (503)
      const state = await lookupQueue.getJobState(flowId);
      if (state === 'unknown') throw new AppError('INTERNAL_ERROR', `job ${flowId} vanished before it finished`);
      if (state !== 'completed' && state !== 'failed') {
        const end = await ended;
        if (end.kind === 'completed') return ImageOutcomeSchema.parse(end.returnvalue);
        if (end.kind === 'lost') return null;
      }
    } finally {
      clearTimeout(timer);
      perJobEvents.off(`completed:${flowId}`, onCompleted);
      perJobEvents.off(`failed:${flowId}`, onFailed);
      onRedisLost.delete(onLost);
    }
    // failed, timed out, or finished before the wait began: the flow's state says which
    if (redis.status !== 'ready') return null;
    const state = await getFlowState(flowId);
    if (!state) throw new AppError('INTERNAL_ERROR', `job ${flowId} vanished before it finished`);
    return state.status === 'completed' || state.status === 'failed' ? state.outcome! : null;
  }

  /**
   * What GET /api/v1/jobs/:id answers for a request: still pending, or its final body with the
   * status code the synchronous call would have had (and the webhook event it makes).
   */
  async function getJobResult(record: JobRecord): Promise<JobResult> {
    const states = await Promise.all(
      record.entries.map(async (e): Promise<FlowState> => {
        if ('outcome' in e) return { status: 'failed', outcome: e.outcome };
        return (await getFlowState(e.flowId)) ?? {
          status: 'failed',
          outcome: errorBody('INTERNAL_ERROR', 'The job expired before it finished.', record.id),
        };
      }),
    );
    const pending = states.filter((s) => s.status === 'queued' || s.status === 'processing');
    if (pending.length > 0) {
      return { done: false, status: states.some((s) => s.status !== 'queued') ? 'processing' : 'queued' };
    }
    const outcomes = states.map((s) => s.outcome!);
    if (record.kind === 'single') {
      const outcome = outcomes[0]!;
      const status: JobStatus = outcome.success ? 'completed' : 'failed';
      return {
        done: true,
        outcomes,
        httpStatus: outcome.success ? 200 : ERROR_STATUS[outcome.error.code],
        body: { ...outcome, ...(outcome.success ? record.capture : {}), job_id: record.id, status },
        event: outcome.success ? 'recognition.completed' : 'recognition.failed',
      };
    }
    return { done: true, outcomes, httpStatus: 200, body: { success: true, ...record.capture, job_id: record.id, status: 'completed', results: outcomes }, event: 'batch.completed' };
  }

  const idempotencyKeyOf = (accountId: string, key: string) => redisKeys.idempotency(prefix, accountId, createHash('sha256').update(key).digest('hex'));

  /** The job an account's Idempotency-Key already created, if any. */
  async function findIdempotentJob(accountId: string, key: string): Promise<string | null> {
    return redis.get(idempotencyKeyOf(accountId, key));
  }

  /** Binds the key to `jobId` unless it is bound already; returns the job it was bound to before, or null. */
  async function claimIdempotencyKey(accountId: string, key: string, jobId: string): Promise<string | null> {
    const redisKey = idempotencyKeyOf(accountId, key);
    if ((await redis.set(redisKey, jobId, 'EX', options.resultTtlSeconds, 'NX')) === 'OK') return null;
    return redis.get(redisKey);
  }

  async function saveJobRecord(record: JobRecord): Promise<void> {
    await redis.set(redisKeys.jobRecord(prefix, record.id), JSON.stringify(record), 'EX', options.resultTtlSeconds);
  }

  async function loadJobRecord(jobId: string): Promise<JobRecord | null> {
    const raw = await redis.get(redisKeys.jobRecord(prefix, jobId));
    return raw ? JobRecordSchema.parse(JSON.parse(raw)) : null;
  }

  return {
    /** The shared Redis connection (the gateway's rate limiter uses it too). */
    redis,
    prefix,
    storeImage,
    dropImages,
    submitJob,
    submitImage,
    waitForOutcome,
    getJobResult,
    getFlowState,
    saveJobRecord,
    loadJobRecord,
    findIdempotentJob,
    claimIdempotencyKey,
    ping: () => pingRedis(redis),
    /** False from the moment the gateway's Redis connection drops until it is back (no round trip). */
    isAvailable: () => redis.status === 'ready',
    /** Redis' used_memory as of the last second. */
    usedMemoryBytes: () => usedMemoryBytes,
    async close() {
      clearInterval(memoryTimer);
      // synchronous requests still waiting answer 202 with their job (kept in Redis) rather than hang
      onRedisLost.forEach((end) => end());
      await lookupEvents.close();
      await flowProducer.close();
      await lookupQueue.close();
      await recognitionQueue.close();
      await jobFinishedQueue.close();
      await Promise.allSettled([redis.quit(), eventsConnection.quit()]);
    },
  };
}

export type RecognitionFlow = Awaited<ReturnType<typeof createRecognitionFlow>>;
