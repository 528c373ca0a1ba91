/**
 * Warm per-photo timings of the recogniser on dev photos: p50/p95 of the whole photo, CPU time, and
 * the split per stage. Usage: pnpm --filter @npr/recognition bench [--count 20] [--rounds 3]
 * [--threads 1] [--models DIR] [--force-plates N]. Without trained models it uses untrained stand-ins
 * (same compute) and forces two detections per photo; their readings are empty, so every photo also
 * takes the 800 px second look: a worst case (DETECTOR_EXTRA_SIZES=none measures the single pass).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createRecogniser, recogniserOptionsFromEnv } from '../src';
import { HAS_DEV_SET, NO_DEV_SET_REASON, anyModelsDir, loadDevSet } from '../test/support';

async function main() {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '3' },
      threads: { type: 'string', default: '1' },
      models: { type: 'string' },
      // read this many detections per photo whatever their score (default: 2 with untrained stand-ins)
      'force-plates': { type: 'string' },
    },
  });
  if (!HAS_DEV_SET) throw new Error(NO_DEV_SET_REASON);
  const models = values.models ? { dir: values.models, trained: true } : anyModelsDir();
  if (!models) throw new Error('no models: export them (training/) or install PyTorch for the stand-ins');
  const force = Number(values['force-plates'] ?? (models.trained ? 0 : 2));
  const r = await createRecogniser({
    // the recogniser's variables as the worker reads them (DETECTOR_EXTRA_SIZES=none, ...), then the flags
    ...recogniserOptionsFromEnv(),
    modelsDir: models.dir,
    threads: Number(values.threads),
    // untrained heatmaps sit near 0.02 everywhere: a tiny threshold and a fixed number of plates
    ...(force ? { detectionThreshold: 1e-6, maxPlates: force, minConfidence: 0 } : {}),
  });
  const dev = loadDevSet();
  const count = Math.min(Number(values.count), dev.length);
  const step = dev.length / count;
  const photos = Array.from({ length: count }, (_, i) => dev[Math.floor(i * step)]);
  const bytes = photos.map((p) => readFileSync(p.path));
  process.stderr.write(`${models.trained ? '' : 'UNTRAINED stand-in '}models from ${models.dir}, ${values.threads} thread(s), load+warm ${r.info.loadMs.toFixed(0)} ms, ${count} photos x ${values.rounds} rounds\n`);
  for (const b of bytes) await r.recogniseWithTimings(b); // first sight of each photo size
  const totals: number[] = [];
  // CPU time per photo (all threads): unlike wall time, not inflated by other work on the machine
  const cpu: number[] = [];
  const stages = { decode: [] as number[], detect: [] as number[], read: [] as number[] };
  let plates = 0;
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const b of bytes) {
      const c0 = process.cpuUsage();
      const out = await r.recogniseWithTimings(b);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      totals.push(out.timings.total);
      stages.decode.push(out.timings.decode);
      stages.detect.push(out.timings.detect);
      stages.read.push(out.timings.read);
      plates += out.results.length;
    }
    process.stderr.write(`round ${round + 1} done\n`);
  }
  await r.close();
  const q = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
  const f = (v: number) => v.toFixed(1);
  console.log(`whole photo: p50 ${f(q(totals, 0.5))} ms, p95 ${f(q(totals, 0.95))} ms, max ${f(Math.max(...totals))} ms (${totals.length} runs, ${(plates / totals.length).toFixed(1)} plates/photo)`);
  console.log(`  cpu    p50 ${f(q(cpu, 0.5))} ms, p95 ${f(q(cpu, 0.95))} ms (CPU time, all threads; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
  for (const [name, a] of Object.entries(stages)) console.log(`  ${name.padEnd(6)} p50 ${f(q(a, 0.5))} ms, p95 ${f(q(a, 0.95))} ms`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
