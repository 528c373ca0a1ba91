// `pnpm start`: the whole system on one machine with nothing to set up.
// - REDIS_URL unset: a private redis-server child on a free port, persisted in $DATA_DIR/redis (AOF),
//   so jobs accepted before a stop are finished after the next start.
// - DATABASE_URL unset: this process opens the embedded PostgreSQL (PGlite) in ./data/pglite and
//   serves it on a loopback port, named in ./data/embedded-database.json, where the gateway,
//   vehicle-lookup and the CLI find it (packages/db openDatabase).
// Then it starts gateway, inference-worker and vehicle-lookup as separate processes, as production does,
// restarts one that crashes (its jobs are picked up again), and never lets any of them outlive it.
// A stop ends the services first, then the database, then Redis.
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
const services: ChildProcess[] = [];
let redisProcess: ChildProcess | null = null;
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

// Runs redis-server and stops it (SIGTERM: it writes its AOF and exits) when the supervisor says so
// or dies, even by SIGKILL (the IPC channel closes). It ignores SIGINT: a terminal's Ctrl-C reaches
// the whole group, and Redis must stay up until the services have stopped using it.
const REDIS_GUARDIAN = `
const { spawn } = require('node:child_process');
const redis = spawn('redis-server', JSON.parse(process.env.NPR_REDIS_ARGS), { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
process.send({ pid: redis.pid });
const stop = () => redis.kill('SIGTERM');
process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', () => {});
redis.on('exit', (code) => process.exit(code ?? 1));
`;

/** Redis settings of the private server: persisted jobs, never evicted (BullMQ needs noeviction). */
function privateRedisArgs(port: number, dir: string): string[] {
  return [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    // every write in the append-only file, flushed each second and on shutdown; no RDB snapshots
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
    '--maxmemory-policy', 'noeviction',
  ];
}

async function startPrivateRedis(): Promise<string> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error) {
    log('redis-server is not on PATH: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:6379');
    process.exit(1);
  }
  const dataDir = process.env.DATA_DIR || 'data';
  // a private Redis left behind by a supervisor that was killed outright is stopped first
  const pidFile = path.join(dataDir, 'redis-server.pid');
  await stopStaleRedis(pidFile);
  const dir = path.resolve(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const guardian = spawn(process.execPath, ['-e', REDIS_GUARDIAN], {
    env: { ...process.env, NPR_REDIS_ARGS: JSON.stringify(privateRedisArgs(port, dir)) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  redisProcess = guardian;
  guardian.once('message', (m: { pid: number }) => fs.writeFileSync(pidFile, String(m.pid)));
  guardian.on('exit', () => fs.rmSync(pidFile, { force: true }));
  guardian.on('exit', (code) => !stopping && stopAll(`redis-server exited (${code})`, 1));
  await waitForPort(port, 10_000);
  log(`private redis-server on 127.0.0.1:${port}, persisted in ${path.relative(root, dir) || dir}`);
  return `redis://127.0.0.1:${port}`;
}

async function stopStaleRedis(pidFile: string): Promise<void> {
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
      // it writes its AOF before it exits: wait, so the new one starts from what it saved
      for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
      log(`stopped a private redis-server left running by an earlier start (pid ${pid})`);
    }
  } catch {
    // gone already, or no /proc (not Linux): nothing to clean up
  }
  fs.rmSync(pidFile, { force: true });
}

// A crashed service is started again (its jobs are taken up again by the stalled-job check); one
// that keeps crashing stops everything instead of looping.
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
const RESTART_DELAY_MS = 500;

function startService(name: string, entry: string, env: NodeJS.ProcessEnv, restarts: number[] = []): void {
  // the IPC channel lets the service notice if this supervisor dies without stopping it (see runtime/shutdown)
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  services.push(child);
  child.on('exit', (code, signal) => {
    services.splice(services.indexOf(child), 1);
    if (stopping) return;
    const recent = [...restarts.filter((t) => Date.now() - t < RESTART_WINDOW_MS), Date.now()];
    if (recent.length > MAX_RESTARTS) return stopAll(`${name} exited (${signal ?? code}) ${recent.length} times in a minute`, 1);
    log(`${name} exited (${signal ?? code}); starting it again`);
    setTimeout(() => !stopping && startService(name, entry, env, recent), RESTART_DELAY_MS);
  });
}

function stopAll(reason: string, code: number): void {
  if (stopping) return;
  stopping = true;
  log(`stopping: ${reason}`);
  // services first (they finish the jobs in hand; waiting jobs stay in Redis for the next start), Redis last
  for (const c of services) c.kill('SIGTERM');
  Promise.all(services.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(async () => {
    // the database after the services (they may write until they exit), before Redis
    await embeddedDatabase?.close().catch((err) => log(`closing the embedded database: ${err}`));
    if (redisProcess && redisProcess.exitCode === null) {
      const exited = new Promise((r) => redisProcess!.once('exit', r));
      redisProcess.kill('SIGTERM');
      await exited;
    }
    process.exit(code);
  });
  // the gateway may wait up to SYNC_TIMEOUT_MS + 10 s for synchronous requests in flight
  setTimeout(() => process.exit(code || 1), 60_000).unref();
}

/**
 * The processes this supervisor was started under, up to `pnpm` itself (`pnpm start` runs it through
 * tsx, whose own process stays alive when pnpm is killed). Linux only; elsewhere just the parent.
 */
function supervisorAncestors(): number[] {
  const chain: number[] = [];
  let pid = process.ppid;
  for (let depth = 0; depth < 6 && pid > 1; depth++) {
    chain.push(pid);
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.slice(0, 2).some((arg) => /^pnpm(\.c?js)?$/.test(path.basename(arg)))) return chain;
      pid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
    } catch {
      break;
    }
  }
  return chain.slice(0, 1);
}

/** Stops everything when any of those processes is gone (killed with SIGKILL, or SIGTERM not passed on). */
function stopWithAncestors(): void {
  const watched = supervisorAncestors();
  setInterval(() => {
    for (const pid of watched) {
      try {
        process.kill(pid, 0);
      } catch {
        return stopAll(`the process that started it (pid ${pid}) is gone`, 0);
      }
    }
  }, 500).unref();
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
  process.on('SIGHUP', () => stopAll('SIGHUP', 0));
  stopWithAncestors();
}

main().catch((err) => {
  log(String(err));
  stopAll('start failed', 1);
});
