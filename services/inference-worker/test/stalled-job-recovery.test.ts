import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createRecognitionFlow, startLookupWorker, startRecognitionWorker, type RecognitionFlow } from '@npr/queue';
import { createLogger } from '@npr/runtime';
import { createTestRedisPrefix, eventually, solidImage } from '@npr/test-support';
import { createLookupProcessor } from '../../vehicle-lookup/src/lookup.processor';
import { createRecognitionProcessor } from '../src/recognition.processor';

jest.setTimeout(120_000);

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

test('a worker killed mid-job does not lose the job: another worker finishes it and the client gets its answer', async () => {
  // 1. a worker process takes the job and is killed while working on it
  crashing = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'hanging-worker.ts')], {
    cwd: path.join(__dirname, '..', '..', '..'),
    env: { ...process.env, REDIS_URL: redis.redisUrl, QUEUE_PREFIX: redis.prefix, JOB_LOCK_MS: String(LOCK_MS), STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  crashing.stdout!.on('data', (chunk) => (output += chunk));
  await eventually(async () => output.includes('ready'), 60_000);

  const flowId = `stalled-${Date.now()}`;
  await flow.submitImage({ flowId, accountId: 'acc', image: await solidImage() });
  await eventually(async () => output.includes(`active ${flowId}`), 60_000);
  crashing.kill('SIGKILL');
  await new Promise((r) => crashing!.once('exit', r));
  expect((await flow.getFlowState(flowId))?.status).toBe('processing');

  // 2. a healthy worker notices the stalled job (its lock expired) and runs it again
  let calls = 0;
  const recogniser = {
    async recognise() {
      calls++;
      return [{ plate: 'AB12 CDE', confidence: 0.9, region: 'gb', bounding_box: { x: 1, y: 2, width: 3, height: 4 } }];
    },
    async close() {},
  };
  const settings = { redisUrl: redis.redisUrl, prefix: redis.prefix, concurrency: 1, lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_INTERVAL_MS };
  const worker = startRecognitionWorker(settings, createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser }), logger }));
  const lookup = startLookupWorker(settings, createLookupProcessor({ lookupVehicle: async () => null, logger }));
  closers.push(() => worker.close(), () => lookup.close());

  // 3. the waiting client gets the normal answer
  const outcome = await flow.waitForOutcome(flowId, 90_000);
  expect(outcome).toMatchObject({
    success: true,
    results: [{ plate: 'AB12 CDE', confidence: 0.9, region: 'gb', bounding_box: { x: 1, y: 2, width: 3, height: 4 } }],
  });
  expect(calls).toBe(1);
});
