// The real entry points (src/main.ts of inference-worker and vehicle-lookup) as separate processes,
// as `pnpm start` and the containers run them: readiness, honest failure without models, a job
// through both, and graceful exit on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRecognitionFlow, type RecognitionFlow } from '@npr/queue';
import { HAS_MODELS, createTestDatabase, createTestRedisPrefix, eventually, solidImage } from '@npr/test-support';

jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..', '..');

type Service = { child: ChildProcess; healthPort: () => Promise<number>; exited: Promise<number | null> };

/** Starts a service's main.ts; its health port is read from its "taking jobs" log line. */
function startService(entry: string, env: Record<string, string>): Service {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', HEALTH_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (chunk) => (log += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    healthPort: () =>
      eventually(async () => {
        const m = /"healthPort":(\d+)/.exec(log);
        if (!m && child.exitCode !== null) throw new Error(`${entry} exited: ${log}`);
        return m ? Number(m[1]) : null;
      }, 90_000),
  };
}

const readyz = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: await res.json() };
};

let redis: ReturnType<typeof createTestRedisPrefix>;
let flow: RecognitionFlow;
const services: Service[] = [];
beforeAll(async () => {
  redis = createTestRedisPrefix();
  flow = await createRecognitionFlow({ redisUrl: redis.redisUrl, prefix: redis.prefix, imageTtlSeconds: 120, resultTtlSeconds: 600 });
});
afterAll(async () => {
  for (const s of services) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await flow.close();
  await redis.cleanup();
});

test('without models the worker is alive but not ready, and fails jobs with SERVICE_UNAVAILABLE', async () => {
  const emptyModels = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-no-models-'));
  const worker = startService('services/inference-worker/src/main.ts', {
    REDIS_URL: redis.redisUrl,
    QUEUE_PREFIX: redis.prefix,
    INFERENCE_HEALTH_PORT: '0',
    MODELS_DIR: emptyModels,
  });
  services.push(worker);
  const port = await worker.healthPort();
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  expect(await readyz(port)).toEqual({ status: 503, body: { status: 'not_ready', checks: { models: false, redis: true } } });

  // no lookup worker running: the recognition's own failure is the answer
  const flowId = `no-models-${Date.now()}`;
  await flow.submitImage({ flowId, accountId: 'a', image: await solidImage() });
  const state = await eventually(async () => {
    const s = await flow.getFlowState(flowId);
    return s?.status === 'failed' ? s : null;
  }, 60_000, 200);
  expect(state.outcome).toEqual({
    success: false,
    error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/could not load its models/) },
  });

  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
  fs.rmSync(emptyModels, { recursive: true, force: true });
});

test('a bad recogniser setting stops the worker at boot, naming the variable', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/inference-worker/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redis.redisUrl, QUEUE_PREFIX: redis.prefix, INFERENCE_HEALTH_PORT: '0', LOG_LEVEL: 'info', DETECTOR_SIZE: 'large' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (chunk) => (log += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).not.toBe(0);
  expect(log).toMatch(/Invalid configuration: DETECTOR_SIZE/);
  // it never started taking jobs with a setting it could not use
  expect(log).not.toMatch(/taking jobs/);
});

(HAS_MODELS ? test : test.skip)('with the real models: ready, a job runs through both processes, SIGTERM exits cleanly', async () => {
  const database = await createTestDatabase();
  try {
    const common = { REDIS_URL: redis.redisUrl, QUEUE_PREFIX: redis.prefix };
    const worker = startService('services/inference-worker/src/main.ts', { ...common, INFERENCE_HEALTH_PORT: '0' });
    const lookup = startService('services/vehicle-lookup/src/main.ts', { ...common, LOOKUP_HEALTH_PORT: '0', DATABASE_URL: database.url });
    services.push(worker, lookup);
    const [workerPort, lookupPort] = await Promise.all([worker.healthPort(), lookup.healthPort()]);
    await eventually(async () => (await readyz(workerPort)).status === 200, 90_000, 250);
    expect((await readyz(lookupPort)).status).toBe(200);

    // a plain grey frame: the real models find no plate, and the answer says so
    const flowId = `real-${Date.now()}`;
    await flow.submitImage({ flowId, accountId: 'a', image: await solidImage({ width: 1280, height: 720 }) });
    expect(await flow.waitForOutcome(flowId, 90_000)).toMatchObject({ success: false, error: { code: 'NO_PLATES_FOUND' } });

    for (const s of [worker, lookup]) s.child.kill('SIGTERM');
    expect(await Promise.all([worker.exited, lookup.exited])).toEqual([0, 0]);
  } finally {
    await database.drop();
  }
});
