import { solidImage } from '@npr/test-support';
import { COLOURS } from './fake-recogniser';
import { startTestSystem, type TestSystem } from './test-system';

jest.setTimeout(60_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(() => sys.close());

describe('rate limits', () => {
  test('headers count down per image; over the limit is 429 with Retry-After', async () => {
    const { auth } = await sys.createKey({ limit: { requests: 3, windowSeconds: 60 } });
    const image = await solidImage({ colour: COLOURS.plate });
    const first = await sys.http().post('/api/v1/recognise').set(auth).attach('upload', image, 'a.jpg');
    expect(first.status).toBe(200);
    expect([first.headers['x-ratelimit-limit'], first.headers['x-ratelimit-remaining']]).toEqual(['3', '2']);

    const batch = await sys.http().post('/api/v1/batch').set(auth).attach('images[]', image, 'a.jpg').attach('images[]', image, 'b.jpg');
    expect(batch.status).toBe(200);
    expect(batch.headers['x-ratelimit-remaining']).toBe('0');

    const limited = await sys.http().post('/api/v1/recognise').set(auth).attach('upload', image, 'c.jpg');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ success: false, error: { code: 'RATE_LIMIT_EXCEEDED', message: expect.any(String) } });
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
  });

  test('a batch larger than what is left is refused whole', async () => {
    const { auth } = await sys.createKey({ limit: { requests: 2, windowSeconds: 60 } });
    const image = await solidImage({ colour: COLOURS.plate });
    let req = sys.http().post('/api/v1/batch').set(auth);
    for (let i = 0; i < 3; i++) req = req.attach('images[]', image, `${i}.jpg`);
    const res = await req;
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    // the refused batch spent nothing: the two images left can still be used
    expect(res.headers['x-ratelimit-remaining']).toBe('2');
    const fits = await sys.http().post('/api/v1/batch').set(auth).attach('images[]', image, 'a.jpg').attach('images[]', image, 'b.jpg');
    expect([fits.status, fits.headers['x-ratelimit-remaining']]).toEqual([200, '0']);
  });

  test('limits are per key and follow the plan', async () => {
    const a = await sys.createKey({ limit: { requests: 1, windowSeconds: 60 } });
    const b = await sys.createKey();
    const image = await solidImage({ colour: COLOURS.plate });
    await sys.http().post('/api/v1/recognise').set(a.auth).attach('upload', image, 'a.jpg').expect(200);
    await sys.http().post('/api/v1/recognise').set(a.auth).attach('upload', image, 'a.jpg').expect(429);
    const other = await sys.http().post('/api/v1/recognise').set(b.auth).attach('upload', image, 'a.jpg');
    expect(other.status).toBe(200);
    expect(other.headers['x-ratelimit-limit']).toBe('60'); // the free plan
  });
});
