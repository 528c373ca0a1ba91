// `pnpm bench`: drives the real system over HTTP with the dev photos and writes docs/benchmarks.md.
//
// By default it starts the system itself, as `pnpm start` does (a private redis-server, the gateway
// on an embedded PostgreSQL or $DATABASE_URL, vehicle-lookup, and 1 then 2 inference workers, each
// a separate process), because comparing worker counts needs control over the workers. With
// --url and --key it drives a system that is already running instead (no worker comparison).
// Then it runs the recogniser in-process on the same photos as the baseline.
//
//   pnpm bench                       full run (several minutes)
//   pnpm bench --limit 5 --requests 10 --concurrency 1,2 --workers 1 --no-write   smoke run
//   pnpm bench --url http://127.0.0.1:3000 --key npr_live_...
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from './free-port';

const ROOT = path.join(__dirname, '..');
const DEV_DIR = path.join(ROOT, '..', 'shared', 'data', 'plates');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    limit: { type: 'string', default: '40' },
    requests: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '1,2,4,8' },
    workers: { type: 'string', default: '1,2' },
    'batch-size': { type: 'string', default: '4' },
    'no-batch': { type: 'boolean', default: false },
    'no-baseline': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT, 'docs', 'benchmarks.md') },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').filter((l) => l.startsWith('//')).join('\n') + '\n');
  process.exit(0);
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const ints = (s: string) => s.split(',').map((x) => Number(x.trim())).filter((n) => Number.isInteger(n) && n > 0);
const CONCURRENCY = ints(args.concurrency!);
const WORKERS = args.url ? [0] : ints(args.workers!);
const REQUESTS = Number(args.requests);
const BATCH = Number(args['batch-size']);

// ---------------------------------------------------------------------------------------------
// photos

type Photo = { file: string; bytes: Buffer; width: number; height: number };

function loadPhotos(limit: number): Photo[] {
  const index = path.join(DEV_DIR, 'dev.jsonl');
  if (!fs.existsSync(index)) throw new Error(`no dev photos at ${DEV_DIR} (expected dev.jsonl next to images/)`);
  const rows = fs
    .readFileSync(index, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { file: string; width: number; height: number });
  // the issue's latency target is for 1280x720 photos: those first, then the rest
  rows.sort((a, b) => Number(b.width === 1280 && b.height === 720) - Number(a.width === 1280 && a.height === 720));
  return rows.slice(0, limit).map((r) => ({ ...r, bytes: fs.readFileSync(path.join(DEV_DIR, r.file)) }));
}

// ---------------------------------------------------------------------------------------------
// the system under test

const children: ChildProcess[] = [];
let tmpDir: string | null = null;
// without DATABASE_URL: the embedded database, served to the services as `pnpm start` does
let embedded: { close(): Promise<void> } | null = null;

async function waitFor(url: string, timeoutMs: number, ok = (status: number) => status === 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (ok((await fetch(url)).status)) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

function startProcess(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(args[0], args.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr!.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  child.on('exit', (code, signal) => {
    if (!stopping) log(`${name} exited (${signal ?? code}); its last output:\n${tail}`);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  // services first (they finish in-flight jobs), Redis last
  const [redis, ...rest] = children;
  const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)));
  for (const c of rest) c.kill('SIGTERM');
  await Promise.race([Promise.all(rest.map(exited)), new Promise((r) => setTimeout(r, 20_000))]);
  redis?.kill('SIGTERM');
  if (redis) await Promise.race([exited(redis), new Promise((r) => setTimeout(r, 5_000))]);
  await embedded?.close().catch(() => {});
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
}

type System = { url: string; key: string; workerMetrics: string[]; lookupMetrics: string[]; addWorker?: () => Promise<void>; database: string };

async function startSystem(): Promise<System> {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-bench-'));
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error) throw new Error('redis-server is not on PATH (apt-get install redis-server)');
  const redisPort = await freePort();
  startProcess('redis-server', ['redis-server', '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], process.env);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;

  // an account without a rate limit that matters, created before the gateway opens the database
  const db = await import('../packages/db/src');
  const email = 'bench@example.com';
  const databaseUrl = process.env.DATABASE_URL;
  const served = databaseUrl ? null : await db.startEmbeddedDatabase({ dataDir: tmpDir });
  embedded = served;
  const database = await db.createDatabase(served ? { databaseUrl: served.url, embeddedServer: true } : { databaseUrl: databaseUrl! });
  await db.migrate(database);
  const { key } = await db.createApiKeyForEmail(database.prisma, { email, name: 'bench' });
  await db.setAccountPlan(database.prisma, { email, plan: 'enterprise' as never, requestsPerWindow: 1_000_000_000, windowSeconds: 60 });
  await database.close();

  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redisUrl, QUEUE_PREFIX: 'npr-bench', LOG_LEVEL: 'warn', DATA_DIR: tmpDir, PORT: String(port), HOST: '127.0.0.1' };
  const node = (entry: string) => [process.execPath, '--import', 'tsx', entry];
  const lookupPort = await freePort();
  startProcess('vehicle-lookup', node('services/vehicle-lookup/src/main.ts'), { ...env, LOOKUP_HEALTH_PORT: String(lookupPort) });
  startProcess('gateway', node('services/gateway/src/main.ts'), env);
  const system: System = {
    url: `http://127.0.0.1:${port}`,
    key,
    workerMetrics: [],
    lookupMetrics: [`http://127.0.0.1:${lookupPort}/metrics`],
    database: databaseUrl ? 'PostgreSQL ($DATABASE_URL)' : 'embedded PostgreSQL (PGlite)',
    async addWorker() {
      const healthPort = await freePort();
      startProcess(`inference-worker ${system.workerMetrics.length + 1}`, node('services/inference-worker/src/main.ts'), { ...env, INFERENCE_HEALTH_PORT: String(healthPort) });
      // ready = models loaded and warm
      await waitFor(`http://127.0.0.1:${healthPort}/readyz`, 180_000);
      system.workerMetrics.push(`http://127.0.0.1:${healthPort}/metrics`);
    },
  };
  await waitFor(`${system.url}/readyz`, 120_000);
  await waitFor(`http://127.0.0.1:${lookupPort}/readyz`, 60_000);
  return system;
}

// ---------------------------------------------------------------------------------------------
// metrics scraped from the workers: where the time goes

type Sums = Map<string, { sum: number; count: number }>;

async function scrape(urls: string[]): Promise<Sums> {
  const sums: Sums = new Map();
  for (const url of urls) {
    const text = await (await fetch(url)).text().catch(() => '');
    for (const m of text.matchAll(/^(npr_stage_duration_seconds|npr_job_queue_wait_seconds)_(sum|count)\{([^}]*)\} ([\d.eE+-]+)$/gm)) {
      const label = /(?:stage|queue)="([^"]+)"/.exec(m[3])?.[1];
      const key = `${m[1] === 'npr_stage_duration_seconds' ? 'stage' : 'wait'}:${label}`;
      const entry = sums.get(key) ?? { sum: 0, count: 0 };
      if (m[2] === 'sum') entry.sum += Number(m[4]);
      else entry.count += Number(m[4]);
      sums.set(key, entry);
    }
  }
  return sums;
}

/** Mean milliseconds per observation between two scrapes. */
function meanMs(before: Sums, after: Sums, key: string): number | null {
  const a = after.get(key);
  const b = before.get(key) ?? { sum: 0, count: 0 };
  if (!a || a.count - b.count <= 0) return null;
  return ((a.sum - b.sum) / (a.count - b.count)) * 1000;
}

// ---------------------------------------------------------------------------------------------
// load

type LevelResult = {
  mode: 'single' | 'batch';
  workers: number;
  concurrency: number;
  requests: number;
  images: number;
  seconds: number;
  latencies: number[];
  statuses: Record<string, number>;
  processingMs: number[];
  stages: Record<string, number | null>;
};

const q = (a: number[], p: number) => (a.length ? [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))] : NaN);

async function send(system: System, mode: 'single' | 'batch', photos: Photo[], i: number) {
  const form = new FormData();
  if (mode === 'single') {
    const p = photos[i % photos.length];
    form.append('upload', new Blob([p.bytes], { type: 'image/jpeg' }), path.basename(p.file));
  } else {
    for (let k = 0; k < BATCH; k++) {
      const p = photos[(i * BATCH + k) % photos.length];
      form.append('images[]', new Blob([p.bytes], { type: 'image/jpeg' }), path.basename(p.file));
    }
  }
  const started = performance.now();
  const res = await fetch(`${system.url}/api/v1/${mode === 'single' ? 'recognise' : 'batch'}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${system.key}` },
    body: form,
  });
  const body = (await res.json().catch(() => null)) as { processing_time_ms?: number; results?: { processing_time_ms?: number }[] } | null;
  const ms = performance.now() - started;
  const processing = mode === 'single' ? [body?.processing_time_ms] : (body?.results ?? []).map((r) => r?.processing_time_ms);
  return { status: res.status, ms, processing: processing.filter((x): x is number => typeof x === 'number') };
}

async function runLevel(system: System, mode: 'single' | 'batch', workers: number, concurrency: number, photos: Photo[]): Promise<LevelResult> {
  const requests = mode === 'single' ? REQUESTS : Math.max(concurrency, Math.ceil(REQUESTS / BATCH));
  const before = await scrape([...system.workerMetrics, ...system.lookupMetrics]);
  const result: LevelResult = { mode, workers, concurrency, requests, images: 0, seconds: 0, latencies: [], statuses: {}, processingMs: [], stages: {} };
  let next = 0;
  let done = 0;
  const label = `${mode} workers=${workers || '?'} concurrency=${concurrency}`;
  const progress = setInterval(() => log(`  ${label}: ${done}/${requests}`), 5000);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        try {
          const r = await send(system, mode, photos, i);
          result.latencies.push(r.ms);
          result.statuses[r.status] = (result.statuses[r.status] ?? 0) + 1;
          result.processingMs.push(...r.processing);
          if (r.status === 200) result.images += mode === 'single' ? 1 : BATCH;
        } catch (err) {
          result.statuses.network = (result.statuses.network ?? 0) + 1;
        }
        done++;
      }
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  clearInterval(progress);
  const after = await scrape([...system.workerMetrics, ...system.lookupMetrics]);
  for (const stage of ['decode', 'detect', 'read', 'lookup']) result.stages[stage] = meanMs(before, after, `stage:${stage}`);
  result.stages.queueWait = meanMs(before, after, 'wait:recognition');
  log(
    `${label}: ${(result.images / result.seconds).toFixed(1)} images/s, p50 ${q(result.latencies, 0.5).toFixed(0)} ms, p95 ${q(result.latencies, 0.95).toFixed(0)} ms, statuses ${JSON.stringify(result.statuses)}`,
  );
  return result;
}

// ---------------------------------------------------------------------------------------------
// in-process baseline

type Baseline = { images: number; seconds: number; totals: number[]; stages: Record<string, number[]>; threads: number; loadMs: number; models: string };

async function runBaseline(photos: Photo[]): Promise<Baseline> {
  const { createRecogniser, recogniserOptionsFromEnv } = await import('../packages/recognition/src');
  // the same variables the workers it is compared with read
  const options = recogniserOptionsFromEnv();
  const threads = options.threads ?? 1;
  const r = await createRecogniser(options);
  const stages: Record<string, number[]> = { decode: [], detect: [], read: [] };
  const totals: number[] = [];
  for (const p of photos) await r.recogniseWithTimings(p.bytes); // first sight of each size
  const n = Math.max(REQUESTS, photos.length);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const out = await r.recogniseWithTimings(photos[i % photos.length].bytes);
    totals.push(out.timings.total);
    for (const s of ['decode', 'detect', 'read'] as const) stages[s].push(out.timings[s]);
    if ((i + 1) % 20 === 0) log(`  in-process: ${i + 1}/${n}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const info = r.info;
  await r.close();
  return { images: n, seconds, totals, stages, threads, loadMs: info.loadMs, models: info.modelsDir };
}

// ---------------------------------------------------------------------------------------------
// report

function machine(): string {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} logical cores; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `- OS: ${os.type()} ${os.release()}; Node ${process.version}`,
    `- load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')} (1/5/15 min; anything else running on the machine shows here)`,
    `- date: ${new Date().toISOString()}`,
  ].join('\n');
}

const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));

function report(levels: LevelResult[], baseline: Baseline | null, system: System | null, photos: Photo[]): string {
  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push('Written by `pnpm bench` (scripts/bench.ts). Every number below comes from the run that wrote this file.', '');
  lines.push('## Machine', '', machine(), '');
  lines.push('## Setup', '');
  const sizes = new Map<string, number>();
  for (const p of photos) sizes.set(`${p.width}x${p.height}`, (sizes.get(`${p.width}x${p.height}`) ?? 0) + 1);
  lines.push(`- photos: ${photos.length} dev photos from ../shared/data/plates (${[...sizes].map(([s, n]) => `${n} x ${s}`).join(', ')}), cycled`);
  lines.push(`- ${REQUESTS} single requests per level; batch levels send ${BATCH} photos per request`);
  lines.push(
    system?.addWorker
      ? `- system started by the benchmark: private redis-server, gateway on ${system.database}, vehicle-lookup, inference workers as separate processes (INFERENCE_CONCURRENCY=${process.env.INFERENCE_CONCURRENCY || 1}, INFERENCE_THREADS=${process.env.INFERENCE_THREADS || 1})`
      : `- system: already running at ${args.url}`,
  );
  lines.push('- latency is end to end at the client: upload, validation, queue, recognition, lookup, answer', '');

  lines.push('## End to end over HTTP', '');
  lines.push('| mode | workers | concurrency | requests | images/s | p50 ms | p95 ms | p99 ms | statuses |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const l of levels) {
    lines.push(
      `| ${l.mode}${l.mode === 'batch' ? ` x${BATCH}` : ''} | ${l.workers || '?'} | ${l.concurrency} | ${l.requests} | ${f(l.images / l.seconds)} | ${f(q(l.latencies, 0.5), 0)} | ${f(q(l.latencies, 0.95), 0)} | ${f(q(l.latencies, 0.99), 0)} | ${Object.entries(l.statuses).map(([s, n]) => `${s}: ${n}`).join(', ')} |`,
    );
  }
  lines.push('');
  lines.push('## Where the time goes (mean ms per image, from the workers\' /metrics)', '');
  lines.push('| mode | workers | concurrency | queue wait | decode | detect | read | lookup | worker total (p50 of processing_time_ms) | end-to-end p50 |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const l of levels) {
    lines.push(
      `| ${l.mode} | ${l.workers || '?'} | ${l.concurrency} | ${f(l.stages.queueWait)} | ${f(l.stages.decode)} | ${f(l.stages.detect)} | ${f(l.stages.read)} | ${f(l.stages.lookup, 2)} | ${f(q(l.processingMs, 0.5))} | ${f(q(l.latencies, 0.5), 0)} |`,
    );
  }
  lines.push('');
  if (baseline) {
    const rate = baseline.images / baseline.seconds;
    lines.push('## Baseline: the recogniser in-process', '');
    lines.push(`One recogniser (${baseline.threads} thread(s), models from ${path.relative(ROOT, baseline.models) || baseline.models}, load+warm ${f(baseline.loadMs, 0)} ms), photos one after another, no HTTP, no queue.`, '');
    lines.push('| images | images/s | p50 ms | p95 ms | decode p50 | detect p50 | read p50 |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|');
    lines.push(`| ${baseline.images} | ${f(rate)} | ${f(q(baseline.totals, 0.5))} | ${f(q(baseline.totals, 0.95))} | ${f(q(baseline.stages.decode, 0.5))} | ${f(q(baseline.stages.detect, 0.5))} | ${f(q(baseline.stages.read, 0.5))} |`);
    lines.push('');
    const single1 = levels.filter((l) => l.mode === 'single' && l.workers <= 1);
    if (single1.length) {
      const best = Math.max(...single1.map((l) => l.images / l.seconds));
      const c1 = single1.find((l) => l.concurrency === 1);
      lines.push('## Against the targets', '');
      lines.push(`- best single-image throughput with one worker: ${f(best)} images/s = ${f((best / rate) * 100, 0)}% of in-process (target: at least 80%)`);
      if (c1) lines.push(`- warm end-to-end p50 at concurrency 1: ${f(q(c1.latencies, 0.5), 0)} ms (target: at most 120 ms for a 1280x720 photo)`);
      const errors = levels.reduce((n, l) => n + Object.entries(l.statuses).filter(([s]) => s === 'network' || Number(s) >= 500).reduce((a, [, c]) => a + c, 0), 0);
      lines.push(`- 5xx or network errors over all levels: ${errors} (target: none; overload may answer 429 or wait)`);
      const byWorkers = new Map<number, number>();
      for (const l of levels.filter((x) => x.mode === 'single')) byWorkers.set(l.workers, Math.max(byWorkers.get(l.workers) ?? 0, l.images / l.seconds));
      if (byWorkers.size > 1) lines.push(`- best single-image throughput by workers: ${[...byWorkers].map(([w, r]) => `${w}: ${f(r)} images/s`).join('; ')}`);
      lines.push('');
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const photos = loadPhotos(Number(args.limit));
  log(`${photos.length} photos; concurrency ${CONCURRENCY.join(',')}; ${args.url ? `system at ${args.url}` : `workers ${WORKERS.join(',')}`}`);
  let system: System;
  if (args.url) {
    if (!args.key) throw new Error('--url needs --key (an API key of that system)');
    system = { url: args.url.replace(/\/$/, ''), key: args.key, workerMetrics: [], lookupMetrics: [], database: 'unknown' };
  } else {
    log('starting redis, gateway, vehicle-lookup ...');
    system = await startSystem();
  }

  const levels: LevelResult[] = [];
  for (const workers of WORKERS) {
    while (system.addWorker && system.workerMetrics.length < workers) {
      log(`starting inference worker ${system.workerMetrics.length + 1} (loading and warming the models) ...`);
      await system.addWorker();
    }
    // warm the whole path (first upload of each size, connections, JIT) before measuring
    log(`warming up with ${Math.min(photos.length, 5)} requests ...`);
    for (let i = 0; i < Math.min(photos.length, 5); i++) await send(system, 'single', photos, i);
    for (const c of CONCURRENCY) levels.push(await runLevel(system, 'single', workers, c, photos));
    if (!args['no-batch']) for (const c of CONCURRENCY) levels.push(await runLevel(system, 'batch', workers, c, photos));
  }
  if (!args.url) {
    log('stopping the system ...');
    await stopAll();
  }

  let baseline: Baseline | null = null;
  if (!args['no-baseline']) {
    log('in-process baseline ...');
    baseline = await runBaseline(photos);
  }

  const text = report(levels, baseline, system, photos);
  process.stdout.write(`${text}\n`);
  if (!args['no-write']) {
    fs.mkdirSync(path.dirname(args.out!), { recursive: true });
    fs.writeFileSync(args.out!, `${text}\n`);
    log(`wrote ${path.relative(ROOT, args.out!)}`);
  }
}

process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
main().catch(async (err) => {
  log(String(err?.stack ?? err));
  await stopAll();
  process.exit(1);
});
