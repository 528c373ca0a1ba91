// The deployment files against the code: every service, command, port, variable and health path
// they name must exist, so a rename in the code fails here instead of in a cluster.
import path from 'node:path';
import { parse } from 'yaml';
import { QUEUE_NAMES } from '@npr/contracts';
import { waitListKey } from '@npr/queue';
import { configDefaultPort, exists, loadCompose, loadK8s, parseDockerfile, read, serviceSource, type ComposeService } from '../deployment-files';

const compose = loadCompose();
const gpu = loadCompose('docker-compose.gpu.yml');
const built = Object.entries(compose.services).filter(([, s]) => s.build) as [string, ComposeService & { build: NonNullable<ComposeService['build']> }][];
const serviceDirOf = (s: { build: { dockerfile: string } }) => path.dirname(s.build.dockerfile);
const sources = new Map<string, string>();
const sourceOf = (dir: string) => sources.get(dir) ?? (sources.set(dir, serviceSource(dir)), sources.get(dir)!);
const envKeys = (s: ComposeService) => Object.keys(s.environment ?? {});
const portIn = (text: string) => Number(/127\.0\.0\.1:'?\+?\(?(?:process\.env\.\w+\|\|)?(\d+)/.exec(text)?.[1]);
const healthPathIn = (text: string) => /\/(healthz|readyz)\b/.exec(text)?.[0];

describe('docker-compose.yml', () => {
  test('brings up redis, postgres, the migration step and the three services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'inference-worker', 'migrate', 'postgres', 'redis', 'vehicle-lookup']);
    expect(compose.services.gateway.depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' } });
  });

  test('Redis keeps the queue: AOF on and noeviction, as BullMQ requires', () => {
    const cmd = compose.services.redis.command!.join(' ');
    expect(cmd).toMatch(/--appendonly yes/);
    expect(cmd).toMatch(/--maxmemory-policy noeviction/);
  });

  test('the inference worker has no host port, so `--scale inference-worker=4` cannot collide', () => {
    expect(compose.services['inference-worker'].ports).toBeUndefined();
  });

  test.each(built)('%s: its Dockerfile exists and its command runs an entry point that exists', (_name, s) => {
    expect(exists(s.build.dockerfile)).toBe(true);
    const docker = parseDockerfile(s.build.dockerfile);
    const stage = docker.stage(s.build.target);
    expect(stage?.cmd).toEqual(['node', '--import', 'tsx', 'src/main.ts']);
    const command = s.command ?? stage!.cmd!;
    expect(command.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
    expect(exists(path.join(serviceDirOf(s), command[3]))).toBe(true);
  });

  test.each(built)('%s: every variable it sets is read by the code it runs', (_name, s) => {
    const source = sourceOf(serviceDirOf(s));
    const unknown = envKeys(s).filter((k) => !new RegExp(`\\b${k}\\b`).test(source));
    expect(unknown).toEqual([]);
  });

  test.each(built.filter(([, s]) => s.healthcheck))('%s: its healthcheck asks the port the service listens on, on a path it serves', (_name, s) => {
    const test = s.healthcheck!.test.join(' ');
    const source = sourceOf(serviceDirOf(s));
    const portVar = ['PORT', 'INFERENCE_HEALTH_PORT', 'LOOKUP_HEALTH_PORT'].find((v) => envKeys(s).includes(v))!;
    expect(portIn(test)).toBe(Number(s.environment![portVar]));
    expect(source).toContain(`'${healthPathIn(test)}'`);
    // a port exposed to the host or the network is the one the service listens on
    const published = (s.ports ?? []).map((p) => Number(String(p).split(':').pop()));
    const exposed = (s.expose ?? []).map(Number);
    expect([...published, ...exposed]).toEqual([Number(s.environment![portVar])]);
  });

  test.each(built)("%s: the Dockerfile's own healthcheck and defaults match the service's config", (_name, s) => {
    const stage = parseDockerfile(s.build.dockerfile).stage(s.build.target)!;
    const source = sourceOf(serviceDirOf(s));
    const hcVar = /process\.env\.(\w+)/.exec(stage.healthcheck ?? '')?.[1];
    expect(hcVar).toBeDefined();
    expect(source).toMatch(new RegExp(`\\b${hcVar}:`));
    expect(portIn(stage.healthcheck!)).toBe(configDefaultPort(source, hcVar!));
    expect(stage.expose).toEqual([String(configDefaultPort(source, hcVar!))]);
    for (const k of Object.keys(stage.env)) if (k !== 'NODE_ENV') expect(source).toMatch(new RegExp(`\\b${k}\\b`));
  });

  test('pnpm start runs the same entry points the images run', () => {
    const startAll = read('scripts/start-all.ts');
    for (const [name, s] of built.filter(([n]) => n !== 'migrate')) {
      expect([name, startAll.includes(`'${serviceDirOf(s)}/src/main.ts'`)]).toEqual([name, true]);
    }
  });

  test('the GPU override builds the worker with the CUDA execution provider on an NVIDIA device', () => {
    const w = gpu.services['inference-worker'] as ComposeService & { deploy: any };
    expect(Object.keys(gpu.services)).toEqual(['inference-worker']);
    expect(w.build?.target).toBe('gpu');
    expect(parseDockerfile(w.build!.dockerfile).stage('gpu')?.env.INFERENCE_DEVICE).toBe('cuda');
    expect(w.environment?.INFERENCE_DEVICE).toBe('cuda');
    expect(w.deploy.resources.reservations.devices[0]).toMatchObject({ driver: 'nvidia', capabilities: ['gpu'] });
    expect(read('packages/recognition/src/recogniser.ts')).toMatch(/'cuda'/);
  });

  test("the images that migrate carry the repository's top-level prisma/ and point the runner at it", () => {
    // `pnpm deploy` copies packages only; prisma/ is copied into the image by the Dockerfile itself
    expect(exists('prisma/schema.prisma')).toBe(true);
    expect(exists('prisma/migrations/migration_lock.toml')).toBe(true);
    expect(exists('packages/db/prisma')).toBe(false);
    const migrating = new Set(['services/gateway/Dockerfile', 'services/vehicle-lookup/Dockerfile', compose.services.migrate.build!.dockerfile]);
    for (const file of migrating) {
      const stage = parseDockerfile(file).stage('runtime')!;
      expect([file, stage.env.MIGRATIONS_DIR]).toEqual([file, '/app/prisma/migrations']);
      expect([file, /^COPY\s+--chown=node:node\s+prisma\s+\/app\/prisma\s*$/m.test(read(file))]).toEqual([file, true]);
    }
    expect(read('.dockerignore')).not.toMatch(/^\/?prisma\/?$/m);
    // the Kubernetes migration Job runs the gateway image
    const job = loadK8s().find((o) => o.kind === 'Job')!;
    expect(job.spec.template.spec.containers[0].image).toMatch(/^npr\/gateway(:|$)/);
  });

  test('the worker image carries the ONNX models and nothing else of models/ (no checkpoints, no model card)', () => {
    const dockerfile = read('services/inference-worker/Dockerfile');
    const copied = /^RUN mkdir \/out\/models && cp ((?:models\/\S+ )+)\/out\/models\/$/m.exec(dockerfile)?.[1].trim().split(' ');
    expect(copied).toEqual(['models/detector.onnx', 'models/reader.onnx']);
    for (const file of copied!) expect(exists(file)).toBe(true);
    expect(dockerfile).not.toMatch(/cp -r models|models\/\*|\.pt\b/);
    expect(compose.services['inference-worker'].environment?.MODELS_DIR).toBe('/app/models');
  });

  const dockerfiles = [...new Set(built.map(([, s]) => s.build.dockerfile))];

  test.each(dockerfiles)('%s: no `# syntax` line (BuildKit would fetch a frontend image from a registry)', (file) => {
    expect(read(file)).not.toMatch(/^#\s*syntax\s*=/im);
  });

  test.each(dockerfiles)('%s: the runtime copies a deploy folder trimmed to what runs', (file) => {
    const service = path.dirname(file).split('/').pop();
    const joined = read(file).replace(/\s*\\\n\s*/g, ' ');
    expect(joined).toMatch(new RegExp(`^RUN pnpm install --frozen-lockfile --offline && pnpm --filter @npr/${service} deploy --prod /out && node infra/docker/prune-runtime.mjs /out\\b`, 'm'));
    expect(joined).toMatch(/^COPY --from=build --chown=node:node \/out \/app$/m);
    expect(exists('infra/docker/prune-runtime.mjs')).toBe(true);
    // the build context leaves infra/ out except the prune script
    expect(read('.dockerignore')).toMatch(/^infra$/m);
    expect(read('.dockerignore')).toMatch(/^!infra\/docker$/m);
  });

  test("the GPU stage finds onnxruntime-node where it is installed: as @npr/recognition's dependency", () => {
    const dockerfile = read('services/inference-worker/Dockerfile');
    expect(JSON.parse(read('packages/recognition/package.json')).dependencies['onnxruntime-node']).toBeDefined();
    expect(JSON.parse(read('services/inference-worker/package.json')).dependencies?.['onnxruntime-node']).toBeUndefined();
    expect(dockerfile).toMatch(/require\.resolve\('onnxruntime-node\/package\.json', \{ paths: \[require\('fs'\)\.realpathSync\('\/out\/node_modules\/@npr\/recognition'\)\] \}\)/);
    expect(dockerfile).not.toMatch(/\/out\/node_modules\/onnxruntime-node/);
    expect(dockerfile).toMatch(/test -f "\$bin\/libonnxruntime_providers_cuda\.so"/);
  });
});

describe('infra/k8s', () => {
  const objects = loadK8s();
  const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const config = ofKind('ConfigMap')[0].data!;
  const secretKeys = Object.keys(parse(read('infra/k8s/secret.example.yaml')).stringData);
  const deployments = ofKind('Deployment');
  const dirOf = (name: string) => `services/${name}`;

  test('a Deployment, a PodDisruptionBudget and a migration Job for the services', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['gateway', 'inference-worker', 'vehicle-lookup']);
    for (const d of deployments) {
      const pdb = ofKind('PodDisruptionBudget').find((p) => p.spec.selector.matchLabels['app.kubernetes.io/name'] === d.metadata.name);
      expect([d.metadata.name, Boolean(pdb)]).toEqual([d.metadata.name, true]);
    }
    const job = ofKind('Job')[0];
    const command: string[] = job.spec.template.spec.containers[0].command;
    expect(exists(path.join('services/gateway', command[3]))).toBe(true);
  });

  test.each(['gateway', 'inference-worker', 'vehicle-lookup'])('%s: probes on the port it listens on, paths it serves, resource requests', (name) => {
    const d = deployments.find((x) => x.metadata.name === name)!;
    const c = d.spec.template.spec.containers[0];
    const source = sourceOf(dirOf(name));
    for (const probe of [c.readinessProbe, c.livenessProbe]) {
      expect(probe?.httpGet).toBeDefined();
      expect(source).toContain(`'${probe.httpGet.path}'`);
      const port = c.ports.find((p: { name: string }) => p.name === probe.httpGet.port);
      const portVar = { gateway: 'PORT', 'inference-worker': 'INFERENCE_HEALTH_PORT', 'vehicle-lookup': 'LOOKUP_HEALTH_PORT' }[name]!;
      expect(port.containerPort).toBe(Number(config[portVar]));
    }
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.requests.memory).toBeDefined();
    expect(c.command).toEqual(parseDockerfile(`${dirOf(name)}/Dockerfile`).stage('runtime')!.cmd);
    // every secret it reads is in the example Secret; every variable is read by the code
    for (const e of c.env ?? []) {
      expect(source).toMatch(new RegExp(`\\b${e.name}\\b`));
      if (e.valueFrom?.secretKeyRef) expect(secretKeys).toContain(e.valueFrom.secretKeyRef.key);
    }
  });

  test('every ConfigMap key is read by some service', () => {
    const all = ['gateway', 'inference-worker', 'vehicle-lookup'].map((n) => sourceOf(dirOf(n))).join('\n');
    expect(Object.keys(config).filter((k) => !new RegExp(`\\b${k}\\b`).test(all))).toEqual([]);
  });

  test("KEDA scales the inference worker on BullMQ's wait list of the recognition queue", () => {
    const so = ofKind('ScaledObject')[0];
    expect(so.spec.scaleTargetRef.name).toBe('inference-worker');
    const trigger = so.spec.triggers[0];
    expect(trigger.type).toBe('redis');
    expect(trigger.metadata.listName).toBe(waitListKey(config.QUEUE_PREFIX, QUEUE_NAMES.recognition));
    expect(trigger.metadata.listName).toBe('npr:recognition:wait');
    const auth = ofKind('TriggerAuthentication').find((t) => t.metadata.name === trigger.authenticationRef.name)!;
    expect(secretKeys).toContain(auth.spec.secretTargetRef[0].key);
  });
});
