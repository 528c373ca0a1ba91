// Dashboard accounts and sessions over HTTP against real Redis and PostgreSQL: CSRF, cookie flags,
// no user enumeration at login, rate limits per IP and per email, session invalidation, isolation
// between accounts. (The browser journey is in dashboard.browser.test.ts.)
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createApiKeyForEmail, ensureUser } from '@npr/db';
import { startTestSystem, type TestSystem } from './test-system';

jest.setTimeout(120_000);

const SECRET = 'dashboard-auth-test-secret-0123456789abcdef';
const PASSWORD = 'a long enough passphrase';
let sys: TestSystem;
let ipCounter = 0;

beforeAll(async () => {
  sys = await startTestSystem({
    appOverrides: {
      // each test pretends to come from its own client IP so the per-IP limits do not collide
      trustProxy: true,
      dashboard: {
        sessionSecret: SECRET,
        authLimits: { loginFailuresPerEmail: { points: 3, windowSeconds: 600 }, loginPerIp: { points: 8, windowSeconds: 600 }, signupPerIp: { points: 4, windowSeconds: 600 } },
      },
    },
  });
});
afterAll(() => sys.close());

/** A browser-like client: keeps cookies, reads the CSRF token off the page it just loaded. */
function browser() {
  const ip = `203.0.113.${++ipCounter}`;
  const agent = request.agent(sys.app);
  const withIp = <T extends { set: (k: string, v: string) => T }>(r: T) => r.set('X-Forwarded-For', ip);
  return {
    agent,
    get: (path: string) => withIp(agent.get(path)),
    async csrf(path: string) {
      const page = await withIp(agent.get(path));
      const m = /name="_csrf" value="([^"]+)"/.exec(page.text);
      if (!m) throw new Error(`no CSRF token on ${path} (${page.status})`);
      return m[1]!;
    },
    async post(path: string, form: Record<string, string>, csrfFrom = path) {
      const token = await this.csrf(csrfFrom);
      return withIp(agent.post(path)).type('form').send({ _csrf: token, ...form });
    },
    postRaw: (path: string, form: Record<string, string>) => withIp(agent.post(path)).type('form').send(form),
  };
}

const newEmail = () => `user-${Math.random().toString(36).slice(2)}@example.com`;

async function signedUp() {
  const b = browser();
  const email = newEmail();
  const res = await b.post('/signup', { email, password: PASSWORD });
  expect(res.status).toBe(303);
  return { b, email, res };
}

describe('dashboard accounts', () => {
  test('sign-up sets an httpOnly SameSite session cookie with an expiry and stores an argon2id hash', async () => {
    const { email, res } = await signedUp();
    expect(res.headers.location).toBe('/settings/api-keys?welcome=1');
    const cookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('npr_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Max-Age=\d+/);
    const user = await sys.db.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test('state-changing forms without a valid CSRF token are refused', async () => {
    const { b } = await signedUp();
    const noToken = await b.postRaw('/settings/api-keys', { name: 'x', expires: 'never' });
    expect(noToken.status).toBe(403);
    const forged = await b.postRaw('/settings/api-keys', { _csrf: 'A'.repeat(43), name: 'x', expires: 'never' });
    expect(forged.status).toBe(403);
    expect((await b.postRaw('/signup', { email: newEmail(), password: PASSWORD })).status).toBe(403);
    // a token from another browser's session does not work here either
    const other = await signedUp();
    const stolen = await other.b.csrf('/settings/api-keys');
    expect((await b.postRaw('/settings/api-keys', { _csrf: stolen, name: 'x', expires: 'never' })).status).toBe(403);
    expect(await sys.db.prisma.apiKey.count({ where: { name: 'x' } })).toBe(0);
  });

  test('login failures say the same for an unknown email, a wrong password and a CLI user without a password', async () => {
    const { email } = await signedUp();
    const cliUser = newEmail();
    await ensureUser(sys.db.prisma, { email: cliUser });
    const answers = await Promise.all(
      [
        { email, password: 'wrong password here' },
        { email: newEmail(), password: PASSWORD },
        { email: cliUser, password: PASSWORD },
      ].map(async (form) => {
        const res = await browser().post('/login', form);
        const message = /<div class="flash error"[^>]*>([^<]*)</.exec(res.text)?.[1];
        return { status: res.status, message };
      }),
    );
    expect(answers).toEqual([0, 1, 2].map(() => ({ status: 401, message: 'Email or password is incorrect.' })));
  });

  test('failed logins are limited per email address and client, so a stranger cannot lock the owner out', async () => {
    const { email } = await signedUp();
    const attacker = browser();
    for (let i = 0; i < 3; i++) expect((await attacker.post('/login', { email, password: `wrong ${i} xxxxxxx` })).status).toBe(401);
    // the guessing client is stopped, even with the right password now
    const limited = await attacker.post('/login', { email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.text).toContain('Too many attempts');
    // the owner, from their own address, is not
    expect((await browser().post('/login', { email, password: PASSWORD })).status).toBe(303);
  });

  test('logging out ends that session: the old cookie no longer works', async () => {
    const { b, res } = await signedUp();
    const sessionCookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('npr_session='))!.split(';')[0]!;
    // the cookie works before the logout
    expect((await request(sys.app).get('/settings/account').set('Cookie', sessionCookie)).status).toBe(200);
    expect((await b.post('/logout', {}, '/settings/account')).status).toBe(303);
    // the same cookie, replayed as someone who kept a copy would
    const replay = await request(sys.app).get('/settings/account').set('Cookie', sessionCookie!);
    expect(replay.status).toBe(303);
    expect(replay.headers.location).toMatch(/^\/login/);
  });

  test('logins are limited per client IP', async () => {
    const b = browser();
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await b.post('/login', { email: newEmail(), password: 'whatever it is' })).status);
    expect(statuses.slice(0, 8)).toEqual(new Array(8).fill(401));
    expect(statuses[8]).toBe(429);
  });

  test('sign-ups are limited per client IP', async () => {
    const b = browser();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await b.post('/signup', { email: newEmail(), password: PASSWORD }, '/signup')).status);
      await b.post('/logout', {}, '/settings/account').catch(() => undefined);
    }
    expect(statuses).toEqual([303, 303, 303, 303, 429]);
  });

  test('signing up with a taken email does not log in or change the account', async () => {
    const cliUser = newEmail();
    await ensureUser(sys.db.prisma, { email: cliUser });
    const res = await browser().post('/signup', { email: cliUser, password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.text).toContain('We could not create an account with this email address');
    expect([res.headers['set-cookie']].flat().some((c) => c?.startsWith('npr_session=') && !c.startsWith('npr_session=;'))).toBe(false);
    expect((await sys.db.prisma.user.findUniqueOrThrow({ where: { email: cliUser } })).passwordHash).toBeNull();
  });

  test('a password change ends other sessions; the new password works, the old one does not', async () => {
    const { b, email } = await signedUp();
    const other = browser();
    expect((await other.post('/login', { email, password: PASSWORD }, '/login')).status).toBe(303);
    expect((await other.get('/settings/account')).status).toBe(200);

    const mismatch = await b.post('/settings/account', { current_password: PASSWORD, new_password: 'the new passphrase 42', confirm_password: 'the new passphrase 43' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('The two new passwords are not the same.');
    expect((await browser().post('/login', { email, password: PASSWORD })).status).toBe(303); // nothing changed

    const changed = await b.post('/settings/account', { current_password: PASSWORD, new_password: 'the new passphrase 42', confirm_password: 'the new passphrase 42' });
    expect(changed.status).toBe(303);
    expect((await b.get('/settings/account')).status).toBe(200); // this browser got a fresh session
    const kicked = await other.get('/settings/account');
    expect(kicked.status).toBe(303);
    expect(kicked.headers.location).toMatch(/^\/login/);

    expect((await browser().post('/login', { email, password: PASSWORD })).status).toBe(401);
    expect((await browser().post('/login', { email, password: 'the new passphrase 42' })).status).toBe(303);
  });

  test('forged, expired and unsigned session tokens are ignored', async () => {
    const { email } = await signedUp();
    const user = await sys.db.prisma.user.findUniqueOrThrow({ where: { email } });
    const claims = { sub: user.id, sv: user.sessionVersion, jti: 'x' };
    const tokens = [
      jwt.sign(claims, 'some other secret that is long enough!!'),
      jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, SECRET),
      jwt.sign(claims, '', { algorithm: 'none' }),
    ];
    for (const token of tokens) {
      const res = await request(sys.app).get('/usage').set('Cookie', `npr_session=${token}`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login?next=%2Fusage');
    }
    const valid = await request(sys.app).get('/usage').set('Cookie', `npr_session=${jwt.sign(claims, SECRET)}`);
    expect(valid.status).toBe(200);
  });

  test('login only redirects to local paths', async () => {
    const { email } = await signedUp();
    const res = await browser().post('/login', { email, password: PASSWORD, next: '//evil.example/x' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  test('one account cannot see or revoke another account\'s keys', async () => {
    const victim = newEmail();
    const { apiKey } = await createApiKeyForEmail(sys.db.prisma, { email: victim, name: 'victim key' });
    const { b } = await signedUp();
    expect((await b.get('/settings/api-keys')).text).not.toContain(apiKey.prefix);
    expect((await b.get(`/settings/api-keys/${apiKey.id}/revoke`)).status).toBe(303);
    const attempt = await b.post(`/settings/api-keys/${apiKey.id}/revoke`, {}, '/settings/api-keys');
    expect(attempt.status).toBe(303);
    expect((await sys.db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).revokedAt).toBeNull();
  });

  test('the page with a new key is not cacheable and the key is stored only as a hash', async () => {
    const { b } = await signedUp();
    const res = await b.post('/settings/api-keys', { name: 'CI', expires: '30d' }, '/settings/api-keys');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const key = /value="(npr_live_[a-z0-9]{40})"/.exec(res.text)![1]!;
    const stored = await sys.db.prisma.apiKey.findFirstOrThrow({ where: { prefix: key.slice(0, 17) } });
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(stored.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });
});

describe('OpenAPI', () => {
  test('/api/v1/openapi.json is public OpenAPI 3.1 with the documented paths and error codes', async () => {
    const res = await request(sys.app).get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual([
      '/recognise',
      '/batch',
      '/v1/plate-reader',
      '/jobs/{id}',
      '/webhooks',
      '/webhooks/one-off-secret',
      '/webhooks/{id}',
      '/webhooks/{id}/enable',
      '/statistics',
      '/v1/statistics',
    ]);
    expect(res.body.components.schemas.ErrorCode.enum).toEqual(
      expect.arrayContaining(['INVALID_IMAGE', 'IMAGE_TOO_LARGE', 'NO_PLATES_FOUND', 'RATE_LIMIT_EXCEEDED', 'INVALID_API_KEY']),
    );
  });
});
