/**
 * @jest-environment ../../../packages/recognition/test/onnx-test-environment.js
 */
// The mixed batch runs the real recogniser on real photos; the limits (count, size, fields) use the
// colour-keyed test double, whose answers cost nothing.
import fs from 'node:fs';
import sharp from 'sharp';
import { BatchResponseSchema } from '@npr/contracts';
import { solidImage } from '@npr/test-support';
import { EASY_PHOTOS, REAL_MODELS_TIMEOUT_MS, describeWithDevPhotos, devPhoto, plateText } from './dev-photos';
import { COLOURS } from './fake-recogniser';
import { startTestSystem, useRealRecogniser, type TestSystem } from './test-system';

jest.setTimeout(90_000);

const withDevPhotos = describeWithDevPhotos('batch.test.ts');

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(() => sys.close());

describe('POST /api/v1/batch', () => {
  withDevPhotos('with the real models', () => {
    useRealRecogniser(() => sys);

    test('mixed real photos and bad images: one entry per image, in order, each with its own outcome', async () => {
      const { auth } = await sys.createKey({ limit: { requests: 100, windowSeconds: 60 } });
      const gb = devPhoto(EASY_PHOTOS.gb);
      const br = devPhoto(EASY_PHOTOS.br);
      const sk = devPhoto(EASY_PHOTOS.sk);
      const photoBytes = fs.readFileSync(gb.path);
      const res = await sys
        .http()
        .post('/api/v1/batch')
        .set(auth)
        .attach('images[]', gb.path)
        // a corrupt upload: half of a real JPEG
        .attach('images[]', photoBytes.subarray(0, Math.floor(photoBytes.length / 2)), 'cut.jpg')
        // a blank frame: an image, but no plate in it
        .attach('images[]', await solidImage({ width: 1280, height: 720, format: 'png' }), 'blank.png')
        .attach('images[]', br.path)
        .attach('images[]', Buffer.from('not an image at all'), 'junk.jpg')
        // a real photo as WebP: formats are recognised by their bytes
        .attach('images[]', await sharp(sk.path).webp({ quality: 95 }).toBuffer(), 'sk.webp')
        // under 320x240
        .attach('images[]', await solidImage({ width: 200, height: 100 }), 'tiny.jpg');
      expect(res.status).toBe(200);
      expect(BatchResponseSchema.parse(res.body)).toBeTruthy();
      // a photo's entry: the plates read in it, its labelled plate among them
      const summary = res.body.results.map((r: any) => (r.success ? r.results.map((p: any) => plateText(p.plate)) : r.error.code));
      expect(summary).toEqual([
        expect.arrayContaining([gb.plate]),
        'INVALID_IMAGE',
        'NO_PLATES_FOUND',
        expect.arrayContaining([br.plate]),
        'INVALID_IMAGE',
        expect.arrayContaining([sk.plate]),
        'INVALID_IMAGE',
      ]);
      // each image counts one toward the limit
      expect(res.headers['x-ratelimit-remaining']).toBe('93');
    }, REAL_MODELS_TIMEOUT_MS);
  });

  test('accepts the field name "images" as well as "images[]"', async () => {
    const { auth } = await sys.createKey();
    const res = await sys.http().post('/api/v1/batch').set(auth).attach('images', await solidImage({ colour: COLOURS.plate }), 'a.jpg');
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(1);
  });

  test('20 images are fine; 21 are a 400', async () => {
    const { auth } = await sys.createKey({ limit: { requests: 100, windowSeconds: 60 } });
    const image = await solidImage({ colour: COLOURS.plate });
    let req = sys.http().post('/api/v1/batch').set(auth);
    for (let i = 0; i < 20; i++) req = req.attach('images[]', image, `${i}.jpg`);
    const ok = await req;
    expect(ok.status).toBe(200);
    expect(ok.body.results).toHaveLength(20);

    let tooMany = sys.http().post('/api/v1/batch').set(auth);
    for (let i = 0; i < 21; i++) tooMany = tooMany.attach('images[]', image, `${i}.jpg`);
    const res = await tooMany;
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.headers['x-ratelimit-remaining']).toBe('80');
  });

  test('no images, or a wrong field name, are a 400', async () => {
    const { auth } = await sys.createKey();
    const none = await sys.http().post('/api/v1/batch').set(auth).field('x', 'y');
    expect([none.status, none.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    const wrong = await sys.http().post('/api/v1/batch').set(auth).attach('upload', await solidImage(), 'a.jpg');
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  });

  test('one oversized image makes the whole request a 413', async () => {
    const { auth } = await sys.createKey();
    const res = await sys
      .http()
      .post('/api/v1/batch')
      .set(auth)
      .attach('images[]', await solidImage({ colour: COLOURS.plate }), 'a.jpg')
      .attach('images[]', Buffer.alloc(10 * 1024 * 1024 + 1, 0xff), 'huge.jpg');
    expect([res.status, res.body.error.code]).toEqual([413, 'IMAGE_TOO_LARGE']);
  });
});
