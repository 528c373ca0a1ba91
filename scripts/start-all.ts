// `pnpm start`: the whole system on one machine with nothing to set up.
// - REDIS_URL unset: a private redis-server child on a free port (data kept in memory only).
// - DATABASE_URL unset: this process opens the embedded PostgreSQL (PGlite) in ./data/pglite and
//   serves it on a loopback port, named in ./data/embedded-database.json, where the gateway,
//   vehicle-lookup and the CLI find it (packages/db openDatabase).
// Then it starts gateway, inference-worker and vehicle-lookup as separate processes, as production does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startEmbeddedDatabase, type RunningEmbeddedDatabase } from '../packages/db/src';
import { freePort } from './free-port';

const root = path.join(__dirname, '..');
process.chdir(root);
if (fs.existsSync('.env')) process.loadEnvFile('.env');

const log = (line: string) => process.stderr.write(`[start] ${line}\n`);
const children: ChildProcess[] = [];
let stopping = false;
let embeddedDatabase: RunningEmbeddedDatabase | null = null;

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

async function startPrivateRedis(): Promise<string> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error) {
    log('redis-server is not on PATH: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:6379');
    process.exit(1);
  }
  // a private Redis left behind by a supervisor that was killed outright is stopped first
  const pidFile = path.join(process.env.DATA_DIR || 'data', 'redis-server.pid');
  stopStaleRedis(pidFile);
  const port = await freePort();
  // no persistence: this Redis lives and dies with `pnpm start`; BullMQ needs noeviction
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    // its own process group: Ctrl-C reaches the whole foreground group at once, and Redis must outlive the
    // services' shutdown (their queues close through it); it is stopped last, and a start finds a stale one
    detached: true,
  });
  children.push(redis);
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  fs.writeFileSync(pidFile, String(redis.pid));
  redis.on('exit', () => fs.rmSync(pidFile, { force: true }));
  redis.on('exit', (code) => !stopping && stopAll(`redis-server exited (${code})`, 1));
  await waitForPort(port, 10_000);
  log(`private redis-server on 127.0.0.1:${port}`);
  return `redis://127.0.0.1:${port}`;
}

function stopStaleRedis(pidFile: string): void {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8'));
  } catch {
    return;
  }
  try {
    // only if that pid is still a redis-server (pids get reused)
    if (pid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('redis-server')) {
      process.kill(pid, 'SIGTERM');
      log(`stopped a private redis-server left running by an earlier start (pid ${pid})`);
    }
  } catch {
    // gone already, or no /proc (not Linux): nothing to clean up
  }
  fs.rmSync(pidFile, { force: true });
}

function startService(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  // the IPC channel lets the service notice if this supervisor dies without stopping it (see runtime/shutdown)
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  child.on('exit', (code, signal) => !stopping && stopAll(`${name} exited (${signal ?? code})`, 1));
  return child;
}

function stopAll(reason: string, code: number): void {
  if (stopping) return;
  stopping = true;
  log(`stopping: ${reason}`);
  // services first (they finish in-flight jobs), Redis last
  const services = children.slice(process.env.REDIS_URL ? 0 : 1);
  for (const c of services) c.kill('SIGTERM');
  const redis = process.env.REDIS_URL ? null : children[0];
  Promise.all(services.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(async () => {
    await embeddedDatabase?.close().catch((err) => log(`closing the embedded database: ${err}`));
    redis?.kill('SIGTERM');
    process.exit(code);
  });
  setTimeout(() => {
    // Redis is in a process group of its own: it never outlives this process
    redis?.kill('SIGTERM');
    process.exit(code || 1);
  }, 20_000).unref();
}

async function main() {
  const port = Number(process.env.PORT || 3000);
  const redisUrl = process.env.REDIS_URL || (await startPrivateRedis());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: redisUrl,
    MIGRATE_ON_START: process.env.MIGRATE_ON_START ?? 'true',
    BOOTSTRAP_API_KEY: process.env.BOOTSTRAP_API_KEY ?? 'true',
    INFERENCE_HEALTH_PORT: process.env.INFERENCE_HEALTH_PORT || String(port + 1),
    LOOKUP_HEALTH_PORT: process.env.LOOKUP_HEALTH_PORT || String(port + 2),
  };
  if (process.env.DATABASE_URL) log('database: DATABASE_URL');
  else {
    const dataDir = process.env.DATA_DIR || 'data';
    embeddedDatabase = await startEmbeddedDatabase({ dataDir, gateway: `http://127.0.0.1:${port}`, log });
    log(`database: embedded PostgreSQL (PGlite) in ${path.join(dataDir, 'pglite')}, served on 127.0.0.1:${embeddedDatabase.port} for the services and \`pnpm npr\``);
  }
  startService('inference-worker', 'services/inference-worker/src/main.ts', env);
  startService('vehicle-lookup', 'services/vehicle-lookup/src/main.ts', env);
  startService('gateway', 'services/gateway/src/main.ts', env);
  // `on`, not `once`: Ctrl-C reaches this process from the terminal and again from tsx, which passes
  // signals on; a second one without a handler would end it before it closes the database and Redis
  process.on('SIGINT', () => stopAll('SIGINT', 0));
  process.on('SIGTERM', () => stopAll('SIGTERM', 0));
}

main().catch((err) => {
  log(String(err));
  stopAll('start failed', 1);
});
