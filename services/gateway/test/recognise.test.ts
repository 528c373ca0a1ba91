/**
 * @jest-environment ../../../packages/recognition/test/onnx-test-environment.js
 */
// The real recogniser on real photos for the answer a user gets; the colour-keyed test double where a
// test forces an outcome (crash, no models, no plates).
import request from 'supertest';
import { RecognitionResponseSchema } from '@npr/contracts';
import { noiseImage, solidImage } from '@npr/test-support';
import { EASY_PHOTOS, REAL_MODELS_TIMEOUT_MS, describeWithDevPhotos, devPhoto, overlaps, plateText } from './dev-photos';
import { COLOURS } from './fake-recogniser';
import { BMW, startTestSystem, useRealRecogniser, type TestSystem } from './test-system';

jest.setTimeout(60_000);

const withDevPhotos = describeWithDevPhotos('recognise.test.ts');

let sys: TestSystem;
let auth: Record<string, string>;
beforeAll(async () => {
  // the registry knows the UK photo's car, so the answer carries vehicle data
  sys = await startTestSystem({ vehicles: { [EASY_PHOTOS.gb.plate]: BMW } });
  // a generous custom limit: this file is about recognition, not rate limits
  ({ auth } = await sys.createKey({ limit: { requests: 1000, windowSeconds: 60 } }));
});
afterAll(() => sys.close());

const recognise = () => sys.http().post('/api/v1/recognise').set(auth);

function expectError(res: { status: number; body: any; headers: Record<string, string> }, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.body.success).toBe(false);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.headers['x-ratelimit-limit']).toBe('1000');
  expect(res.headers['x-ratelimit-remaining']).toMatch(/^\d+$/);
  expect(res.headers['x-ratelimit-reset']).toMatch(/^\d+$/);
}

describe('POST /api/v1/recognise', () => {
  withDevPhotos('a real photo, with the real models', () => {
    useRealRecogniser(() => sys);

    test('200 with the documented shape, the plate read, vehicle data and rate-limit headers', async () => {
      const photo = devPhoto(EASY_PHOTOS.gb);
      const res = await recognise().attach('upload', photo.path);
      expect(res.status).toBe(200);
      expect(RecognitionResponseSchema.parse(res.body)).toBeTruthy();
      expect(res.body.success).toBe(true);
      expect(res.body.results).toHaveLength(1);
      // the documented fields; extras (observed_colour, candidates, processing_time_ms, ...) are allowed
      const [plate] = res.body.results;
      expect(plate).toEqual(
        expect.objectContaining({
          plate: expect.any(String),
          confidence: expect.any(Number),
          region: expect.any(String),
          bounding_box: { x: expect.any(Number), y: expect.any(Number), width: expect.any(Number), height: expect.any(Number) },
          vehicle: BMW,
        }),
      );
      expect(plateText(plate.plate)).toBe(photo.plate);
      expect(plate.confidence).toBeGreaterThan(0);
      expect(plate.confidence).toBeLessThanOrEqual(1);
      expect(overlaps(plate.bounding_box, photo.box)).toBe(true);
      const reset = Number(res.headers['x-ratelimit-reset']);
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
    }, REAL_MODELS_TIMEOUT_MS);

    test.each([
      ['br', EASY_PHOTOS.br],
      ['sk', EASY_PHOTOS.sk],
    ])('a %s photo: 200 with its plate read where it is', async (_region, which) => {
      const photo = devPhoto(which);
      const res = await recognise().attach('upload', photo.path);
      expect(res.status).toBe(200);
      const body = RecognitionResponseSchema.parse(res.body);
      const read = body.results.find((r) => overlaps(r.bounding_box, photo.box));
      expect(read && plateText(read.plate)).toBe(photo.plate);
    }, REAL_MODELS_TIMEOUT_MS);
  });

  test.each(['png', 'webp'] as const)('accepts %s, recognised by content whatever the file name', async (format) => {
    const res = await recognise().attach('upload', await solidImage({ colour: COLOURS.plate, format }), { filename: 'photo.gif', contentType: 'image/gif' });
    expect(res.status).toBe(200);
  });

  test('every answer says where the time went (Server-Timing), refusals included', async () => {
    const phases = (header: string | undefined) => Object.fromEntries([...(header ?? '').matchAll(/(\w+);dur=([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
    const ok = await recognise().attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
    expect(ok.status).toBe(200);
    const timing = phases(ok.headers['server-timing']);
    expect(Object.keys(timing)).toEqual(['auth', 'upload', 'rate', 'validate', 'enqueue', 'recognition', 'bill', 'total']);
    // the recognition wait holds the worker's own time; the total holds every phase
    expect(timing.recognition).toBeGreaterThanOrEqual(ok.body.processing_time_ms);
    const phaseSum = Object.entries(timing).reduce((sum, [name, ms]) => (name === 'total' ? sum : sum + ms), 0);
    expect(timing.total).toBeGreaterThanOrEqual(phaseSum - 0.5); // each value is rounded to 0.1 ms

    // a refused image never reaches the queue: its answer shows how far it got
    const refused = await recognise().attach('upload', Buffer.from('definitely not a jpeg'), 'car.jpg');
    expect(refused.status).toBe(400);
    expect(Object.keys(phases(refused.headers['server-timing']))).toEqual(['auth', 'upload', 'rate', 'validate', 'total']);
    const unauthenticated = await sys.http().post('/api/v1/recognise').set('Authorization', 'Bearer npr_live_nope');
    expect(unauthenticated.status).toBe(401);
    expect(Object.keys(phases(unauthenticated.headers['server-timing']))).toEqual(['total']);
  });

  test('400 INVALID_IMAGE for bytes that are not an image', async () => {
    expectError(await recognise().attach('upload', Buffer.from('definitely not a jpeg'), 'car.jpg'), 400, 'INVALID_IMAGE');
  });

  test('400 INVALID_IMAGE for a GIF or any other format', async () => {
    expectError(await recognise().attach('upload', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'car.gif'), 400, 'INVALID_IMAGE');
  });

  test('400 INVALID_IMAGE for an image under 320x240', async () => {
    const res = await recognise().attach('upload', await solidImage({ width: 300, height: 200, colour: COLOURS.plate }), 'small.jpg');
    expectError(res, 400, 'INVALID_IMAGE');
    expect(res.body.error.message).toMatch(/320x240/);
  });

  test('400 INVALID_IMAGE for a truncated JPEG', async () => {
    const whole = await noiseImage(640, 480).then((png) => require('sharp')(png).jpeg().toBuffer());
    expectError(await recognise().attach('upload', whole.subarray(0, Math.floor(whole.length / 2)), 'cut.jpg'), 400, 'INVALID_IMAGE');
  });

  test('400 BAD_REQUEST for a missing upload field, a wrong field or no multipart body', async () => {
    expectError(await recognise().field('note', 'no file'), 400, 'BAD_REQUEST');
    expectError(await recognise().attach('file', await solidImage(), 'car.jpg'), 400, 'BAD_REQUEST');
    expectError(await recognise().send({ upload: 'x' }), 400, 'BAD_REQUEST');
    expectError(await recognise().type('text').send('AB12CDE'), 400, 'BAD_REQUEST');
  });

  test('413 IMAGE_TOO_LARGE over 10 MB', async () => {
    const big = await noiseImage(2000, 1800); // ~10.8 MB uncompressed PNG
    expect(big.length).toBeGreaterThan(10 * 1024 * 1024);
    expectError(await recognise().attach('upload', big, 'big.png'), 413, 'IMAGE_TOO_LARGE');
  });

  test('422 NO_PLATES_FOUND when the recogniser finds nothing', async () => {
    expectError(await recognise().attach('upload', await solidImage({ colour: COLOURS.noPlates }), 'empty.jpg'), 422, 'NO_PLATES_FOUND');
  });

  test('500 with a request id and no stack when recognition keeps failing', async () => {
    const res = await recognise().attach('upload', await solidImage({ colour: COLOURS.crash }), 'crash.jpg');
    expectError(res, 500, 'INTERNAL_ERROR');
    expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
    expect(JSON.stringify(res.body)).not.toMatch(/simulated|at \w+ \(|\.ts:/);
  });

  test('500 with a request id when the gateway itself fails, logged but not shown', async () => {
    const broken = sys.appWith({
      flow: { ...sys.flow, submitJob: async () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'id')")) },
    });
    const res = await request(broken).post('/api/v1/recognise').set(auth).attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
    expectError(res, 500, 'INTERNAL_ERROR');
    expect(res.body.error).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal server error.', request_id: res.headers['x-request-id'] });
  });

  test('503 with Retry-After, not 500, when Redis drops during the request', async () => {
    const broken = sys.appWith({
      flow: { ...sys.flow, submitJob: async () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:6379')) },
    });
    const res = await request(broken).post('/api/v1/recognise').set(auth).attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
    expectError(res, 503, 'SERVICE_UNAVAILABLE');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('503 at once, before the upload is read, while the Redis connection is down', async () => {
    const down = sys.appWith({ redisAvailable: () => false });
    const res = await request(down).post('/api/v1/recognise').set(auth).attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
    expect([res.status, res.body.success, res.body.error.code]).toEqual([503, false, 'SERVICE_UNAVAILABLE']);
    expect(res.headers['retry-after']).toBe('5');
    // the rate-limit counts live in Redis: this one answer cannot carry them
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
  });

  test('503 SERVICE_UNAVAILABLE (never invented plates) when the worker has no models', async () => {
    sys.setRecogniserState({ status: 'failed', reason: 'models/detector.onnx missing' });
    try {
      const res = await recognise().attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
      expectError(res, 503, 'SERVICE_UNAVAILABLE');
      expect(res.body.results).toBeUndefined();
    } finally {
      sys.setRecogniserState('ready');
    }
  });

  test('404 in the error shape for an unknown route', async () => {
    expectError(await sys.http().get('/api/v1/nope').set(auth), 404, 'NOT_FOUND');
  });
});

describe('health', () => {
  test('/healthz and /readyz answer', async () => {
    expect((await sys.http().get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await sys.http().get('/readyz')).body).toEqual({ status: 'ready', checks: { redis: true } });
  });
});
