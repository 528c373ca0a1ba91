// The README's first command, as a new user runs it: `pnpm start` with nothing configured
// (embedded PostgreSQL in a fresh data folder, a private redis-server), then a request with the
// key it prints, then Ctrl-C. Nothing may be left running.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEV_PLATES_DIR, HAS_MODELS, eventually, solidImage } from '@npr/test-support';
import { freePort } from '../free-port';

jest.setTimeout(240_000);

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

test('pnpm start: zero-setup start, first key, a real answer, clean stop', async () => {
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
    const json = (await res.json()) as { success: boolean; results?: { plate: string }[]; error?: { code: string } };
    if (withRealPhoto) {
      expect(res.status).toBe(200);
      expect(json.results!.length).toBeGreaterThan(0);
    } else {
      // no models: an honest 503; models but a blank frame: 422
      expect([res.status, json.error?.code]).toEqual(HAS_MODELS ? [422, 'NO_PLATES_FOUND'] : [503, 'SERVICE_UNAVAILABLE']);
    }
    expect(res.headers.get('x-ratelimit-remaining')).toBe('59');

    // the embedded database belongs to the running gateway: the CLI says so instead of corrupting it
    const cli = await promisify(execFile)('pnpm', ['--silent', 'npr', 'keys', 'create', '--email', 'a@b.c', '--name', 'x'], { cwd: ROOT, env }).catch((e) => e);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toMatch(/in use by process \d+ \(is `pnpm start` running\?\)/);
  } finally {
    const redisPid = Number(fs.readFileSync(path.join(dataDir, 'redis-server.pid'), 'utf8'));
    process.kill(-start.pid!, 'SIGINT');
    await exited;
    await eventually(async () => !alive(redisPid), 30_000);
    expect(fs.existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
