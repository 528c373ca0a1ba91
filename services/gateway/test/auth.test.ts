import { revokeApiKey } from '@npr/db';
import { solidImage } from '@npr/test-support';
import { COLOURS } from './fake-recogniser';
import { startTestSystem, type TestSystem } from './test-system';

jest.setTimeout(60_000);

let sys: TestSystem;
let image: Buffer;
beforeAll(async () => {
  sys = await startTestSystem();
  image = await solidImage({ colour: COLOURS.plate });
});
afterAll(() => sys.close());

function expectInvalidKey(res: { status: number; body: unknown; headers: Record<string, string> }) {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ success: false, error: { code: 'INVALID_API_KEY', message: expect.any(String) } });
  for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) expect(res.headers[h]).toMatch(/^\d+$/);
}

describe('API key authentication', () => {
  test('a missing key is 401 INVALID_API_KEY', async () => {
    expectInvalidKey(await sys.http().post('/api/v1/recognise').attach('upload', image, 'car.jpg'));
  });

  test('a malformed key is 401', async () => {
    expectInvalidKey(await sys.http().post('/api/v1/recognise').set('Authorization', 'Bearer not-a-key').attach('upload', image, 'car.jpg'));
    expectInvalidKey(await sys.http().post('/api/v1/recognise').set('Authorization', 'Basic abc').attach('upload', image, 'car.jpg'));
  });

  test('a well-formed but unknown key is 401', async () => {
    const { key } = await sys.createKey();
    // same prefix, different secret: found by prefix, rejected by the hash comparison
    const forged = key.slice(0, -4) + (key.endsWith('aaaa') ? 'bbbb' : 'aaaa');
    expectInvalidKey(await sys.http().post('/api/v1/recognise').set('Authorization', `Bearer ${forged}`).attach('upload', image, 'car.jpg'));
    expectInvalidKey(await sys.http().get('/api/v1/jobs/00000000-0000-0000-0000-000000000000').set('Authorization', `Bearer npr_live_${'a'.repeat(40)}`));
  });

  test('a revoked key is 401 from the next request on', async () => {
    const { key, auth, apiKey } = await sys.createKey();
    const ok = await sys.http().post('/api/v1/recognise').set(auth).attach('upload', image, 'car.jpg');
    expect(ok.status).toBe(200);
    await revokeApiKey(sys.db.prisma, apiKey.prefix);
    expectInvalidKey(await sys.http().post('/api/v1/recognise').set('Authorization', `Bearer ${key}`).attach('upload', image, 'car.jpg'));
  });

  test('an expired key is 401; one expiring later works', async () => {
    const expired = await sys.createKey({ expiresAt: new Date(Date.now() - 1000) });
    expectInvalidKey(await sys.http().post('/api/v1/recognise').set(expired.auth).attach('upload', image, 'car.jpg'));
    const valid = await sys.createKey({ expiresAt: new Date(Date.now() + 3_600_000) });
    expect((await sys.http().post('/api/v1/recognise').set(valid.auth).attach('upload', image, 'car.jpg')).status).toBe(200);
  });

  test('a used key records last use and daily usage', async () => {
    const { auth, apiKey } = await sys.createKey();
    await sys.http().post('/api/v1/recognise').set(auth).attach('upload', image, 'car.jpg').expect(200);
    const stored = await sys.db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id }, include: { usage: true } });
    expect(stored.lastUsedAt).not.toBeNull();
    expect(stored.usage.map((u) => u.requests)).toEqual([1]);
  });
});
