import { BatchResponseSchema } from '@npr/contracts';
import { solidImage } from '@npr/test-support';
import { COLOURS } from './fake-recogniser';
import { startTestSystem, type TestSystem } from './test-system';

jest.setTimeout(90_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(() => sys.close());

describe('POST /api/v1/batch', () => {
  test('mixed good and bad images: one entry per image, in order, each with its own outcome', async () => {
    const { auth } = await sys.createKey({ limit: { requests: 100, windowSeconds: 60 } });
    const res = await sys
      .http()
      .post('/api/v1/batch')
      .set(auth)
      .attach('images[]', await solidImage({ colour: COLOURS.plate }), 'a.jpg')
      .attach('images[]', Buffer.from('not an image at all'), 'b.jpg')
      .attach('images[]', await solidImage({ colour: COLOURS.noPlates, format: 'png' }), 'c.png')
      .attach('images[]', await solidImage({ width: 200, height: 100 }), 'd.jpg')
      .attach('images[]', await solidImage({ colour: COLOURS.plate, format: 'webp' }), 'e.webp');
    expect(res.status).toBe(200);
    expect(BatchResponseSchema.parse(res.body)).toBeTruthy();
    const summary = res.body.results.map((r: any) => (r.success ? r.results[0].plate : r.error.code));
    expect(summary).toEqual(['AB12 CDE', 'INVALID_IMAGE', 'NO_PLATES_FOUND', 'INVALID_IMAGE', 'AB12 CDE']);
    // each image counts one toward the limit
    expect(res.headers['x-ratelimit-remaining']).toBe('95');
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
