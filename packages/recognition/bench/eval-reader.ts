/**
 * Reader-only accuracy on the dev plates, from their labelled boxes (the crops the training's own
 * validation makes), comparing plain greedy CTC with this package's beam + format-aware rescoring,
 * without and with the region hint. For tuning the decoder; the dev set is for validation only.
 * Usage: pnpm --filter @npr/recognition exec tsx bench/eval-reader.ts [--models DIR] [--misses] [--scoring JSON]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { greedyDecode, softmaxFrames } from '../src/ctc-decode';
import { DEFAULT_SCORING } from '../src/format-rescoring';
import { decodePhoto } from '../src/image-input';
import type { Quad } from '../src/perspective-warp';
import { parseRegions } from '../src/plate-formats';
import { READER_HEIGHT, READER_WIDTH, buildReaderBatch, interpretReaderOutput } from '../src/read-plates';
import { HAS_DEV_SET, NO_DEV_SET_REASON, REPO_ROOT, loadDevSet, normalisePlate } from '../test/support';

async function main() {
  const { values } = parseArgs({ options: { models: { type: 'string' }, misses: { type: 'boolean', default: false }, scoring: { type: 'string' } } });
  // e.g. --scoring '{"looseFormatFactor":0.2}' to compare decoder settings
  const scoring = { ...DEFAULT_SCORING, ...(values.scoring ? JSON.parse(values.scoring) : {}) };
  if (!HAS_DEV_SET) throw new Error(NO_DEV_SET_REASON);
  const dir = values.models ?? join(REPO_ROOT, 'models');
  const reader = await ort.InferenceSession.create(join(dir, 'reader.onnx'), { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const tally = new Map<string, { n: number; greedy: number; rescored: number; hinted: number }>();
  const misses: string[] = [];
  // is a higher confidence more often right? (reading confidence only; the detector's factor is apart)
  const reliability: Array<{ confidence: number; right: boolean }> = [];
  for (const image of loadDevSet()) {
    const plates = image.plates.filter((p) => !p.uncertain && p.box);
    if (!plates.length) continue;
    const photo = await decodePhoto(readFileSync(image.path), 640, 1e9);
    const quads = plates.map(({ box: b }) => [[b!.x, b!.y], [b!.x + b!.width, b!.y], [b!.x + b!.width, b!.y + b!.height], [b!.x, b!.y + b!.height]] as Quad);
    const batch = buildReaderBatch(photo.source, quads, 2.5);
    const res = await reader.run({ image: new ort.Tensor('float32', batch.input, [batch.jobs.length, 3, READER_HEIGHT, READER_WIDTH]) });
    const out = { logits: res.logits.data as Float32Array, logitsDims: res.logits.dims, region: res.region.data as Float32Array, plate: res.plate.data as Float32Array };
    const [, T, C] = out.logitsDims;
    const plain = interpretReaderOutput(out, batch.jobs, plates.length, [], scoring, 0.3);
    const hinted = interpretReaderOutput(out, batch.jobs, plates.length, parseRegions(image.region), scoring, 0.3);
    plates.forEach((p, i) => {
      const whole = batch.jobs.findIndex((j) => j.plate === i && j.part === 'whole');
      const greedy = greedyDecode(softmaxFrames(out.logits, whole * T * C, T, C), T, C).text;
      const t = tally.get(image.region) ?? { n: 0, greedy: 0, rescored: 0, hinted: 0 };
      const want = normalisePlate(p.text);
      const got = normalisePlate(plain[i][0]?.plate ?? '');
      t.n++;
      t.greedy += +(greedy === want);
      t.rescored += +(got === want);
      if (plain[i][0]) reliability.push({ confidence: plain[i][0].confidence, right: got === want });
      t.hinted += +(normalisePlate(hinted[i][0]?.plate ?? '') === want);
      tally.set(image.region, t);
      if (got !== want) misses.push(`${image.id}: want ${want}, greedy ${greedy}, rescored ${got} (${plain[i][0]?.region}, ${plain[i][0]?.confidence.toFixed(2)}), candidates ${plain[i].slice(0, 4).map((c) => c.plate).join(' | ')}`);
    });
  }
  const pct = (a: number, n: number) => `${((100 * a) / n).toFixed(1)}%`.padStart(7);
  console.log('region     n   greedy  rescored  with hint');
  const all = { n: 0, greedy: 0, rescored: 0, hinted: 0 };
  for (const [region, t] of [...tally].sort()) {
    console.log(`${region.padEnd(6)} ${String(t.n).padStart(5)} ${pct(t.greedy, t.n)} ${pct(t.rescored, t.n)}   ${pct(t.hinted, t.n)}`);
    for (const k of Object.keys(all) as Array<keyof typeof all>) all[k] += t[k];
  }
  console.log(`${'all'.padEnd(6)} ${String(all.n).padStart(5)} ${pct(all.greedy, all.n)} ${pct(all.rescored, all.n)}   ${pct(all.hinted, all.n)}`);
  console.log('\nconfidence   readings  right');
  const edges = [0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0001];
  for (let b = 0; b + 1 < edges.length; b++) {
    const inBin = reliability.filter((r) => r.confidence >= edges[b] && r.confidence < edges[b + 1]);
    if (inBin.length) console.log(`${edges[b].toFixed(2)}-${Math.min(1, edges[b + 1]).toFixed(2)}  ${String(inBin.length).padStart(8)} ${pct(inBin.filter((r) => r.right).length, inBin.length)}`);
  }
  if (values.misses) for (const m of misses) console.log('miss', m);
  await reader.release();
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
