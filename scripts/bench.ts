// `pnpm bench`: measures the recogniser alone and the real system over HTTP with the dev photos, and
// writes docs/benchmarks.md (with the machine's load: on a shared machine, compare runs made together).
//
// Modes (--modes, comma-separated; default recogniser,e2e):
//   recogniser  the recogniser in-process on every photo of a set (--photos DIR, default the dev photos): per-stage
//               p50/p95, CPU per image, RSS
//   e2e         the system over HTTP: by default started here as `pnpm start` does (a private
//               redis-server, the gateway on an embedded PostgreSQL or $DATABASE_URL, vehicle-lookup, and
//               1 then 2 inference workers, each a separate process), single and batch requests at each
//               concurrency; CPU per image and RSS per process from /proc. With --url and --key it drives
//               a system that is already running instead (no worker comparison, no CPU/RSS)
//   soak        --soak-images (5000) single requests to one worker at --soak-concurrency (2); the
//               processes' RSS sampled along the way, to show memory growth
//
//   pnpm bench                                     recogniser + e2e (several minutes)
//   pnpm bench --modes recogniser --photos DIR     the recogniser alone on other photos
//   pnpm bench --modes soak                        the 5,000-image soak (about 6 minutes here)
//   pnpm bench --limit 5 --requests 10 --concurrency 1,2 --workers 1 --no-write   smoke run
//   pnpm bench --url http://127.0.0.1:3000 --key npr_live_... --modes e2e
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
    modes: { type: 'string', default: 'recogniser,e2e' },
    photos: { type: 'string' },
    'soak-images': { type: 'string', default: '5000' },
    'soak-concurrency': { type: 'string', default: '2' },
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
const MODES = new Set(args.modes!.split(',').map((m) => m.trim()));
for (const m of MODES) if (!['recogniser', 'e2e', 'soak'].includes(m)) throw new Error(`unknown mode ${m} (recogniser, e2e, soak)`);
const LOAD_AT_START = os.loadavg();

// ---------------------------------------------------------------------------------------------
// photos

type Photo = { file: string; bytes: Buffer; width: number; height: number };

/** Every JPEG/PNG/WebP under a folder (sizes read by the recogniser bench itself). */
function loadPhotoDir(dir: string, limit: number): Photo[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(jpe?g|png|webp)$/i.test(e.name)) files.push(p);
    }
  };
  walk(dir);
  return files.slice(0, limit).map((file) => ({ file, bytes: fs.readFileSync(file), width: 0, height: 0 }));
}

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
/** The system's processes by name, for their CPU time and RSS (/proc). */
const processes = new Map<string, ChildProcess>();
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
  processes.set(name, child);
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
// CPU time and memory of the system's processes, from /proc (Linux; elsewhere the columns stay empty)

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU seconds (user + system) and resident MiB of a process, or null when /proc cannot tell. */
function procStats(pid: number | undefined): { cpu: number; rssMb: number } | null {
  if (!pid) return null;
  try {
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return { cpu, rssMb: rssKb / 1024 };
  } catch {
    return null;
  }
}

/** Every system process' stats now, by name. */
function snapshot(): Map<string, { cpu: number; rssMb: number }> {
  const out = new Map<string, { cpu: number; rssMb: number }>();
  for (const [name, child] of processes) {
    const s = procStats(child.pid);
    if (s) out.set(name, s);
  }
  return out;
}

/** CPU ms per image between two snapshots, for the processes whose name starts with `prefix`. */
function cpuPerImage(before: Map<string, { cpu: number }>, after: Map<string, { cpu: number }>, prefix: string, images: number): number | null {
  let sum = 0;
  let any = false;
  for (const [name, a] of after) {
    if (!name.startsWith(prefix)) continue;
    any = true;
    sum += a.cpu - (before.get(name)?.cpu ?? a.cpu);
  }
  return any && images > 0 ? (sum * 1000) / images : null;
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
  /** the gateway's Server-Timing phases of each answer, ms (single requests: one image each) */
  phases: Record<string, number[]>;
  stages: Record<string, number | null>;
  /** CPU ms per image: all inference workers together, the gateway, everything the system runs */
  cpu: { workers: number | null; gateway: number | null; all: number | null };
  /** each inference worker's RSS at the end of the level, MiB */
  workerRssMb: number[];
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
  return { status: res.status, ms, processing: processing.filter((x): x is number => typeof x === 'number'), phases: parseServerTiming(res.headers.get('server-timing')) };
}

/** `auth;dur=2.1, enqueue;dur=1.4, ...` -> { auth: 2.1, enqueue: 1.4, ... } */
function parseServerTiming(header: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of (header ?? '').matchAll(/([\w-]+);dur=([\d.]+)/g)) out[m[1]] = Number(m[2]);
  return out;
}

/** `requests` requests from `concurrency` clients; `onDone` after each (the soak samples memory there). */
async function drive(system: System, mode: 'single' | 'batch', requests: number, concurrency: number, photos: Photo[], result: LevelResult, onDone?: (done: number) => void) {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        try {
          const r = await send(system, mode, photos, i);
          result.latencies.push(r.ms);
          result.statuses[r.status] = (result.statuses[r.status] ?? 0) + 1;
          result.processingMs.push(...r.processing);
          if (r.status === 200) for (const [name, ms] of Object.entries(r.phases)) (result.phases[name] ??= []).push(ms);
          if (r.status === 200 || r.status === 422) result.images += mode === 'single' ? 1 : BATCH;
        } catch {
          result.statuses.network = (result.statuses.network ?? 0) + 1;
        }
        onDone?.(++done);
      }
    }),
  );
}

function emptyLevel(mode: 'single' | 'batch', workers: number, concurrency: number, requests: number): LevelResult {
  return { mode, workers, concurrency, requests, images: 0, seconds: 0, latencies: [], statuses: {}, processingMs: [], phases: {}, stages: {}, cpu: { workers: null, gateway: null, all: null }, workerRssMb: [] };
}

async function runLevel(system: System, mode: 'single' | 'batch', workers: number, concurrency: number, photos: Photo[]): Promise<LevelResult> {
  const requests = mode === 'single' ? REQUESTS : Math.max(concurrency, Math.ceil(REQUESTS / BATCH));
  const before = await scrape([...system.workerMetrics, ...system.lookupMetrics]);
  const result = emptyLevel(mode, workers, concurrency, requests);
  const label = `${mode} workers=${workers || '?'} concurrency=${concurrency}`;
  let done = 0;
  const progress = setInterval(() => log(`  ${label}: ${done}/${requests}`), 5000);
  const cpuBefore = snapshot();
  const started = performance.now();
  await drive(system, mode, requests, concurrency, photos, result, (d) => (done = d));
  result.seconds = (performance.now() - started) / 1000;
  clearInterval(progress);
  const cpuAfter = snapshot();
  result.cpu = {
    workers: cpuPerImage(cpuBefore, cpuAfter, 'inference-worker', result.images),
    gateway: cpuPerImage(cpuBefore, cpuAfter, 'gateway', result.images),
    all: cpuPerImage(cpuBefore, cpuAfter, '', result.images),
  };
  result.workerRssMb = [...cpuAfter].filter(([n]) => n.startsWith('inference-worker')).map(([, s]) => s.rssMb);
  const after = await scrape([...system.workerMetrics, ...system.lookupMetrics]);
  for (const stage of ['decode', 'detect', 'read', 'lookup']) result.stages[stage] = meanMs(before, after, `stage:${stage}`);
  result.stages.queueWait = meanMs(before, after, 'wait:recognition');
  log(
    `${label}: ${(result.images / result.seconds).toFixed(1)} images/s, p50 ${q(result.latencies, 0.5).toFixed(0)} ms, p95 ${q(result.latencies, 0.95).toFixed(0)} ms, statuses ${JSON.stringify(result.statuses)}`,
  );
  return result;
}

// ---------------------------------------------------------------------------------------------
// soak: many images through one worker, memory sampled along the way

type Soak = { level: LevelResult; samples: Array<{ images: number; rss: Record<string, number> }> };

async function runSoak(system: System, photos: Photo[]): Promise<Soak> {
  const images = Number(args['soak-images']);
  const concurrency = Number(args['soak-concurrency']);
  const level = emptyLevel('single', system.workerMetrics.length, concurrency, images);
  const samples: Soak['samples'] = [];
  const sample = (n: number) => samples.push({ images: n, rss: Object.fromEntries([...snapshot()].map(([name, s]) => [name, s.rssMb])) });
  sample(0);
  const every = Math.max(1, Math.floor(images / 20));
  const cpuBefore = snapshot();
  const started = performance.now();
  await drive(system, 'single', images, concurrency, photos, level, (done) => {
    if (done % every === 0 || done === images) {
      sample(done);
      log(`  soak: ${done}/${images}, worker RSS ${f(samples.at(-1)!.rss['inference-worker 1'], 0)} MiB`);
    }
  });
  level.seconds = (performance.now() - started) / 1000;
  const cpuAfter = snapshot();
  level.cpu = { workers: cpuPerImage(cpuBefore, cpuAfter, 'inference-worker', level.images), gateway: cpuPerImage(cpuBefore, cpuAfter, 'gateway', level.images), all: cpuPerImage(cpuBefore, cpuAfter, '', level.images) };
  return { level, samples };
}

// ---------------------------------------------------------------------------------------------
// the recogniser alone, in-process

type RecogniserRun = {
  photos: number;
  images: number;
  seconds: number;
  stages: Record<'decode' | 'detect' | 'read' | 'total', number[]>;
  cpuMsPerImage: number;
  rssMb: number;
  threads: number;
  loadMs: number;
  models: string;
  source: string;
};

async function runRecogniser(photos: Photo[], source: string): Promise<RecogniserRun> {
  const { createRecogniser, recogniserOptionsFromEnv } = await import('../packages/recognition/src');
  // the same variables the workers read
  const options = recogniserOptionsFromEnv();
  const r = await createRecogniser(options);
  const stages: RecogniserRun['stages'] = { decode: [], detect: [], read: [], total: [] };
  for (const p of photos) await r.recogniseWithTimings(p.bytes).catch(() => null); // first sight of each size
  const n = Math.max(REQUESTS, photos.length);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const out = await r.recogniseWithTimings(photos[i % photos.length].bytes).catch(() => null);
    if (out) for (const s of ['decode', 'detect', 'read', 'total'] as const) stages[s].push(out.timings[s]);
    if ((i + 1) % 50 === 0) log(`  recogniser: ${i + 1}/${n}`);
  }
  const seconds = (performance.now() - started) / 1000;
  // process-wide: the decoding threads' CPU is in it too
  const cpu = process.cpuUsage(cpu0);
  const info = r.info;
  await r.close();
  return { photos: photos.length, images: n, seconds, stages, cpuMsPerImage: (cpu.user + cpu.system) / 1000 / n, rssMb: process.memoryUsage().rss / 2 ** 20, threads: info.threads, loadMs: info.loadMs, models: info.modelsDir, source };
}

// ---------------------------------------------------------------------------------------------
// report

const loadLine = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');

function machine(): string {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} logical cores; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `- OS: ${os.type()} ${os.release()}; Node ${process.version}`,
    `- load average (1/5/15 min) at the start: ${loadLine(LOAD_AT_START)}; at the end: ${loadLine(os.loadavg())} (on ${cpus.length} cores: anything else running on the machine shows here, and numbers from different loads do not compare)`,
    `- date: ${new Date().toISOString()}`,
  ].join('\n');
}

const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));

function report(levels: LevelResult[], rec: RecogniserRun | null, soak: Soak | null, system: System | null, photos: Photo[]): string {
  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push('Written by `pnpm bench` (scripts/bench.ts). Every number below comes from the run that wrote this file.', '');
  lines.push('## Machine', '', machine(), '');

  if (rec) {
    const st = rec.stages;
    lines.push('## The recogniser alone (in-process)', '');
    lines.push(
      `One recogniser (${rec.threads} inference thread(s), models from ${path.relative(ROOT, rec.models) || rec.models}, load+warm ${f(rec.loadMs, 0)} ms) on ${rec.photos} photos (${rec.source}), ${rec.images} recognitions one after another after one warm-up pass; no HTTP, no queue. CPU is the process' user+system time per image (decoding threads included); RSS at the end.`,
      '',
    );
    lines.push('| images/s | total p50 | total p95 | decode p50 / p95 | detect p50 / p95 | read p50 / p95 | CPU ms/image | RSS MiB |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
    lines.push(
      `| ${f(rec.images / rec.seconds)} | ${f(q(st.total, 0.5))} | ${f(q(st.total, 0.95))} | ${f(q(st.decode, 0.5))} / ${f(q(st.decode, 0.95))} | ${f(q(st.detect, 0.5))} / ${f(q(st.detect, 0.95))} | ${f(q(st.read, 0.5))} / ${f(q(st.read, 0.95))} | ${f(rec.cpuMsPerImage)} | ${f(rec.rssMb, 0)} |`,
    );
    lines.push('');
  }

  if (levels.length) {
    lines.push('## End to end over HTTP', '');
    const sizes = new Map<string, number>();
    for (const p of photos) sizes.set(`${p.width}x${p.height}`, (sizes.get(`${p.width}x${p.height}`) ?? 0) + 1);
    lines.push(`- photos: ${photos.length} dev photos from ../shared/data/plates (${[...sizes].map(([s, n]) => `${n} x ${s}`).join(', ')}), cycled`);
    lines.push(`- ${REQUESTS} single requests per level; batch levels send ${BATCH} photos per request`);
    lines.push(
      system?.addWorker
        ? `- system started by the benchmark: private redis-server, gateway on ${system.database}, vehicle-lookup, inference workers as separate processes (INFERENCE_CONCURRENCY=${process.env.INFERENCE_CONCURRENCY || 1}, INFERENCE_THREADS=${process.env.INFERENCE_THREADS || 1})`
        : `- system: already running at ${args.url}`,
    );
    lines.push('- latency is end to end at the client: upload, validation, queue, recognition, lookup, answer; images/s counts 200 and 422 answers');
    lines.push('- CPU ms per image from /proc: the inference workers together, the gateway, and every process the benchmark started (Redis and vehicle-lookup included; an embedded database runs inside the benchmark itself and is not counted); RSS of each worker at the end of the level', '');
    lines.push('| mode | workers | concurrency | requests | images/s | p50 ms | p95 ms | p99 ms | CPU ms/image workers / gateway / all | worker RSS MiB | statuses |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const l of levels) {
      lines.push(
        `| ${l.mode}${l.mode === 'batch' ? ` x${BATCH}` : ''} | ${l.workers || '?'} | ${l.concurrency} | ${l.requests} | ${f(l.images / l.seconds)} | ${f(q(l.latencies, 0.5), 0)} | ${f(q(l.latencies, 0.95), 0)} | ${f(q(l.latencies, 0.99), 0)} | ${f(l.cpu.workers, 0)} / ${f(l.cpu.gateway, 0)} / ${f(l.cpu.all, 0)} | ${l.workerRssMb.map((r) => f(r, 0)).join(', ') || '–'} | ${Object.entries(l.statuses).map(([s, n]) => `${s}: ${n}`).join(', ')} |`,
      );
    }
    lines.push('');
    lines.push("## Where the time goes (mean ms per image, from the workers' /metrics)", '');
    lines.push('| mode | workers | concurrency | queue wait | decode | detect | read | lookup | worker p50 (processing_time_ms) | end-to-end p50 |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const l of levels) {
      lines.push(
        `| ${l.mode} | ${l.workers || '?'} | ${l.concurrency} | ${f(l.stages.queueWait)} | ${f(l.stages.decode)} | ${f(l.stages.detect)} | ${f(l.stages.read)} | ${f(l.stages.lookup, 2)} | ${f(q(l.processingMs, 0.5))} | ${f(q(l.latencies, 0.5), 0)} |`,
      );
    }
    lines.push('');
    lines.push("## Where the gateway's time goes (p50 ms per answer with status 200, from its Server-Timing header)", '');
    lines.push(
      '`recognition` is the wait from the queued flow to its answer (queue, inference worker, vehicle lookup and the hops between them); `worker` is the answers\' own processing_time_ms; `rest` is the client\'s latency minus the gateway\'s `total` (HTTP on both sides). Single requests only.',
      '',
    );
    const PHASES = ['auth', 'upload', 'rate', 'validate', 'enqueue', 'recognition', 'bill', 'total'];
    lines.push(`| workers | concurrency | ${PHASES.join(' | ')} | worker | recognition - worker | client p50 | rest |`);
    lines.push(`|---:|---:|${PHASES.map(() => '---:').join('|')}|---:|---:|---:|---:|`);
    for (const l of levels.filter((l) => l.mode === 'single' && l.phases.total?.length)) {
      const p50 = (name: string) => q(l.phases[name] ?? [], 0.5);
      const worker = q(l.processingMs, 0.5);
      lines.push(
        `| ${l.workers || '?'} | ${l.concurrency} | ${PHASES.map((name) => f(p50(name))).join(' | ')} | ${f(worker)} | ${f(p50('recognition') - worker)} | ${f(q(l.latencies, 0.5))} | ${f(q(l.latencies, 0.5) - p50('total'))} |`,
      );
    }
    lines.push('');
  }

  if (soak) {
    const { level, samples } = soak;
    const names = Object.keys(samples[0]?.rss ?? {});
    lines.push('## Soak', '');
    lines.push(
      `${level.requests} single requests at concurrency ${level.concurrency} to ${level.workers} worker(s): ${f(level.images / level.seconds)} images/s, p50 ${f(q(level.latencies, 0.5), 0)} ms, p95 ${f(q(level.latencies, 0.95), 0)} ms, CPU ${f(level.cpu.workers, 0)} ms/image in the worker, statuses ${Object.entries(level.statuses).map(([s, n]) => `${s}: ${n}`).join(', ')}.`,
      '',
    );
    const mid = samples[Math.floor(samples.length / 2)];
    const last = samples.at(-1);
    lines.push('| process | RSS MiB at start | after 10% | at half | at the end | max | end - half |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|');
    const tenth = samples.find((s) => s.images >= level.requests / 10) ?? samples[0];
    for (const name of names) {
      const max = Math.max(...samples.map((s) => s.rss[name] ?? 0));
      lines.push(`| ${name} | ${f(samples[0].rss[name], 0)} | ${f(tenth?.rss[name], 0)} | ${f(mid?.rss[name], 0)} | ${f(last?.rss[name], 0)} | ${f(max, 0)} | ${f((last?.rss[name] ?? NaN) - (mid?.rss[name] ?? NaN), 0)} |`);
    }
    lines.push('', `RSS of ${names.join(', ')} every ${samples[1]?.images ?? '?'} images: ${names.map((n) => `${n}: ${samples.map((s) => f(s.rss[n], 0)).join(' ')}`).join('; ')}`, '');
  }

  lines.push('## Against the targets (issue #20)', '');
  if (rec) lines.push(`- recogniser alone: p50 ${f(q(rec.stages.total, 0.5))} ms (target <= 25), p95 ${f(q(rec.stages.total, 0.95))} ms (target <= 70), one inference thread`);
  const at = (mode: string, workers: number, c: number) => levels.find((l) => l.mode === mode && l.workers === workers && l.concurrency === c);
  const single1 = at('single', 1, 1);
  if (single1) lines.push(`- end to end at concurrency 1, one worker: p50 ${f(q(single1.latencies, 0.5), 0)} ms against the worker's own p50 ${f(q(single1.processingMs, 0.5))} ms: +${f(q(single1.latencies, 0.5) - q(single1.processingMs, 0.5), 0)} ms (target: at most +10)`);
  const b1 = at('batch', 1, 1);
  const b2 = at('batch', 2, 1);
  if (b1 && b2) lines.push(`- batch of ${BATCH} at concurrency 1: p50 ${f(q(b2.latencies, 0.5), 0)} ms with two workers, ${f(q(b1.latencies, 0.5), 0)} ms with one: ${f(q(b2.latencies, 0.5) / q(b1.latencies, 0.5), 2)}x (target <= 0.6x)`);
  const best = (w: number) => Math.max(...levels.filter((l) => l.mode === 'single' && l.workers === w).map((l) => l.images / l.seconds));
  if (levels.some((l) => l.workers === 2) && levels.some((l) => l.workers === 1)) lines.push(`- best single-image throughput: ${f(best(1))} images/s with one worker, ${f(best(2))} with two: ${f(best(2) / best(1), 2)}x (target >= 1.7x)`);
  const errors = levels.reduce((n, l) => n + Object.entries(l.statuses).filter(([s]) => s === 'network' || Number(s) >= 500).reduce((a, [, c]) => a + c, 0), 0);
  if (levels.length) lines.push(`- 5xx or network errors over all levels: ${errors}`);
  if (soak) {
    const w = 'inference-worker 1';
    const s = soak.samples;
    lines.push(`- soak: worker RSS ${f(s[0]?.rss[w], 0)} MiB at the start, ${f(s[Math.floor(s.length / 2)]?.rss[w], 0)} at half, ${f(s.at(-1)?.rss[w], 0)} at the end of ${soak.level.requests} images (target: no growth)`);
  }
  lines.push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const photos = loadPhotos(Number(args.limit));
  let rec: RecogniserRun | null = null;
  if (MODES.has('recogniser')) {
    // every photo of the set (not --limit, which sizes the HTTP levels): the recogniser alone is quick
    const set = args.photos ? loadPhotoDir(args.photos, Infinity) : loadPhotos(Infinity);
    log(`recogniser alone on ${set.length} photos ...`);
    rec = await runRecogniser(set, args.photos ? `every photo under ${args.photos}` : 'every dev photo');
  }

  const levels: LevelResult[] = [];
  let soak: Soak | null = null;
  let system: System | null = null;
  if (MODES.has('e2e') || MODES.has('soak')) {
    log(`${photos.length} photos; concurrency ${CONCURRENCY.join(',')}; ${args.url ? `system at ${args.url}` : `workers ${WORKERS.join(',')}`}`);
    if (args.url) {
      if (!args.key) throw new Error('--url needs --key (an API key of that system)');
      system = { url: args.url.replace(/\/$/, ''), key: args.key, workerMetrics: [], lookupMetrics: [], database: 'unknown' };
    } else {
      log('starting redis, gateway, vehicle-lookup ...');
      system = await startSystem();
    }
    const ensureWorkers = async (workers: number) => {
      while (system!.addWorker && system!.workerMetrics.length < workers) {
        log(`starting inference worker ${system!.workerMetrics.length + 1} (loading and warming the models) ...`);
        await system!.addWorker();
      }
      // warm the whole path (first upload of each size, connections, JIT) before measuring
      log(`warming up with ${Math.min(photos.length, 5)} requests ...`);
      for (let i = 0; i < Math.min(photos.length, 5); i++) await send(system!, 'single', photos, i);
    };
    if (MODES.has('soak')) {
      // one worker, before any second one starts
      await ensureWorkers(1);
      log(`soak: ${args['soak-images']} images ...`);
      soak = await runSoak(system, photos);
    }
    if (MODES.has('e2e')) {
      for (const workers of WORKERS) {
        await ensureWorkers(workers);
        for (const c of CONCURRENCY) levels.push(await runLevel(system, 'single', workers, c, photos));
        if (!args['no-batch']) for (const c of CONCURRENCY) levels.push(await runLevel(system, 'batch', workers, c, photos));
      }
    }
    if (!args.url) {
      log('stopping the system ...');
      await stopAll();
    }
  }

  const text = report(levels, rec, soak, system, photos);
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
