/**
 * @jest-environment ../../../packages/recognition/test/onnx-test-environment.js
 */
// Async requests with the real recogniser on a real photo; the colour-keyed test double where a test
// needs a job that stalls (queued/processing, the synchronous bound).
import { solidImage, eventually } from '@npr/test-support';
import { EASY_PHOTOS, REAL_MODELS_TIMEOUT_MS, describeWithDevPhotos, devPhoto, overlaps, plateText } from './dev-photos';
import { COLOURS, SLOW_MS } from './fake-recogniser';
import { BMW, startTestSystem, useRealRecogniser, type TestSystem } from './test-system';

jest.setTimeout(90_000);

const withDevPhotos = describeWithDevPhotos('jobs.test.ts');

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem({ syncTimeoutMs: 1000, vehicles: { [EASY_PHOTOS.gb.plate]: BMW } });
});
afterAll(() => sys.close());

async function pollUntilDone(auth: Record<string, string>, url: string) {
  const path = new URL(url).pathname;
  return eventually(async () => {
    const res = await sys.http().get(path).set(auth);
    return res.body.status === 'completed' || res.body.status === 'failed' ? res : null;
  }, 60_000, 200);
}

describe('async requests and GET /api/v1/jobs/:id', () => {
  withDevPhotos('a real photo, with the real models', () => {
    useRealRecogniser(() => sys);

    test('?async=true answers 202 with a job; polling returns the synchronous body when done', async () => {
      const { auth } = await sys.createKey();
      const photo = devPhoto(EASY_PHOTOS.gb);
      const accepted = await sys.http().post('/api/v1/recognise?async=true').set(auth).attach('upload', photo.path);
      expect(accepted.status).toBe(202);
      expect(accepted.body).toEqual({ success: true, job_id: expect.any(String), status: 'queued', url: expect.stringContaining(`/api/v1/jobs/${accepted.body.job_id}`) });
      expect(accepted.headers.location).toBe(accepted.body.url);
      expect(accepted.headers['x-ratelimit-remaining']).toMatch(/^\d+$/);

      const done = await pollUntilDone(auth, accepted.body.url);
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ success: true, status: 'completed', job_id: accepted.body.job_id });
      expect(done.body.results).toHaveLength(1);
      expect(plateText(done.body.results[0].plate)).toBe(photo.plate);
      expect(overlaps(done.body.results[0].bounding_box, photo.box)).toBe(true);
      expect(done.body.results[0].vehicle).toEqual(BMW);
      expect(done.headers['x-ratelimit-limit']).toMatch(/^\d+$/);
      expect(done.headers['cache-control']).toBe('no-store');
    }, REAL_MODELS_TIMEOUT_MS);

    test('Prefer: respond-async works too', async () => {
      const { auth } = await sys.createKey();
      const photo = devPhoto(EASY_PHOTOS.br);
      const accepted = await sys.http().post('/api/v1/recognise').set(auth).set('Prefer', 'respond-async').attach('upload', photo.path);
      expect(accepted.status).toBe(202);
      expect(accepted.headers['preference-applied']).toBe('respond-async');
      const done = await pollUntilDone(auth, accepted.body.url);
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ success: true, status: 'completed', job_id: accepted.body.job_id });
      const read = done.body.results.find((r: any) => overlaps(r.bounding_box, photo.box));
      expect(read && plateText(read.plate)).toBe(photo.plate);
    }, REAL_MODELS_TIMEOUT_MS);

    test('a frame without a plate polls as its error, 422 NO_PLATES_FOUND', async () => {
      const { auth } = await sys.createKey();
      const accepted = await sys
        .http()
        .post('/api/v1/recognise')
        .set(auth)
        .set('Prefer', 'respond-async')
        .attach('upload', await solidImage({ width: 1280, height: 720 }), 'blank.jpg');
      expect(accepted.status).toBe(202);
      const done = await pollUntilDone(auth, accepted.body.url);
      expect(done.status).toBe(422);
      expect(done.body).toMatchObject({ success: false, status: 'failed', error: { code: 'NO_PLATES_FOUND' } });
    }, REAL_MODELS_TIMEOUT_MS);
  });

  test('a job is reported queued or processing before it finishes', async () => {
    const { auth } = await sys.createKey();
    const accepted = await sys.http().post('/api/v1/recognise?async=1').set(auth).attach('upload', await solidImage({ colour: COLOURS.slow }), 'slow.jpg');
    const path = new URL(accepted.body.url).pathname;
    const seen = await eventually(async () => {
      const res = await sys.http().get(path).set(auth);
      return res.body.status === 'processing' ? res : null;
    });
    expect(seen.body).toEqual({ success: true, job_id: accepted.body.job_id, status: 'processing', url: expect.stringContaining(path) });
    expect((await pollUntilDone(auth, accepted.body.url)).body.status).toBe('completed');
  });

  test('a synchronous call that outlives its bound returns the job to poll', async () => {
    const { auth } = await sys.createKey();
    const started = Date.now();
    const res = await sys.http().post('/api/v1/recognise').set(auth).attach('upload', await solidImage({ colour: COLOURS.slow }), 'slow.jpg');
    expect(res.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(SLOW_MS);
    expect(res.body).toMatchObject({ success: true, status: 'processing' });
    const done = await pollUntilDone(auth, res.body.url);
    expect(done.body.results[0].plate).toBe('AB12 CDE');
  });

  test('async batch polls as the batch body, in order', async () => {
    const { auth } = await sys.createKey();
    const accepted = await sys
      .http()
      .post('/api/v1/batch?async=true')
      .set(auth)
      .attach('images[]', await solidImage({ colour: COLOURS.noPlates }), 'a.jpg')
      .attach('images[]', Buffer.from('junk'), 'b.jpg')
      .attach('images[]', await solidImage({ colour: COLOURS.plate }), 'c.jpg');
    expect(accepted.status).toBe(202);
    const done = await pollUntilDone(auth, accepted.body.url);
    expect(done.status).toBe(200);
    expect(done.body.results.map((r: any) => (r.success ? r.results[0].plate : r.error.code))).toEqual(['NO_PLATES_FOUND', 'INVALID_IMAGE', 'AB12 CDE']);
  });

  test("another account's job is a 404, as is an unknown id", async () => {
    const owner = await sys.createKey();
    const stranger = await sys.createKey();
    const accepted = await sys.http().post('/api/v1/recognise?async=true').set(owner.auth).attach('upload', await solidImage({ colour: COLOURS.plate }), 'a.jpg');
    const path = new URL(accepted.body.url).pathname;
    const res = await sys.http().get(path).set(stranger.auth);
    expect([res.status, res.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect(res.headers['x-ratelimit-limit']).toMatch(/^\d+$/);
    const unknown = await sys.http().get('/api/v1/jobs/00000000-0000-4000-8000-000000000000').set(owner.auth);
    expect(unknown.status).toBe(404);
    expect((await sys.http().get(path).set(owner.auth)).status).toBe(200);
  });
});
