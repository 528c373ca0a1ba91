/**
 * @jest-environment ../../../packages/recognition/test/onnx-test-environment.js
 */
// The whole path with the REAL recogniser (models/*.onnx via @npr/recognition) and real photos:
// gateway -> Redis -> inference worker -> vehicle lookup -> response. Skipped, saying why, when the
// models or the dev photos (../shared/data/plates, beside the repository) are not on this machine.
import path from 'node:path';
import { RecognitionResponseSchema } from '@npr/contracts';
import { DEV_PLATES_DIR, HAS_DEV_PHOTOS, HAS_MODELS, MODEL_FILES, devLabels, solidImage } from '@npr/test-support';
import { loadRecogniser, type Recogniser } from '../../inference-worker/src/recogniser';
import { overlaps } from './dev-photos';
import { startTestSystem, type TestSystem } from './test-system';

jest.setTimeout(180_000);

const run = HAS_MODELS && HAS_DEV_PHOTOS ? describe : describe.skip;
if (!HAS_MODELS || !HAS_DEV_PHOTOS) {
  console.warn(`real-models.test.ts skipped: ${!HAS_MODELS ? `no models at ${MODEL_FILES.join(', ')}` : `no dev photos in ${DEV_PLATES_DIR}`}`);
}

run('recognition with the real models', () => {
  let sys: TestSystem;
  let recogniser: Recogniser;
  let auth: Record<string, string>;
  beforeAll(async () => {
    recogniser = await loadRecogniser();
    sys = await startTestSystem({ recogniser });
    ({ auth } = await sys.createKey({ limit: { requests: 1000, windowSeconds: 60 } }));
  });
  afterAll(async () => {
    await sys?.close();
    await recogniser?.close();
  });

  test('real photos: 200 with plates found where the labels say they are', async () => {
    const photos = devLabels()
      .filter((p) => p.plates.some((plate) => plate.box))
      .slice(0, 6);
    let located = 0;
    for (const photo of photos) {
      const res = await sys.http().post('/api/v1/recognise').set(auth).attach('upload', path.join(DEV_PLATES_DIR, photo.file));
      // an honest miss is a 422, never an error or an invented answer
      expect([200, 422]).toContain(res.status);
      if (res.status !== 200) continue;
      const body = RecognitionResponseSchema.parse(res.body);
      if (body.results.some((r) => photo.plates.some((p) => p.box && overlaps(r.bounding_box, p.box)))) located++;
    }
    // the recogniser's own tests hold its accuracy to account; this one checks the wiring delivers it
    expect(located).toBeGreaterThanOrEqual(Math.ceil(photos.length / 2));
  });

  test('a photo without a plate is 422 NO_PLATES_FOUND', async () => {
    const res = await sys.http().post('/api/v1/recognise').set(auth).attach('upload', await solidImage({ width: 1280, height: 720 }), 'grey.jpg');
    expect([res.status, res.body.error?.code]).toEqual([422, 'NO_PLATES_FOUND']);
  });
});
