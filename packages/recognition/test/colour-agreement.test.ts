// The colour estimate on real dev photos (../shared/data/plates, never copied here) against our own
// annotation (fixtures/dev-photo-colours.json). Prints the agreement; fails only below a floor.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { DEV_PLATES_DIR, HAS_DEV_PHOTOS, devLabels } from '@npr/test-support';
import { estimateVehicleColour } from '../src/colour/estimate-vehicle-colour';

if (!HAS_DEV_PHOTOS) {
  console.warn(`colour agreement: SKIPPED, the dev photos are not at ${DEV_PLATES_DIR} (they live in the shared data folder beside the repository)`);
}
const maybe = HAS_DEV_PHOTOS ? test : test.skip;

type Label = { colour: string; also?: string[] };

maybe('the estimate agrees with our annotation on labelled dev photos', async () => {
  const labels: Record<string, Label> = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'dev-photo-colours.json'), 'utf8')).labels;
  const rows = new Map(devLabels().map((r) => [r.id, r]));
  let exact = 0;
  let lenient = 0;
  let n = 0;
  const misses: string[] = [];
  for (const [id, label] of Object.entries(labels)) {
    const row = rows.get(id);
    if (!row) continue;
    const { data, info } = await sharp(path.join(DEV_PLATES_DIR, row.file)).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const seen = estimateVehicleColour({ data, width: info.width, height: info.height, channels: info.channels }, row.plates[0].box!); // every annotated photo has its plate boxed
    n++;
    if (seen?.name === label.colour) exact++;
    if (seen && (seen.name === label.colour || label.also?.includes(seen.name))) lenient++;
    else misses.push(`${id}: labelled ${label.colour}, saw ${seen?.name ?? 'nothing'}`);
  }
  const pct = (k: number) => `${((100 * k) / n).toFixed(0)}%`;
  console.log(`colour agreement on ${n} labelled dev photos: exact ${exact}/${n} (${pct(exact)}), accepting close shades ${lenient}/${n} (${pct(lenient)})\n  misses: ${misses.join('\n          ')}`);
  expect(n).toBeGreaterThanOrEqual(25);
  // a floor well under today's figure, to catch a broken estimator rather than to pin the number
  expect(exact / n).toBeGreaterThanOrEqual(0.55);
}, 120_000);
