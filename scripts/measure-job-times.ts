// Measures what the workers' lock settings must cover: the longest real recognition job (a whole
// photo through the recogniser, as the worker runs it) and the longest stretch during it in which
// the event loop could not run a timer (BullMQ renews job locks from a timer). Prints both.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEV_PLATES_DIR, solidImage } from '@npr/test-support';
import { loadRecogniser } from '../services/inference-worker/src/recogniser';

async function main() {
  const files = execSync(`find ${DEV_PLATES_DIR}/images -name '*.jpg'`).toString().trim().split('\n');
  const recogniser = await loadRecogniser();
  // the largest image the API accepts, as well as the dev photos: 50 megapixels of noise-free gradient
  const big = await solidImage({ width: 8000, height: 6000 });
  const inputs = [...files.map((f) => ({ name: f, bytes: fs.readFileSync(f) })), { name: '8000x6000 (50 MP, the accepted maximum)', bytes: big }];
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let longest = { ms: 0, name: '' };
  let i = 0;
  for (const input of inputs) {
    const t = performance.now();
    await recogniser.recognise(input.bytes);
    const ms = performance.now() - t;
    if (ms > longest.ms) longest = { ms, name: input.name };
    if (++i % 20 === 0) process.stderr.write(`${i}/${inputs.length}\n`);
  }
  h.disable();
  console.log(`photos: ${inputs.length}`);
  console.log(`longest job: ${longest.ms.toFixed(0)} ms (${longest.name})`);
  console.log(`event-loop delay: p99 ${(h.percentile(99) / 1e6).toFixed(0)} ms, max ${(h.max / 1e6).toFixed(0)} ms`);
  await recogniser.close();
}
main();
