import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ERROR_STATUS } from '@npr/contracts';
import { WORKER_DEFAULTS, createRecognitionFlow, startLookupWorker, startRecognitionWorker, type RecognitionFlow } from '@npr/queue';
import { createLogger } from '@npr/runtime';
import { createTestRedisPrefix, eventually, solidImage } from '@npr/test-support';
import { createLookupProcessor } from '../../vehicle-lookup/src/lookup.processor';
import { createRecognitionProcessor } from '../src/recognition.processor';

jest.setTimeout(240_000);

const logger = createLogger({ name: 'test', level: 'silent' });
const LOCK_MS = 3000;
const STALLED_INTERVAL_MS = 1000;

let redis: ReturnType<typeof createTestRedisPrefix>;
let flow: RecognitionFlow;
let crashing: ChildProcess | undefined;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = createTestRedisPrefix();
  flow = await createRecognitionFlow({ redisUrl: redis.redisUrl, prefix: redis.prefix, imageTtlSeconds: 120, resultTtlSeconds: 600 });
});
afterAll(async () => {
  crashing?.kill('SIGKILL');
  for (const close of closers) await close();
  await flow.close();
  await redis.cleanup();
});

/** Starts a worker process that takes the job and hangs, then kills it (SIGKILL) mid-job. */
async function crashAWorkerOn(flowId: string) {
  crashing = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'hanging-worker.ts')], {
    cwd: path.join(__dirname, '..', '..', '..'),
    env: { ...process.env, REDIS_URL: redis.redisUrl, QUEUE_PREFIX: redis.prefix, JOB_LOCK_MS: String(LOCK_MS), STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  crashing.stdout!.on('data', (chunk) => (output += chunk));
  // the job is taken again once its lock expires and a worker's stalled-job check runs
  await eventually(async () => output.includes(`active ${flowId}`), 60_000);
  crashing.kill('SIGKILL');
  await new Promise((r) => crashing!.once('exit', r));
}

/** A healthy recognition + lookup worker pair; counts the recogniser's calls. */
function startHealthyWorkers() {
  const counter = { calls: 0 };
  const recogniser = {
    async recognise() {
      counter.calls++;
      return [{ plate: 'AB12 CDE', confidence: 0.9, region: 'gb', bounding_box: { x: 1, y: 2, width: 3, height: 4 } }];
    },
    async close() {},
  };
  const settings = { redisUrl: redis.redisUrl, prefix: redis.prefix, concurrency: 1, lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_INTERVAL_MS };
  const worker = startRecognitionWorker(settings, createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser }), logger }));
  const lookup = startLookupWorker(settings, createLookupProcessor({ lookupVehicle: async () => null, logger }));
  closers.push(() => worker.close(), () => lookup.close());
  return { counter, close: async () => (await worker.close(), await lookup.close()) };
}

test('a job whose worker is killed three times in a row still ends in its real answer', async () => {
  const flowId = `stalled-${Date.now()}`;
  await flow.submitImage({ flowId, accountId: 'acc', image: await solidImage() });
  for (let crash = 1; crash <= WORKER_DEFAULTS.maxStalledCount; crash++) {
    await crashAWorkerOn(flowId);
    expect((await flow.getFlowState(flowId))?.status).toBe('processing');
  }

  // a healthy worker notices the stalled job (its lock expired) and runs it again
  const healthy = startHealthyWorkers();
  const outcome = await flow.waitForOutcome(flowId, 90_000);
  expect(outcome).toMatchObject({
    success: true,
    results: [{ plate: 'AB12 CDE', confidence: 0.9, region: 'gb', bounding_box: { x: 1, y: 2, width: 3, height: 4 } }],
  });
  expect(healthy.counter.calls).toBe(1);
  await healthy.close();
});

test('a job that kills every worker it touches ends with IMAGE_CRASHED_WORKER (422), not a 500, and is not run again', async () => {
  const flowId = `poison-${Date.now()}`;
  await flow.submitImage({ flowId, accountId: 'acc', image: await solidImage() });
  for (let crash = 1; crash <= WORKER_DEFAULTS.maxStalledCount + 1; crash++) await crashAWorkerOn(flowId);

  const healthy = startHealthyWorkers();
  const outcome = await flow.waitForOutcome(flowId, 90_000);
  expect(outcome).toEqual({
    success: false,
    error: { code: 'IMAGE_CRASHED_WORKER', message: expect.stringMatching(/stopped the recognition worker several times/), request_id: flowId },
  });
  expect(ERROR_STATUS[(outcome as { error: { code: keyof typeof ERROR_STATUS } }).error.code]).toBe(422);
  expect(healthy.counter.calls).toBe(0);
  await healthy.close();
});
