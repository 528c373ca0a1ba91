// `pnpm chaos`: the reliability probes. Starts the system on 127.0.0.1 (its own redis-server, the
// gateway, vehicle-lookup and two inference workers with the real models, each a process; a fresh
// database on the test PostgreSQL), then, each bounded in count and time:
//   kills      kill -9 inference workers mid-job (a new one is started each time): jobs lost, recovery
//   redis      stop Redis while clients keep sending, start it again: statuses, answer times, jobs lost
//   redis-kill the same with kill -9 of Redis (full run only)
//   hostile    a generated corpus of malformed and hostile uploads and raw HTTP: 500s, crashes
//   ratelimit  200 concurrent requests on one free key: exactly 60 let through?
//   memory     concurrent 200 MB batches from free keys: gateway and Redis peak RSS, answers
//   slow       slow headers, a trickled body, many connections from one IP
// and prints a table of figures. It only ever talks to 127.0.0.1.
//
//   pnpm chaos                      the full run (about 10 minutes)
//   pnpm chaos --short --json       the CI version (a few kills, one Redis restart, 300 hostile inputs)
//   pnpm chaos --port 3500 --redis-port 3590
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApiKeyForEmail, setAccountPlan } from '@npr/db';
import { DEV_PLATES_DIR, HAS_DEV_PHOTOS, createTestDatabase, devLabels, solidImage } from '@npr/test-support';
import { buildHostileCorpus, type HostileInput } from './chaos-corpus';

const ROOT = path.join(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    port: { type: 'string', default: '3500' },
    'redis-port': { type: 'string', default: '3590' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').filter((l) => l.startsWith('//')).join('\n') + '\n');
  process.exit(0);
}
const SHORT = args.short!;
const PORT = Number(args.port);
const REDIS_PORT = Number(args['redis-port']);
const BASE = `http://127.0.0.1:${PORT}`;
const only = args.only ? new Set(args.only.split(',')) : null;
const COUNTS = SHORT
  ? { kills: 3, killJobs: 16, redisDownMs: 5000, hostile: 300, memoryBatches: 0, slow: false }
  : { kills: 20, killJobs: 80, redisDownMs: 20_000, hostile: 1200, memoryBatches: 20, slow: true };
// the slow-client probe needs a bound it can wait for; the product default is documented in .env.example
const REQUEST_TIMEOUT_MS = 20_000;
const MAX_CONNECTIONS_PER_IP = 250;

const progress = (line: string) => process.stderr.write(`[chaos] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (values: number[], p: number) => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

// ---------------------------------------------------------------------------------------------
// the system under test

type Proc = { name: string; child: ChildProcess; output: string[]; killed?: boolean };
const procs: Proc[] = [];
let tmp = '';

function startProcess(name: string, command: string, argv: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: Proc = { name, child, output: [] };
  const keep = (chunk: Buffer) => {
    proc.output.push(chunk.toString());
    if (proc.output.length > 200) proc.output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  procs.push(proc);
  return proc;
}

const alive = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
    s.on('error', () => resolve(false));
  });

let redis: Proc;
async function startRedis() {
  // the same persistence settings as `pnpm start`'s private Redis
  redis = startProcess('redis', 'redis-server', [
    '--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--dir', path.join(tmp, 'redis'),
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction',
  ], process.env);
  await waitFor(() => portOpen(REDIS_PORT), 10_000, 'redis-server listening');
}

let serviceEnv: NodeJS.ProcessEnv;
const workers: Proc[] = [];
let gateway: Proc;
let lookup: Proc;

function startWorker(): Proc {
  // info: its "taking jobs" line says when it is ready
  const w = startProcess(`inference-worker-${workers.length + 1}`, process.execPath, ['--import', 'tsx', 'services/inference-worker/src/main.ts'], { ...serviceEnv, INFERENCE_HEALTH_PORT: '0', LOG_LEVEL: 'info' });
  workers.push(w);
  return w;
}
const liveWorkers = () => workers.filter(alive);
const workerReady = (w: Proc) => w.output.join('').includes('inference-worker taking jobs');

// ---------------------------------------------------------------------------------------------
// HTTP helpers (only 127.0.0.1)

type Answer = { status: number; body: any; headers: Headers; ms: number };
async function call(pathname: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(`${BASE}${pathname}`, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 60_000) });
    const text = await res.text();
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = { raw: text.slice(0, 200) };
    }
    return { status: res.status, body, headers: res.headers, ms: Date.now() - started };
  } catch (err) {
    // no answer at all: a timeout or a reset connection
    return { status: 0, body: { error: String((err as Error).cause ?? err) }, headers: new Headers(), ms: Date.now() - started };
  }
}

function uploadForm(bytes: Buffer, field = 'upload', extra: Record<string, string> = {}) {
  const form = new FormData();
  form.append(field, new Blob([bytes]), 'car.jpg');
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  return form;
}

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

async function submit(key: string, bytes: Buffer, options: { async?: boolean; timeoutMs?: number } = {}) {
  return call(`/api/v1/recognise${options.async ? '?async=true' : ''}`, { method: 'POST', headers: bearer(key), body: uploadForm(bytes), timeoutMs: options.timeoutMs });
}

/** Polls a job until it is finished; null when it is unknown (lost) or still pending at the deadline. */
async function finalState(key: string, jobId: string, deadline: number): Promise<Answer | null> {
  for (;;) {
    const res = await call(`/api/v1/jobs/${jobId}`, { headers: bearer(key), timeoutMs: 10_000 });
    if (res.status === 404) return null;
    if (res.body?.status === 'completed' || res.body?.status === 'failed') return res;
    if (Date.now() > deadline) return null;
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// probes

type Row = [string, string | number];
const table: { probe: string; rows: Row[] }[] = [];
const failures: string[] = [];
const figures: Record<string, unknown> = {};

let photos: Buffer[] = [];
let bigKey = '';
const freeKeys: string[] = [];

/** Answers a user would accept as the job's real outcome (the recogniser's reading or its 4xx verdict). */
const realAnswer = (a: Answer | null) => !!a && a.status > 0 && a.status < 500 && a.body?.error?.code !== 'IMAGE_CRASHED_WORKER';

async function probeKills() {
  progress(`kills: ${COUNTS.kills} kill -9 of inference workers over ${COUNTS.killJobs} jobs`);
  const jobs: { id: string; submittedAt: number }[] = [];
  const syncAnswers: Promise<Answer>[] = [];
  const recoveries: number[] = [];
  let kills = 0;
  let submitted = 0;
  // feed jobs steadily so that there is always work in hand to be killed in the middle of
  const feeder = (async () => {
    // at least killJobs, and on until every kill has had a job to interrupt (bounded)
    while ((submitted < COUNTS.killJobs || kills < COUNTS.kills) && submitted < COUNTS.killJobs * 10) {
      const bytes = photos[submitted % photos.length]!;
      // every fourth is synchronous: its caller must still get a 200/422, not a 202 or a 500
      if (submitted % 4 === 3) syncAnswers.push(submit(bigKey, bytes));
      else {
        const res = await submit(bigKey, bytes, { async: true });
        if (res.status === 202) jobs.push({ id: res.body.job_id, submittedAt: Date.now() });
        else failures.push(`kills: submit answered ${res.status}`);
      }
      submitted++;
      // faster while the first killJobs go in, then just enough to keep a job in hand for each kill
      await sleep(submitted < COUNTS.killJobs ? 150 : 600);
    }
  })();
  while (kills < COUNTS.kills) {
    // a worker in the middle of a job: its log line says so (observeWorkerJobs / the job's start)
    const busy = await activeJobs();
    if (busy.length === 0) {
      if (submitted >= COUNTS.killJobs * 10) break;
      await sleep(50);
      continue;
    }
    const victim = liveWorkers()[kills % 2] ?? liveWorkers()[0]!;
    const killedAt = Date.now();
    victim.killed = true;
    victim.child.kill('SIGKILL');
    kills++;
    // a replacement, as an orchestrator would start one
    const replacement = startWorker();
    const pending = new Set(busy);
    // recovery: until every job that was in hand when the worker died has finished
    const deadline = killedAt + 60_000;
    while (pending.size && Date.now() < deadline) {
      for (const id of [...pending]) if (await jobFinished(id)) pending.delete(id);
      await sleep(100);
    }
    recoveries.push(Date.now() - killedAt);
    progress(`kills: ${kills}/${COUNTS.kills}, recovered in ${Date.now() - killedAt} ms${pending.size ? ` (${pending.size} still pending)` : ''}`);
    await waitFor(() => workerReady(replacement), 60_000, 'replacement worker ready');
  }
  await feeder;
  const deadline = Date.now() + 120_000;
  const finals = await Promise.all(jobs.map((j) => finalState(bigKey, j.id, deadline)));
  const syncs = await Promise.all(syncAnswers);
  const lost = finals.filter((f) => !f).length;
  const wrong = finals.filter((f) => f && !realAnswer(f)).length;
  const syncNot200 = syncs.filter((s) => !(s.status === 200 || s.status === 422)).length;
  const p50 = percentile(recoveries, 50);
  const p95 = percentile(recoveries, 95);
  table.push({
    probe: 'worker kills (kill -9 mid-job)',
    rows: [
      ['workers killed', kills],
      ['jobs submitted (async + sync)', `${jobs.length} + ${syncs.length}`],
      ['jobs completed with their real answer', finals.filter(realAnswer).length + syncs.filter(realAnswer).length],
      ['jobs lost', lost],
      ['jobs ended in an error of ours (5xx / IMAGE_CRASHED_WORKER)', wrong],
      ['sync calls not answered 200/422', `${syncNot200} (${syncs.map((s) => s.status).filter((s) => s !== 200 && s !== 422).join(', ') || 'none'})`],
      ['recovery after a kill, p50 / p95 / max (ms)', `${p50} / ${p95} / ${Math.max(...recoveries)}`],
    ],
  });
  figures.kills = { kills, lost, wrong, syncNot200, recoveryP50: p50, recoveryP95: p95 };
  if (lost) failures.push(`kills: ${lost} jobs lost`);
  if (wrong) failures.push(`kills: ${wrong} jobs ended in an error of ours`);
  if (syncNot200) failures.push(`kills: ${syncNot200} synchronous calls not answered 200/422`);
  if (!SHORT && p95 > 10_000) failures.push(`kills: recovery p95 ${p95} ms > 10 s`);
}

// BullMQ's active list, read straight from Redis (the chaos script's own view, not the product's)
async function activeJobs(): Promise<string[]> {
  const ids = await redisCommand(['LRANGE', 'npr:recognition:active', '0', '-1']);
  return (ids as string[]).map((id) => id.replace(/-rec$/, ''));
}
async function jobFinished(flowId: string): Promise<boolean> {
  const state = await redisCommand(['HGET', `npr:vehicle-lookup:${flowId}`, 'finishedOn']);
  return state !== null;
}

/** One Redis command over a plain socket (RESP), so the probes never share the product's clients. */
function redisCommand(argv: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(REDIS_PORT, '127.0.0.1');
    let data = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const parsed = parseResp(data, 0);
      if (parsed) {
        socket.end();
        resolve(parsed.value);
      }
    });
    socket.write(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}
function parseResp(buf: Buffer, at: number): { value: unknown; next: number } | null {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return null;
  const line = buf.toString('utf8', at + 1, eol);
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return { value: line, next: eol + 2 };
    case '-':
      return { value: new Error(line), next: eol + 2 };
    case ':':
      return { value: Number(line), next: eol + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, next: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return null;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + n), next: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, next: eol + 2 };
      const out: unknown[] = [];
      let next = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parseResp(buf, next);
        if (!item) return null;
        out.push(item.value);
        next = item.next;
      }
      return { value: out, next };
    }
  }
  return null;
}

/**
 * Redis gone while clients keep sending: stopped gracefully (SIGTERM: it writes its AOF, as a restart or
 * failover would) or killed outright (SIGKILL: only what it had written to the AOF survives; every
 * write reaches the file before its reply, fsync is each second, so only a machine crash loses any).
 */
async function probeRedis(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') {
  const how = signal === 'SIGTERM' ? 'stopped' : 'killed (SIGKILL)';
  const name = signal === 'SIGTERM' ? 'redis' : 'redis-kill';
  progress(`${name}: Redis ${how} for ${COUNTS.redisDownMs} ms while clients keep sending`);
  const accepted: string[] = [];
  const byPhase: Record<'before' | 'down' | 'after', Map<number, number>> = { before: new Map(), down: new Map(), after: new Map() };
  const slowestDown: number[] = [];
  const readyz: Record<string, number[]> = { down: [], after: [] };
  let phase: 'before' | 'down' | 'after' = 'before';
  let stop = false;
  const clients = Array.from({ length: 4 }, async (_, c) => {
    let i = 0;
    while (!stop) {
      const sent = phase;
      const res = await submit(bigKey, photos[i++ % photos.length]!, { async: c % 2 === 0, timeoutMs: 30_000 });
      const counts = byPhase[sent];
      counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
      if (sent === 'down' && phase === 'down') slowestDown.push(res.ms);
      // a 202 is a promise to finish the job; 200/422 answers are already whole
      if (res.status === 202) accepted.push(res.body.job_id);
      await sleep(100);
    }
  });
  await sleep(3000);
  phase = 'down';
  redis.child.kill(signal);
  await new Promise((r) => redis.child.once('exit', r));
  const downUntil = Date.now() + COUNTS.redisDownMs;
  while (Date.now() < downUntil) {
    readyz.down.push((await call('/readyz', { timeoutMs: 5000 })).status);
    await sleep(500);
  }
  await startRedis();
  const backAt = Date.now();
  phase = 'after';
  // recovered: the first 2xx after Redis is back
  let recoveredMs = NaN;
  await waitFor(async () => {
    const ok = (await call('/readyz', { timeoutMs: 5000 })).status === 200;
    if (ok && Number.isNaN(recoveredMs)) recoveredMs = Date.now() - backAt;
    return ok;
  }, 30_000, 'ready after Redis returned');
  await sleep(3000);
  stop = true;
  await Promise.all(clients);
  const deadline = Date.now() + 120_000;
  const finals = await Promise.all(accepted.map((id) => finalState(bigKey, id, deadline)));
  const lost = finals.filter((f) => !f).length;
  const fmt = (m: Map<number, number>) => [...m].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ') || '-';
  const maxDown = slowestDown.length ? Math.max(...slowestDown) : NaN;
  const down500 = (byPhase.down.get(500) ?? 0) + (byPhase.before.get(500) ?? 0) + (byPhase.after.get(500) ?? 0);
  const noAnswer = (byPhase.down.get(0) ?? 0) + (byPhase.after.get(0) ?? 0);
  table.push({
    probe: `Redis ${how} for ${COUNTS.redisDownMs / 1000} s under load`,
    rows: [
      ['statuses before', fmt(byPhase.before)],
      ['statuses while down', fmt(byPhase.down)],
      ['statuses after', fmt(byPhase.after)],
      ['slowest answer while down (ms)', maxDown],
      ['/readyz while down', [...new Set(readyz.down)].join(', ')],
      ['ready again after Redis returned (ms)', recoveredMs],
      ['jobs accepted with 202 (to finish later)', accepted.length],
      ['accepted jobs lost', lost],
    ],
  });
  figures[name] = { lost, maxDownMs: maxDown, statuses500: down500, noAnswer, readyzDown: readyz.down, recoveredMs };
  if (lost) failures.push(`${name}: ${lost} accepted jobs lost`);
  if (down500) failures.push(`${name}: ${down500} answers were 500`);
  if (noAnswer) failures.push(`${name}: ${noAnswer} requests got no answer`);
  if (maxDown > 2000) failures.push(`${name}: an answer while Redis was down took ${maxDown} ms`);
  if (readyz.down.some((s) => s === 200)) failures.push(`${name}: /readyz said ready while Redis was down`);
}

async function probeHostile() {
  const corpus: HostileInput[] = await buildHostileCorpus(COUNTS.hostile, photos[0]!);
  progress(`hostile: ${corpus.length} generated inputs`);
  const statuses = new Map<number, number>();
  const notJson: string[] = [];
  const fives: string[] = [];
  let done = 0;
  // a few at a time, as several clients would
  const queue = [...corpus];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let input = queue.shift(); input; input = queue.shift()) {
        const res = input.raw
          ? await rawRequest(input.raw)
          : await call(input.path ?? '/api/v1/recognise?async=true', {
              method: input.body === undefined ? 'GET' : 'POST',
              headers: { ...bearer(bigKey), ...(input.headers ?? {}) },
              body: input.body as RequestInit['body'],
              timeoutMs: 30_000,
            });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500 || res.status === 0) fives.push(`${input.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
        if (res.status > 0 && (res.body?.success !== false && res.body?.success !== true)) notJson.push(`${input.name}: ${res.status}`);
        if (++done % 100 === 0) progress(`hostile: ${done}/${corpus.length}`);
      }
    }),
  );
  const crashed = [gateway, lookup, ...workers.filter((w) => !w.killed)].filter((p) => !alive(p)).length;
  table.push({
    probe: `hostile corpus (${corpus.length} inputs)`,
    rows: [
      ['statuses', [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ')],
      ['5xx or no answer', fives.length],
      ['answers not in the JSON shape', notJson.length],
      ['processes crashed', crashed],
    ],
  });
  figures.hostile = { inputs: corpus.length, fives: fives.length, notJson: notJson.length, crashed };
  if (fives.length) failures.push(`hostile: ${fives.length} 5xx/no answer, e.g. ${fives.slice(0, 3).join('; ')}`);
  if (notJson.length) failures.push(`hostile: ${notJson.length} answers not JSON, e.g. ${notJson.slice(0, 3).join('; ')}`);
  if (crashed) failures.push(`hostile: ${crashed} processes crashed`);
}

/** Sends raw bytes as an HTTP request and reads the answer (status and JSON body) until the server closes. */
function rawRequest(bytes: Buffer, timeoutMs = 20_000): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(PORT, '127.0.0.1', () => socket.end(bytes));
    let data = '';
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (c) => (data += c.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      let body: any = null;
      try {
        body = JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4));
      } catch {
        body = { raw: data.slice(0, 120) };
      }
      resolve({ status, body, headers: new Headers(), ms: Date.now() - started });
    });
  });
}

async function probeRateLimit() {
  progress('ratelimit: 200 concurrent requests on one free key');
  const key = freeKeys[0]!;
  // bytes that are no image: charged (one point each) and refused by validation without a worker
  const junk = Buffer.from('not an image at all');
  const answers = await Promise.all(Array.from({ length: 200 }, () => call('/api/v1/recognise', { method: 'POST', headers: bearer(key), body: uploadForm(junk) })));
  const through = answers.filter((a) => a.status !== 429 && a.status > 0);
  const remaining = through.map((a) => Number(a.headers.get('x-ratelimit-remaining'))).sort((a, b) => a - b);
  const distinct = new Set(remaining).size === remaining.length;
  const fives = answers.filter((a) => a.status >= 500 || a.status === 0).length;
  table.push({
    probe: 'rate limit, 200 concurrent requests, one free key (60/min)',
    rows: [
      ['let through / refused 429', `${through.length} / ${answers.filter((a) => a.status === 429).length}`],
      ['X-RateLimit-Remaining of those let through', `${remaining[0]}..${remaining[remaining.length - 1]}, ${distinct ? 'each once' : 'repeats'}`],
      ['5xx or no answer', fives],
    ],
  });
  figures.ratelimit = { through: through.length, distinct, fives };
  if (through.length !== 60 || !distinct) failures.push(`ratelimit: ${through.length} let through (want exactly 60, each remaining once)`);
  if (fives) failures.push(`ratelimit: ${fives} 5xx/no answer`);
}

const currentRss = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return NaN;
  }
};

/** Streams a multipart batch of `files` copies of `file` (never holding the whole body in memory). */
function streamBatch(key: string, file: Buffer, files: number): Promise<Answer> {
  const started = Date.now();
  const boundary = `chaos${Math.random().toString(16).slice(2)}`;
  const head = (i: number) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="images[]"; filename="p${i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const tail = Buffer.from(`--${boundary}--\r\n`);
  const length = Array.from({ length: files }, (_, i) => head(i).length + file.length + 2).reduce((a, b) => a + b, 0) + tail.length;
  return new Promise((resolve) => {
    const req = http.request(`${BASE}/api/v1/batch`, {
      method: 'POST',
      headers: { ...bearer(key), 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': length },
    });
    let i = 0;
    const pump = () => {
      while (i < files) {
        req.write(head(i));
        req.write(file);
        const ok = req.write('\r\n');
        i++;
        if (!ok) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let body: any = null;
        try {
          body = JSON.parse(text);
        } catch {
          body = { raw: text.slice(0, 100) };
        }
        resolve({ status: res.statusCode ?? 0, body, headers: new Headers(), ms: Date.now() - started });
      });
    });
    // the server may answer (and close) before the whole body is sent: the answer is what counts
    req.on('error', () => resolve({ status: 0, body: null, headers: new Headers(), ms: Date.now() - started }));
    pump();
  });
}

async function probeMemory() {
  const n = COUNTS.memoryBatches;
  progress(`memory: ${n} concurrent batches of 20 x 10 MB from ${n} free keys`);
  // a photo of almost 10 MB (the largest accepted): noise, which JPEG cannot compress
  const sharp = (await import('sharp')).default;
  let file = Buffer.alloc(0);
  for (let width = 3400; width > 1000; width -= 100) {
    const height = Math.round((width * 3) / 4);
    const raw = Buffer.alloc(width * height * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = Math.imul(i, 2654435761) >>> 24;
    file = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
    if (file.length <= 10 * 1024 * 1024) break;
  }
  const gatewayBefore = currentRss(gateway.child.pid!);
  const redisBefore = currentRss(redis.child.pid!);
  let gatewayPeak = 0;
  let redisPeak = 0;
  const sampler = setInterval(() => {
    gatewayPeak = Math.max(gatewayPeak, currentRss(gateway.child.pid!));
    redisPeak = Math.max(redisPeak, currentRss(redis.child.pid!));
  }, 100);
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => streamBatch(freeKeys[1 + i]!, file, 20)));
  clearInterval(sampler);
  const statuses = new Map<number, number>();
  for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  const unclear = answers.filter((a) => a.status === 0 || a.status >= 500 && a.status !== 503 || !a.body || a.body.success === undefined).length;
  table.push({
    probe: `memory: ${n} concurrent 20 x ${(file.length / 1024 / 1024).toFixed(1)} MB batches, free keys`,
    rows: [
      ['statuses', [...statuses].map(([s, c]) => `${s}: ${c}`).join(', ')],
      ['gateway RSS before / peak (MB)', `${gatewayBefore.toFixed(0)} / ${gatewayPeak.toFixed(0)}`],
      ['redis RSS before / peak (MB)', `${redisBefore.toFixed(0)} / ${redisPeak.toFixed(0)}`],
      ['answers without a status and JSON body', unclear],
    ],
  });
  figures.memory = { gatewayPeak, redisPeak, unclear };
  if (gatewayPeak > 500) failures.push(`memory: gateway peaked at ${gatewayPeak.toFixed(0)} MB`);
  if (redisPeak > 300) failures.push(`memory: redis peaked at ${redisPeak.toFixed(0)} MB`);
  if (unclear) failures.push(`memory: ${unclear} clients without a clear answer`);
}

async function probeSlow() {
  progress(`slow: slow headers, a trickled body, ${MAX_CONNECTIONS_PER_IP + 50} connections from one IP`);
  // headers a byte every 500 ms: cut at HEADERS_TIMEOUT_MS (10 s)
  const slowHeaders = await trickle(Buffer.from(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`), 500);
  // a body a few bytes a second: cut at REQUEST_TIMEOUT_MS
  const head = `POST /api/v1/recognise HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${bigKey}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n`;
  const slowBody = await trickle(Buffer.concat([Buffer.from(head), Buffer.alloc(5000, 'a')]), 20, head.length);
  // more connections from 127.0.0.1 than it may hold, held open; those refused get a 503 and are closed
  let refused = 0;
  const sockets = await Promise.all(
    Array.from({ length: MAX_CONNECTIONS_PER_IP + 50 }, () => new Promise<net.Socket>((resolve) => {
      const s = net.connect(PORT, '127.0.0.1', () => resolve(s));
      s.on('data', (c) => c.toString().startsWith('HTTP/1.1 503') && refused++);
      s.on('error', () => resolve(s));
    })),
  );
  await sleep(2000);
  const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
  sockets.forEach((s) => s.destroy());
  table.push({
    probe: 'slow clients',
    rows: [
      ['headers a byte per 500 ms: cut after (ms), answer', `${slowHeaders.ms}, ${slowHeaders.status || 'closed'}`],
      [`body 50 bytes/s: cut after (ms; REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS}), answer`, `${slowBody.ms}, ${slowBody.status || 'closed'}`],
      [`of ${MAX_CONNECTIONS_PER_IP + 50} connections from one IP: left open / answered 503 (MAX_CONNECTIONS_PER_IP=${MAX_CONNECTIONS_PER_IP})`, `${open} / ${refused}`],
    ],
  });
  if (slowHeaders.ms > 12_000) failures.push(`slow: slow headers held for ${slowHeaders.ms} ms`);
  if (slowBody.ms > REQUEST_TIMEOUT_MS + 3000) failures.push(`slow: a slow body held for ${slowBody.ms} ms`);
  if (open > MAX_CONNECTIONS_PER_IP) failures.push(`slow: ${open} connections from one IP stayed open`);
}

/** Writes `bytes` one at a time every `everyMs` (after sending the first `burst` at once). */
function trickle(bytes: Buffer, everyMs: number, burst = 0): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(PORT, '127.0.0.1');
    let data = '';
    let i = burst;
    socket.on('connect', () => {
      if (burst) socket.write(bytes.subarray(0, burst));
      const timer = setInterval(() => {
        if (socket.destroyed || i >= bytes.length) return clearInterval(timer);
        socket.write(bytes.subarray(i, ++i));
      }, everyMs);
      socket.on('close', () => clearInterval(timer));
    });
    socket.on('data', (c) => (data += c));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), body: null, headers: new Headers(), ms: Date.now() - started }));
    setTimeout(() => socket.destroy(), 5 * 60_000);
  });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-chaos-'));
  fs.mkdirSync(path.join(tmp, 'redis'));
  for (const port of [PORT, REDIS_PORT]) if (await portOpen(port)) throw new Error(`127.0.0.1:${port} is in use: pass --port / --redis-port`);
  progress(`system on 127.0.0.1:${PORT}, redis on ${REDIS_PORT}, scratch ${tmp}`);
  const database = await createTestDatabase();
  bigKey = (await createApiKeyForEmail(database.db.prisma, { email: 'chaos@example.com', name: 'chaos' })).key;
  await setAccountPlan(database.db.prisma, { email: 'chaos@example.com', plan: 'enterprise', requestsPerWindow: 1_000_000, windowSeconds: 60 });
  for (let i = 0; i <= COUNTS.memoryBatches; i++) {
    freeKeys.push((await createApiKeyForEmail(database.db.prisma, { email: `free${i}@example.com`, name: 'free' })).key);
  }
  await database.db.close();

  photos = HAS_DEV_PHOTOS
    ? devLabels().slice(0, 12).map((l) => fs.readFileSync(path.join(DEV_PLATES_DIR, l.file)))
    : [await solidImage({ width: 1280, height: 720 })];

  await startRedis();
  serviceEnv = {
    ...process.env,
    NODE_OPTIONS: '',
    REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`,
    DATABASE_URL: database.url,
    QUEUE_PREFIX: 'npr',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(PORT),
    LOOKUP_HEALTH_PORT: '0',
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    REDIS_HIGH_WATER_MB: '64',
    // 200 concurrent clients on one key from one address: the window's count is what is probed here
    UPLOAD_MAX_CONCURRENT_PER_KEY: '256',
    MAX_CONNECTIONS_PER_IP: String(MAX_CONNECTIONS_PER_IP),
  };
  gateway = startProcess('gateway', process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts'], serviceEnv);
  lookup = startProcess('vehicle-lookup', process.execPath, ['--import', 'tsx', 'services/vehicle-lookup/src/main.ts'], serviceEnv);
  startWorker();
  startWorker();
  await waitFor(async () => (await call('/readyz', { timeoutMs: 3000 })).status === 200, 120_000, 'gateway ready');
  await waitFor(() => liveWorkers().every(workerReady), 120_000, 'inference workers ready');
  progress('system ready');

  const run = (name: string) => !only || only.has(name);
  try {
    // memory first, while the gateway is as fresh as a newly started one
    if (run('memory') && COUNTS.memoryBatches) await probeMemory();
    if (run('kills')) await probeKills();
    if (run('redis')) await probeRedis('SIGTERM');
    if (!SHORT && run('redis-kill')) await probeRedis('SIGKILL');
    if (run('hostile')) await probeHostile();
    if (run('ratelimit')) await probeRateLimit();
    if (run('slow') && COUNTS.slow) await probeSlow();
  } catch (err) {
    failures.push(`probe error: ${(err as Error).stack}`);
  } finally {
    for (const p of procs) if (alive(p)) p.child.kill('SIGTERM');
    await sleep(2000);
    for (const p of procs) if (alive(p)) p.child.kill('SIGKILL');
    await database.drop().catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const lines = ['| probe | figure | value |', '| --- | --- | --- |'];
  for (const t of table) for (const [i, [k, v]] of t.rows.entries()) lines.push(`| ${i === 0 ? t.probe : ''} | ${k} | ${v} |`);
  process.stdout.write(args.json ? JSON.stringify({ figures, failures, table: lines.join('\n') }) + '\n' : `${lines.join('\n')}\n\n${failures.length ? `FAILED:\n- ${failures.join('\n- ')}` : 'all probes held'}\n`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  for (const p of procs) if (alive(p)) p.child.kill('SIGKILL');
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(2);
});
