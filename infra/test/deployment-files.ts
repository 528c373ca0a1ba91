// Reads the deployment files (compose, Dockerfiles, Kubernetes manifests) and the code they name,
// for the consistency tests. No Docker engine or cluster is needed.
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = path.join(__dirname, '..', '..');
export const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
export const exists = (rel: string) => fs.existsSync(path.join(ROOT, rel));

export type ComposeService = {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  expose?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
};
export type Compose = { services: Record<string, ComposeService> };

// merge: compose files use YAML merge keys (<<: *worker-env)
// and `${VAR:-default}` resolves as compose does when VAR is unset
export const loadCompose = (file = 'docker-compose.yml') =>
  parse(read(file).replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name, fallback) => fallback ?? ''), { merge: true }) as Compose;

/** The stages of a Dockerfile with their ENV, EXPOSE, HEALTHCHECK and CMD. */
export function parseDockerfile(rel: string) {
  const text = read(rel).replace(/\\\n\s*/g, ' ');
  const stages: { name: string; env: Record<string, string>; cmd?: string[]; healthcheck?: string; expose: string[] }[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ name: from[1] ?? `stage${stages.length}`, env: {}, expose: [] });
    const stage = stages[stages.length - 1];
    if (!stage) continue;
    const env = /^ENV\s+(.+)$/i.exec(line);
    if (env) for (const [, k, v] of env[1].matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) stage.env[k] = v;
    const cmd = /^CMD\s+(\[.*\])$/i.exec(line);
    if (cmd) stage.cmd = JSON.parse(cmd[1]);
    const hc = /^HEALTHCHECK\s+(.+)$/i.exec(line);
    if (hc) stage.healthcheck = hc[1];
    const expose = /^EXPOSE\s+(.+)$/i.exec(line);
    if (expose) stage.expose.push(...expose[1].split(/\s+/));
  }
  return { stages, stage: (name?: string) => (name ? stages.find((s) => s.name === name) : stages[stages.length - 1]) };
}

function walk(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'generated') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|js|mjs)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}

/** The source a service runs: its own src/ plus every workspace package it depends on, transitively. */
export function serviceSource(serviceDir: string): string {
  const files: string[] = [];
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    files.push(...walk(path.join(ROOT, dir, 'src')));
    const pkg = JSON.parse(read(`${dir}/package.json`));
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (dep.startsWith('@npr/')) visit(`packages/${dep.slice(5)}`);
    }
  };
  visit(serviceDir);
  return files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

/** The default of `NAME: env.port(1234)` in a service's config schema. */
export function configDefaultPort(source: string, name: string): number | undefined {
  const m = new RegExp(`\\b${name}:\\s*env\\.port\\((\\d+)\\)`).exec(source);
  return m ? Number(m[1]) : undefined;
}

export type K8sObject = { kind: string; metadata: { name: string }; spec: any; data?: Record<string, string>; stringData?: Record<string, string> };

export function loadK8s(dir = 'infra/k8s'): K8sObject[] {
  const kustomization = parse(read(`${dir}/kustomization.yaml`)) as { resources: string[] };
  return kustomization.resources.flatMap((file) => parseAllDocuments(read(`${dir}/${file}`)).map((d) => d.toJS() as K8sObject)).filter(Boolean);
}
