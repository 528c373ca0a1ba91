// Runs docker-compose.yml on podman, honouring every key the file uses and refusing any other, so that
// what runs is what the file says (podman-compose 1.0.3 passes `${VAR:-}` through literally, ignores
// --scale and depends_on conditions and garbles exec-form health checks; Docker Compose needs a Docker
// engine; podman runs health checks from systemd timers, which these machines do not have, so this
// runner runs them itself while it waits, as the engine would).
//
//   tsx infra/test/containers/compose-podman.ts -p PROJECT [-f FILE] [--image FROM=TO]... [--build-arg K=V]... COMMAND
//   COMMAND: build | up | scale SERVICE N | logs SERVICE | ids | down
//
// Everything it creates carries the label npr.compose.project=PROJECT; `down` removes exactly those
// containers, the network and the volumes, by id. Variables: `${VAR}`, `${VAR:-default}`, `${VAR-default}`
// from the environment, as Compose resolves them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

type Healthcheck = { test: string[]; interval?: string; timeout?: string; start_period?: string; retries?: number };
type Service = {
  image: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: 'service_started' | 'service_healthy' | 'service_completed_successfully' }>;
  restart?: string;
  stop_grace_period?: string;
};
const SERVICE_KEYS = new Set(['image', 'build', 'command', 'environment', 'ports', 'expose', 'volumes', 'healthcheck', 'depends_on', 'restart', 'stop_grace_period']);
const TOP_KEYS = new Set(['name', 'services', 'volumes']);

const args = process.argv.slice(2);
const opt = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
const positional = args.filter((a, i) => !a.startsWith('-') && !args[i - 1]?.startsWith('-'));
const project = opt('-p')[0];
const file = opt('-f')[0] ?? 'docker-compose.yml';
const imageMap = new Map(opt('--image').map((m) => m.split('=') as [string, string]));
const buildArgs = opt('--build-arg');
const [command, ...rest] = positional;
if (!project || !command) {
  console.error('usage: compose-podman.ts -p PROJECT [-f FILE] [--image FROM=TO]... [--build-arg K=V]... build|up|scale S N|logs S|ids|down');
  process.exit(2);
}
const LABEL = `npr.compose.project=${project}`;
const network = `${project}_default`;

function interpolate(text: string): string {
  return text.replace(/\$\$|\$\{(\w+)(?:(:?)-([^}]*))?\}/g, (m, name: string | undefined, colon: string, fallback: string | undefined) => {
    if (m === '$$') return '$';
    const value = process.env[name!];
    if (fallback === undefined) return value ?? '';
    // `:-` falls back when the variable is unset or empty, `-` only when it is unset
    if (colon) return value ? value : fallback;
    return value ?? fallback;
  });
}

function loadFile() {
  const doc = parse(interpolate(fs.readFileSync(file, 'utf8')), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const unknown = [
    ...Object.keys(doc).filter((k) => !TOP_KEYS.has(k) && !k.startsWith('x-')),
    ...Object.entries(doc.services).flatMap(([name, s]) => Object.keys(s).filter((k) => !SERVICE_KEYS.has(k)).map((k) => `${name}.${k}`)),
  ];
  if (unknown.length) throw new Error(`${file}: this runner does not implement ${unknown.join(', ')}`);
  return doc;
}

// podman without systemd says on every run and removal that it cannot make a health-check timer
// (this runner runs the checks itself); everything else it says is passed on
const SYSTEMD_NOISE = /unable to get systemd connection|failed to connect to syslog/;
function podman(...a: string[]): string {
  const r = spawnSync('podman', a, { encoding: 'utf8' });
  const said = r.stderr.split('\n').filter((l) => l && !SYSTEMD_NOISE.test(l));
  if (said.length) process.stderr.write(said.join('\n') + '\n');
  if (r.status !== 0) throw new Error(`podman ${a.slice(0, 2).join(' ')} ... exited with ${r.status}`);
  return r.stdout.trim();
}
const podmanStatus = (...a: string[]) => spawnSync('podman', a, { encoding: 'utf8' });
const seconds = (d: string | undefined, fallback: number) => {
  if (!d) return fallback;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(d);
  if (!m) throw new Error(`unsupported duration ${d}`);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60 }[m[2] ?? 's'] ?? 1);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`compose-podman: ${msg}\n`);

const idsOf = (service?: string) =>
  podman('ps', '-a', '--filter', `label=${LABEL}`, ...(service ? ['--filter', `label=npr.compose.service=${service}`] : []), '--format', '{{.ID}}')
    .split('\n')
    .filter(Boolean);

function build(doc: ReturnType<typeof loadFile>) {
  const done = new Set<string>();
  for (const [name, s] of Object.entries(doc.services)) {
    if (!s.build || done.has(s.image)) continue;
    done.add(s.image);
    const started = Date.now();
    // --format docker keeps HEALTHCHECK (the OCI image format has no field for it)
    const a = ['build', '--format', 'docker', '--network', 'host', '-f', path.join(s.build.context, s.build.dockerfile), '-t', s.image];
    if (s.build.target) a.push('--target', s.build.target);
    for (const b of buildArgs) a.push('--build-arg', b);
    a.push('--label', 'npr.compose.built=true', s.build.context);
    log(`building ${s.image} (${name}): podman ${a.join(' ')}`);
    const r = spawnSync('podman', a, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`building ${s.image} failed (exit ${r.status})`);
    log(`built ${s.image} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

function ensureNetwork() {
  if (podmanStatus('network', 'exists', network).status !== 0) podman('network', 'create', '--label', LABEL, network);
}

function run(doc: ReturnType<typeof loadFile>, name: string, replica: number): string {
  const s = doc.services[name];
  const a = ['run', '-d', '--name', `${project}-${name}-${replica}`, '--label', LABEL, '--label', `npr.compose.service=${name}`];
  a.push('--network', network, '--network-alias', name);
  for (const [k, v] of Object.entries(s.environment ?? {})) a.push('-e', `${k}=${v ?? ''}`);
  for (const p of s.ports ?? []) a.push('-p', p);
  for (const v of s.volumes ?? []) {
    const [volume, target] = v.split(':');
    if (!doc.volumes || !(volume in doc.volumes)) throw new Error(`${name}: only named volumes are implemented (${v})`);
    const full = `${project}_${volume}`;
    if (podmanStatus('volume', 'exists', full).status !== 0) podman('volume', 'create', '--label', LABEL, full);
    a.push('-v', `${full}:${target}`);
  }
  if (s.healthcheck) {
    const [kind, ...test] = s.healthcheck.test;
    if (kind === 'CMD') a.push('--health-cmd', JSON.stringify(test));
    else if (kind === 'CMD-SHELL') a.push('--health-cmd', test.join(' '));
    else throw new Error(`${name}: healthcheck test ${kind} not implemented`);
    a.push('--health-interval', `${seconds(s.healthcheck.interval, 30)}s`, '--health-timeout', `${seconds(s.healthcheck.timeout, 30)}s`);
    a.push('--health-retries', String(s.healthcheck.retries ?? 3), '--health-start-period', `${seconds(s.healthcheck.start_period, 0)}s`);
  }
  if (s.restart && s.restart !== 'no') a.push('--restart', s.restart);
  if (s.stop_grace_period) a.push('--stop-timeout', String(Math.ceil(seconds(s.stop_grace_period, 10))));
  a.push(imageMap.get(s.image) ?? s.image, ...(s.command ?? []));
  const id = podman(...a);
  log(`started ${name} #${replica}: ${id.slice(0, 12)} (${imageMap.get(s.image) ?? s.image})`);
  return id;
}

/** Waits until a container's health check passes, running it as the engine would (every second here). */
async function waitHealthy(doc: ReturnType<typeof loadFile>, name: string, id: string) {
  const hc = doc.services[name].healthcheck;
  if (!hc) throw new Error(`${name} has no healthcheck to wait for`);
  const deadline = Date.now() + (seconds(hc.start_period, 0) + seconds(hc.interval, 30) * (hc.retries ?? 3) + 60) * 1000;
  while (Date.now() < deadline) {
    const state = podman('inspect', '--format', '{{.State.Status}}', id);
    if (state !== 'running') throw new Error(`${name} (${id.slice(0, 12)}) is ${state} while waiting for it to be healthy:\n${podmanStatus('logs', '--tail', '40', id).stderr}`);
    if (podmanStatus('healthcheck', 'run', id).status === 0) return;
    await sleep(1000);
  }
  throw new Error(`${name} (${id.slice(0, 12)}) did not become healthy:\n${podmanStatus('logs', '--tail', '40', id).stderr}`);
}

async function waitFor(doc: ReturnType<typeof loadFile>, name: string, condition: string, id: string) {
  if (condition === 'service_started') return;
  if (condition === 'service_healthy') return waitHealthy(doc, name, id);
  if (condition === 'service_completed_successfully') {
    const code = podman('wait', id);
    if (code !== '0') throw new Error(`${name} exited with ${code}:\n${podmanStatus('logs', '--tail', '40', id).stderr}`);
    return;
  }
  throw new Error(`depends_on condition ${condition} not implemented`);
}

/** Every service in depends_on order, each started once its dependencies meet their conditions; then waits for all health checks (`up --wait`). */
async function up(doc: ReturnType<typeof loadFile>) {
  ensureNetwork();
  const started = new Map<string, Promise<string>>();
  const start = (name: string): Promise<string> => {
    if (!doc.services[name]) throw new Error(`unknown service ${name}`);
    if (!started.has(name)) {
      started.set(
        name,
        (async () => {
          await Promise.all(Object.entries(doc.services[name].depends_on ?? {}).map(async ([dep, { condition }]) => waitFor(doc, dep, condition, await start(dep))));
          return run(doc, name, 1);
        })(),
      );
    }
    return started.get(name)!;
  };
  const ids = await Promise.all(Object.keys(doc.services).map(async (name) => [name, await start(name)] as const));
  await Promise.all(ids.filter(([name]) => doc.services[name].healthcheck).map(([name, id]) => waitHealthy(doc, name, id)));
  log(`up: ${ids.map(([n, id]) => `${n}=${id.slice(0, 12)}`).join(' ')}`);
}

async function scale(doc: ReturnType<typeof loadFile>, name: string, count: number) {
  const have = idsOf(name).length;
  const ids: string[] = [];
  for (let r = have + 1; r <= count; r++) ids.push(run(doc, name, r));
  for (const id of idsOf(name).slice(count)) podman('rm', '-f', id);
  if (doc.services[name].healthcheck) await Promise.all(ids.map((id) => waitHealthy(doc, name, id)));
}

function down() {
  // all at once, as Compose stops them in parallel; each container gets its stop_grace_period
  const ids = idsOf();
  if (ids.length) podman('rm', '-f', ...ids);
  for (const v of podman('volume', 'ls', '--filter', `label=${LABEL}`, '--format', '{{.Name}}').split('\n').filter(Boolean)) podman('volume', 'rm', v);
  if (podmanStatus('network', 'exists', network).status === 0) podman('network', 'rm', network);
}

async function main() {
  if (command === 'down') return down();
  if (command === 'ids') return console.log(idsOf(rest[0]).join('\n'));
  const doc = loadFile();
  if (command === 'build') return build(doc);
  if (command === 'up') return up(doc);
  if (command === 'scale') return scale(doc, rest[0], Number(rest[1]));
  if (command === 'logs') {
    for (const id of idsOf(rest[0])) {
      const r = podmanStatus('logs', id);
      process.stdout.write(r.stdout + r.stderr);
    }
    return;
  }
  throw new Error(`unknown command ${command}`);
}

main().catch((e: Error) => {
  log(e.message);
  process.exit(1);
});
