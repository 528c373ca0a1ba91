// Real photos for the tests that use the real recogniser: the labelled dev set (@npr/test-support's
// DEV_PLATES_DIR, ../shared/data/plates beside the repository, never copied into it). Where it is
// absent, those tests are skipped and say why; everything else still runs (with the recogniser's test double).
import path from 'node:path';
import { DEV_PLATES_DIR, HAS_DEV_PHOTOS, devLabels, type Box } from '@npr/test-support';

export const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * Clear photos, one labelled plate each, of different regions, that the current models read right
 * (checked with `pnpm --silent npr recognise --jsonl FILE`). Easy on purpose: these tests check that
 * the service delivers the recogniser's reading; the recogniser's own tests and evaluation hold its
 * accuracy to account. If a retrained model misreads one, pick another clear photo the same way.
 */
export const EASY_PHOTOS = {
  gb: { file: 'images/uk/robmarkcole__HASS-plate-recognizer/dev_car.jpg', plate: 'LR33TEE' },
  br: { file: 'images/openalpr_benchmarks/br/PJY8509.jpg', plate: 'PJY8509' },
  sk: { file: 'images/openalpr_benchmarks/eu/test_078.jpg', plate: 'RK457AS' },
} as const;

/** A dev photo's path and its labelled box (the labels are the truth; the file is named above). */
export function devPhoto(photo: { file: string; plate: string }): { path: string; plate: string; box: Box } {
  const label = devLabels().find((l) => l.file === photo.file);
  const plate = label?.plates.find((p) => p.text === photo.plate);
  if (!plate?.box) throw new Error(`dev.jsonl has no labelled plate ${photo.plate} for ${photo.file}`);
  return { path: path.join(DEV_PLATES_DIR, photo.file), plate: photo.plate, box: plate.box };
}

/** What the API answers as `plate` ("LR33 TEE", "RK-457AS"), compared as the labels write it (letters and digits). */
export const plateText = (plate: string) => plate.replace(/[^A-Za-z0-9]/g, '').toUpperCase();

/**
 * `describe` for tests that need the dev photos (and load the real models once for the file);
 * `describe.skip` with a warning saying why where ../shared is absent.
 */
export function describeWithDevPhotos(testFile: string): jest.Describe {
  if (HAS_DEV_PHOTOS) return describe;
  console.warn(`${testFile}: the real-photo tests are skipped: no dev photos in ${DEV_PLATES_DIR} (../shared/data/plates beside the repository)`);
  return describe.skip;
}

/** For tests with the real models: loading and inference are slow on a busy 2-core machine. */
export const REAL_MODELS_TIMEOUT_MS = 180_000;
