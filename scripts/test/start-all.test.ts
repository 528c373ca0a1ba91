// The README's first command, as a new user runs it: `pnpm start` with nothing configured
// (embedded PostgreSQL in a fresh data folder, a private redis-server), then a request with the
// key it prints, the CLI used while it runs (keys, plans, the vehicle registry), then Ctrl-C.
// Nothing may be left running, and the CLI then opens the folder itself.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEV_PLATES_DIR, HAS_MODELS, eventually, solidImage } from '@npr/test-support';
import { freePort } from '../free-port';

jest.setTimeout(480_000);

const ROOT = path.join(__dirname, '..', '..');
const DEV_PHOTO = path.join(DEV_PLATES_DIR, 'images', 'openalpr_benchmarks', 'br', 'AYO9034.jpg');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('pnpm start: zero-setup start, first key, a real answer, the CLI while it runs, clean stop', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-start-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, INFERENCE_HEALTH_PORT: '0', LOOKUP_HEALTH_PORT: '0' };
  for (const name of ['REDIS_URL', 'DATABASE_URL', 'NODE_OPTIONS']) delete env[name];
  // detached: its own process group, so the test can stop the whole tree as a terminal's Ctrl-C would
  const start = spawn('pnpm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  start.stdout!.on('data', (c) => (output += c));
  start.stderr!.on('data', (c) => (output += c));
  const exited = new Promise((resolve) => start.once('exit', resolve));
  try {
    const key = await eventually(async () => /\b(npr_live_[a-z0-9]{40})\b/.exec(output)?.[1], 180_000, 250);
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200, 60_000, 250);

    const body = new FormData();
    const withRealPhoto = HAS_MODELS && fs.existsSync(DEV_PHOTO);
    body.append('upload', new Blob([withRealPhoto ? fs.readFileSync(DEV_PHOTO) : await solidImage()]), 'car.jpg');
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/recognise`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body });
    const json = (await res.json()) as { success: boolean; results?: { plate: string; region: string }[]; error?: { code: string } };
    if (withRealPhoto) {
      expect(res.status).toBe(200);
      expect(json.results!.length).toBeGreaterThan(0);
    } else {
      // no models: an honest 503; models but a blank frame: 422
      expect([res.status, json.error?.code]).toEqual(HAS_MODELS ? [422, 'NO_PLATES_FOUND'] : [503, 'SERVICE_UNAVAILABLE']);
    }
    expect(res.headers.get('x-ratelimit-remaining')).toBe('59');

    // the CLI while the system runs: it finds the embedded database through ./data and names the real port
    const npr = async (...args: string[]) =>
      promisify(execFile)('pnpm', ['--silent', 'npr', ...args], { cwd: ROOT, env }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const recognise = async (apiKey: string) => {
      const form = new FormData();
      form.append('upload', new Blob([withRealPhoto ? fs.readFileSync(DEV_PHOTO) : await solidImage()]), 'car.jpg');
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/recognise`, { method: 'POST', headers: { Authorization: `Bearer ${apiKey}` }, body: form });
      return { status: r.status, limit: r.headers.get('x-ratelimit-limit'), body: (await r.json()) as { results?: { plate: string; vehicle: { source?: string; make?: string } | null }[]; error?: { code: string } } };
    };
    const answered = withRealPhoto ? 200 : HAS_MODELS ? 422 : 503;

    // two keys created at once, while requests with the first key are being answered
    const [createdA, createdB, ...busy] = await Promise.all([
      npr('keys', 'create', '--email', 'fleet@example.com', '--name', 'depot 1'),
      npr('keys', 'create', '--email', 'fleet@example.com', '--name', 'depot 2'),
      recognise(key),
      recognise(key),
    ]);
    expect(busy.map((b) => b.status)).toEqual([answered, answered]);
    for (const created of [createdA, createdB]) {
      if (created.code) throw new Error(created.stderr);
      expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/^npr_live_[a-z0-9]{40}\n$/) });
      expect(created.stderr).toContain(`http://127.0.0.1:${port}/api/v1/recognise`);
    }
    const fleetKey = createdA.stdout.trim();
    expect((await recognise(fleetKey)).status).toBe(answered);

    // a plan change applies from the next request
    expect(await npr('accounts', 'set-plan', '--email', 'fleet@example.com', '--plan', 'pro', '--requests', '7', '--window', '60')).toMatchObject({ code: 0 });
    expect((await recognise(fleetKey)).limit).toBe('7');

    // the registry import reaches vehicle-lookup: the next answer carries the operator's vehicle
    const plate = withRealPhoto ? json.results![0]! : null;
    const csv = path.join(dataDir, 'fleet.csv');
    fs.writeFileSync(csv, `plate,region,make,model,colour,year,fuel_type,notes\n${plate ? `${plate.plate},${plate.region}` : 'AB12CDE,gb'},Fiat,Uno,Silver,2012,petrol,depot 1\n`);
    expect(await npr('vehicles', 'import', csv)).toMatchObject({ code: 0, stdout: 'imported 1 vehicle(s)\n' });
    if (withRealPhoto) expect((await recognise(fleetKey)).body.results![0]!.vehicle).toMatchObject({ source: 'operator', make: 'Fiat' });

    // a revoked key stops working at once
    const prefix = fleetKey.slice(0, 17);
    expect(await npr('keys', 'revoke', prefix)).toMatchObject({ code: 0, stdout: `revoked ${prefix}\n` });
    const refused = await recognise(fleetKey);
    expect([refused.status, refused.body.error?.code]).toEqual([401, 'INVALID_API_KEY']);
    expect((await recognise(createdB.stdout.trim())).status).toBe(answered);
  } finally {
    const redisPid = Number(fs.readFileSync(path.join(dataDir, 'redis-server.pid'), 'utf8'));
    process.kill(-start.pid!, 'SIGINT');
    await exited;
    await eventually(async () => !alive(redisPid), 30_000);
    // pnpm exits at once on the group's SIGINT; the supervisor closes the database (and then Redis) after the services
    await eventually(async () => !fs.existsSync(path.join(dataDir, 'pglite.lock')), 30_000);
    expect(fs.existsSync(path.join(dataDir, 'embedded-database.json'))).toBe(false);
  }
  try {
    // stopped: the CLI opens the folder itself, and finds what was done while the system ran
    const listed = await promisify(execFile)('pnpm', ['--silent', 'npr', 'keys', 'list', '--email', 'fleet@example.com'], { cwd: ROOT, env });
    const keys = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; revoked_at: string | null });
    expect(keys.map((k) => [k.name, k.revoked_at !== null]).sort()).toEqual([['depot 1', true], ['depot 2', false]]);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

const started: number[] = [];
// whatever a failed assertion left running is stopped, group and all
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** `pnpm start` in its own process group on a data folder; resolves with its key once it is ready. */
async function startSystem(dataDir: string, port: number, key?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, INFERENCE_HEALTH_PORT: '0', LOOKUP_HEALTH_PORT: '0' };
  for (const name of ['REDIS_URL', 'DATABASE_URL', 'NODE_OPTIONS']) delete env[name];
  const start = spawn('pnpm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(start.pid!);
  let output = '';
  start.stdout!.on('data', (c) => (output += c));
  start.stderr!.on('data', (c) => (output += c));
  const exited = new Promise((resolve) => start.once('exit', resolve));
  const apiKey = key ?? (await eventually(async () => /\b(npr_live_[a-z0-9]{40})\b/.exec(output)?.[1], 180_000, 250));
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200, 180_000, 250);
  return { start, exited, key: apiKey, output: () => output };
}

test('pnpm start keeps accepted jobs across a stop, and nothing outlives its pnpm process (kill -9)', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-start-'));
  const port = await freePort();
  try {
    const first = await startSystem(dataDir, port);
    const image = await solidImage();
    // accepted (202) just before a graceful stop, as a terminal's Ctrl-C sends it
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const body = new FormData();
      body.append('upload', new Blob([image]), 'car.jpg');
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/recognise?async=true`, { method: 'POST', headers: { Authorization: `Bearer ${first.key}` }, body });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { job_id: string }).job_id);
    }
    process.kill(-first.start.pid!, 'SIGINT');
    await first.exited;

    // the next start finishes what was left and still knows every job
    const second = await startSystem(dataDir, port, first.key);
    const finals = await Promise.all(
      ids.map((id) =>
        eventually(async () => {
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/jobs/${id}`, { headers: { Authorization: `Bearer ${first.key}` } });
          const json = (await res.json()) as { status?: string; error?: { code: string } };
          if (res.status === 404) return { lost: true };
          return json.status === 'completed' || json.status === 'failed' ? { code: json.error?.code ?? 'ok' } : null;
        }, 120_000, 250),
      ),
    );
    // a blank frame: no plate with models, an honest 503 without; never lost, never a 500
    expect(new Set(finals.map((f) => JSON.stringify(f)))).toEqual(new Set([JSON.stringify({ code: HAS_MODELS ? 'NO_PLATES_FOUND' : 'SERVICE_UNAVAILABLE' })]));

    // kill -9 of the pnpm process alone: the supervisor and every service stop too
    const redisPid = Number(fs.readFileSync(path.join(dataDir, 'redis-server.pid'), 'utf8'));
    process.kill(second.start.pid!, 'SIGKILL');
    await eventually(async () => {
      try {
        process.kill(-second.start.pid!, 0);
        return false;
      } catch {
        return true;
      }
    }, 60_000, 250);
    await eventually(async () => !alive(redisPid), 30_000);
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => 'answered', () => 'nothing listens')).toBe('nothing listens');
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
