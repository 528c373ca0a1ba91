/**
 * How much network work the recogniser's settings cost, photo by photo: reader crops and detector passes
 * per photo of a manifest (the evaluator's format), with the predictions written for the evaluator
 * (`evaluate.mjs --predictions OUT`), so a setting's reads and its work are measured together. The
 * recogniser's variables apply as the worker reads them; counts do not depend on the machine's load.
 *
 *   pnpm --filter @npr/recognition exec tsx bench/count-crops.ts /tmp/npr-val/manifest.jsonl /tmp/preds.jsonl
 *   DETECTION_THRESHOLD=0.4 pnpm --filter @npr/recognition exec tsx bench/count-crops.ts ...
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRecogniser, recogniserOptionsFromEnv } from '../src';
(async () => {
  const [manifest, out] = process.argv.slice(2);
  if (!manifest || !out) throw new Error('usage: count-crops.ts MANIFEST.jsonl PREDICTIONS_OUT.jsonl');
  // every run of either session passes through the class's run(): count the reader's batch sizes there
  const ort = await import('onnxruntime-node');
  const proto = (ort.InferenceSession as unknown as { prototype: { run: (feeds: { image: { dims: readonly number[] } }, ...rest: unknown[]) => unknown } }).prototype;
  let crops = 0, detects = 0, readerRuns = 0;
  const orig = proto.run;
  proto.run = function (this: { outputNames: string[] }, feeds: { image: { dims: readonly number[] } }, ...rest: unknown[]) {
    if (this.outputNames.includes('plate')) { crops += feeds.image.dims[0]; readerRuns++; } else detects++;
    return orig.call(this, feeds, ...rest);
  };
  const r = await createRecogniser(recogniserOptionsFromEnv());
  const dir = path.dirname(manifest);
  const rows = fs.readFileSync(manifest, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const lines: string[] = [];
  const stats = { photos: 0, crops: 0, detects: 0, readerRuns: 0, ms: [] as number[] };
  for (const row of rows) {
    const file = path.join(dir, row.file);
    crops = detects = readerRuns = 0;
    const o = await r.recogniseWithTimings(fs.readFileSync(file));
    stats.photos++; stats.crops += crops; stats.detects += detects; stats.readerRuns += readerRuns; stats.ms.push(o.timings.total);
    lines.push(JSON.stringify({ file: row.file, results: o.results, processing_time_ms: o.timings.total, crops, detects }));
  }
  fs.writeFileSync(out, lines.join('\n') + '\n');
  stats.ms.sort((a, b) => a - b);
  console.log(JSON.stringify({ photos: stats.photos, cropsPerPhoto: stats.crops / stats.photos, detectsPerPhoto: stats.detects / stats.photos, readerRunsPerPhoto: stats.readerRuns / stats.photos, p50: stats.ms[Math.floor(stats.ms.length / 2)] }));
  process.exit(0);
})();
