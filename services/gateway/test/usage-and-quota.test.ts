// What is billed, GET /api/v1/statistics (and Plate Recognizer's /v1/statistics/), and the monthly quota.
import { setAccountPlan } from '@npr/db';
import { eventually, solidImage } from '@npr/test-support';
import { COLOURS } from './fake-recogniser';
import { startTestSystem, type TestSystem } from './test-system';

jest.setTimeout(60_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(() => sys.close());

const image = (colour: { r: number; g: number; b: number }) => solidImage({ colour });
const recognise = async (auth: Record<string, string>, colour: { r: number; g: number; b: number }, path = '/api/v1/recognise') =>
  sys.http().post(path).set(auth).attach('upload', await image(colour), 'car.jpg');
const statistics = async (auth: Record<string, string>) => (await sys.http().get('/api/v1/statistics').set(auth).expect(200)).body;

describe('usage: only processed images are billed', () => {
  test('plates found or not are billed; rejected uploads, auth failures and 5xx are not; sync and async alike, once each', async () => {
    const { auth, apiKey } = await sys.createKey();
    const second = await sys.createKey();
    expect((await recognise(auth, COLOURS.plate)).status).toBe(200);
    expect((await recognise(auth, COLOURS.noPlates)).status).toBe(422);
    // rejected uploads: not an image, too small, no file at all
    for (let i = 0; i < 3; i++) {
      const bad = await sys.http().post('/api/v1/recognise').set(auth).attach('upload', Buffer.from(`not an image ${i}`), 'x.jpg');
      expect(bad.body.error.code).toBe('INVALID_IMAGE');
    }
    expect((await sys.http().post('/api/v1/recognise').set(auth).attach('upload', await solidImage({ width: 100, height: 100 }), 's.jpg')).status).toBe(400);
    expect((await sys.http().post('/api/v1/recognise').set(auth).field('regions', 'gb')).status).toBe(400);
    // auth failures
    expect((await recognise({ Authorization: 'Bearer npr_live_wrongwrongwrongwrongwrongwrongwrongwrong' }, COLOURS.plate)).status).toBe(401);
    // our own failure: no models loaded
    sys.setRecogniserState({ status: 'failed', reason: 'models missing' });
    try {
      expect((await recognise(auth, COLOURS.plate)).status).toBe(503);
    } finally {
      sys.setRecogniserState('ready');
    }
    // a batch: one good image billed, one corrupt not
    const batch = await sys
      .http()
      .post('/api/v1/batch')
      .set(auth)
      .attach('images[]', await image(COLOURS.plate), 'a.jpg')
      .attach('images[]', Buffer.from('corrupt'), 'b.jpg');
    expect(batch.status).toBe(200);
    // async: billed when the job ends, by the job-finished worker
    const accepted = await sys.http().post('/api/v1/recognise?async=true').set(auth).attach('upload', await image(COLOURS.plate), 'c.jpg');
    expect(accepted.status).toBe(202);
    expect((await recognise(second.auth, COLOURS.plate)).status).toBe(200);

    const stats = await eventually(async () => {
      const s = await statistics(auth);
      return s.month.images >= 4 ? s : null;
    });
    // give a second billing of any of these jobs (sync answer + job-finished worker) time to show
    await new Promise((r) => setTimeout(r, 800));
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    expect(await statistics(auth)).toEqual({
      success: true,
      plan: { name: 'free', rate_limit: { images: 60, window_seconds: 60 }, monthly_quota: 2500 },
      month: {
        start: `${today.slice(0, 7)}-01`,
        resets_at: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
        // one plate, one with no plate, the batch's good image, the async one
        images: 4,
        remaining: 2496,
      },
      today: { date: today, images: 4 },
      keys: [
        { id: apiKey.id, name: 'test key', prefix: apiKey.prefix, revoked: false, month_images: 4, today_images: 4 },
        // the other key is another account's: not listed
      ],
    });
    expect(stats.keys).toHaveLength(1);
    expect((await statistics(second.auth)).month.images).toBe(1);
  });

  test('Plate Recognizer clients get /v1/statistics/ in their shape with "Authorization: Token"', async () => {
    const { key, auth } = await sys.createKey();
    await recognise(auth, COLOURS.plate);
    const res = await sys.http().get('/v1/statistics/').set('Authorization', `Token ${key}`).expect(200);
    const now = new Date();
    expect(res.body).toEqual({
      usage: {
        year: now.getUTCFullYear(),
        month: now.getUTCMonth() + 1,
        calls: 1,
        resets_on: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().replace('.000Z', 'Z'),
      },
      total_calls: 2500,
    });
    expect((await sys.http().get('/v1/statistics').set('Authorization', 'Token nope')).status).toBe(401);
  });

  test('usage from earlier months does not count this month', async () => {
    const { auth, apiKey } = await sys.createKey();
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15));
    await sys.db.prisma.usageDay.create({ data: { apiKeyId: apiKey.id, day: lastMonth, requests: 40 } });
    await recognise(auth, COLOURS.plate);
    const stats = await statistics(auth);
    expect(stats.month.images).toBe(1);
    expect(stats.keys[0].month_images).toBe(1);
  });
});

describe('monthly quota', () => {
  test('recognition answers carry X-Quota-*; over quota is 429 QUOTA_EXCEEDED (not the rate limit), nothing billed', async () => {
    const { auth, email } = await sys.createKey();
    await setAccountPlan(sys.db.prisma, { email, plan: 'free', monthlyQuota: 3 });
    const now = new Date();
    const reset = String(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000);

    const first = await recognise(auth, COLOURS.plate);
    expect(first.status).toBe(200);
    expect([first.headers['x-quota-limit'], first.headers['x-quota-remaining'], first.headers['x-quota-reset']]).toEqual(['3', '3', reset]);
    expect((await recognise(auth, COLOURS.plate)).headers['x-quota-remaining']).toBe('2');

    // a batch of two when one is left is refused whole, before anything is spent
    const tooBig = await sys
      .http()
      .post('/api/v1/batch')
      .set(auth)
      .attach('images[]', await image(COLOURS.plate), 'a.jpg')
      .attach('images[]', await image(COLOURS.plate), 'b.jpg');
    expect(tooBig.status).toBe(429);
    expect(tooBig.body.error.code).toBe('QUOTA_EXCEEDED');
    expect(tooBig.body.error.message).toMatch(/2 images but only 1 of the monthly quota of 3 are left/);

    expect((await recognise(auth, COLOURS.plate)).status).toBe(200);
    const over = await recognise(auth, COLOURS.plate);
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ success: false, error: { code: 'QUOTA_EXCEEDED', message: expect.stringMatching(/^Monthly quota of 3 images used up; it resets at \d{4}-\d\d-01T00:00:00.000Z/) } });
    expect([over.headers['x-quota-limit'], over.headers['x-quota-remaining'], over.headers['x-quota-reset']]).toEqual(['3', '0', reset]);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // the per-minute window still has room: this is the quota, with the rate-limit headers as always
    expect(Number(over.headers['x-ratelimit-remaining'])).toBeGreaterThan(0);

    const stats = await statistics(auth);
    expect(stats.plan.monthly_quota).toBe(3);
    expect(stats.month).toMatchObject({ images: 3, remaining: 0 });
    // other routes still work for the account
    await sys.http().get('/api/v1/webhooks').set(auth).expect(200);
  });

  test('an operator can lift the cap (no X-Quota-* headers then)', async () => {
    const { auth, email } = await sys.createKey();
    await setAccountPlan(sys.db.prisma, { email, plan: 'pro', monthlyQuota: 'unlimited' });
    const res = await recognise(auth, COLOURS.plate);
    expect(res.status).toBe(200);
    expect(res.headers['x-quota-limit']).toBeUndefined();
    expect((await statistics(auth)).plan).toEqual({ name: 'pro', rate_limit: { images: 600, window_seconds: 60 }, monthly_quota: null });
    expect((await statistics(auth)).month.remaining).toBeNull();
  });
});
