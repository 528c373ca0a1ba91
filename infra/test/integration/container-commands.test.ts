// Each service starts from exactly the command its Dockerfile runs (in its service folder, as
// in the image's /app), with the image's and compose's environment pointed at the test Redis and
// PostgreSQL; answers /healthz; and exits 0 on SIGTERM (graceful shutdown). The images themselves are
// built and run by `pnpm test:containers` (infra/test/containers.sh), which CI runs after the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, createTestRedisPrefix } from '@npr/test-support';
import { freePort } from '../../../scripts/free-port';
import { ROOT, loadCompose, parseDockerfile } from '../deployment-files';

jest.setTimeout(120_000);
const compose = loadCompose();

async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 90_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited early with ${child.exitCode}`);
    try {
      return await fetch(url);
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${url} did not answer in ${timeoutMs} ms`);
}

const exitOf = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe('services start from their Dockerfile command', () => {
  const redis = createTestRedisPrefix();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const children: ChildProcess[] = [];
  let stderr = '';

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await redis.cleanup();
    await database?.drop();
  });

  function start(composeName: string, portVar: string, port: number, command?: string[]) {
    const service = compose.services[composeName];
    const stage = parseDockerfile(service.build!.dockerfile).stage(service.build!.target)!;
    const cmd = command ?? service.command ?? stage.cmd!;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...stage.env,
      ...Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v == null ? '' : String(v)])),
      // the compose network's hosts are this machine's test services
      REDIS_URL: redis.redisUrl,
      QUEUE_PREFIX: redis.prefix,
      DATABASE_URL: database.url,
      HOST: '127.0.0.1',
      HEALTH_HOST: '127.0.0.1',
      MODELS_DIR: path.join(ROOT, 'models'),
      // the images' /app/prisma is a copy of the repository's top-level prisma/
      ...(stage.env.MIGRATIONS_DIR ? { MIGRATIONS_DIR: path.join(ROOT, stage.env.MIGRATIONS_DIR.replace(/^\/app\//, '')) } : {}),
      [portVar]: String(port),
      LOG_LEVEL: 'warn',
    };
    const child = spawn(cmd[0] === 'node' ? process.execPath : cmd[0], cmd.slice(1), { cwd: path.join(ROOT, path.dirname(service.build!.dockerfile)), env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => (stderr += d));
    children.push(child);
    return child;
  }

  test('migrate applies the migrations and exits 0', async () => {
    const child = start('migrate', 'UNUSED', 0);
    expect(await exitOf(child)).toBe(0);
  });

  test.each([
    ['gateway', 'PORT'],
    ['inference-worker', 'INFERENCE_HEALTH_PORT'],
    ['vehicle-lookup', 'LOOKUP_HEALTH_PORT'],
  ])('%s answers /healthz and /metrics, and exits 0 on SIGTERM', async (name, portVar) => {
    const port = await freePort();
    const child = start(name, portVar, port);
    const health = await waitForHttp(`http://127.0.0.1:${port}/healthz`, child).catch((err) => {
      throw new Error(`${name}: ${err.message}\n${stderr.slice(-2000)}`);
    });
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('npr_http_requests_total');
    expect(metrics).toContain(`service="${name}"`);
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  });
});
