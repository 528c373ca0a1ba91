// `npr users set-password` / `npr users create --password-stdin` (packages/cli) against real PostgreSQL,
// then the dashboard's own login route: a CLI user (like the first `pnpm start` user) can log in with
// the password the CLI set; refused passwords and unknown emails fail clearly and change nothing.
import { spawn } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { createTestDatabase } from '@npr/test-support';
import { startTestSystem, type TestSystem } from './test-system';

jest.setTimeout(120_000);
const root = path.join(__dirname, '..', '..', '..');
const PASSWORD = 'a long enough passphrase';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: TestSystem;
beforeAll(async () => {
  // the CLI gets this database's URL; the gateway under test uses the same database
  database = await createTestDatabase();
  sys = await startTestSystem({
    appOverrides: { prisma: database.db.prisma, dashboard: { sessionSecret: 'cli-set-password-test-secret-0123456789abcdef' } },
  });
});
afterAll(async () => {
  await sys?.close();
  await database?.drop();
});

/** Runs the CLI as the README does, `<stdin> | pnpm --silent npr ...`. */
function npr(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['--silent', 'npr', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: database.url } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Logs in through the dashboard's form (CSRF token from the login page); the agent keeps the session cookie. */
async function logIn(email: string, password: string) {
  const agent = request.agent(sys.app);
  const page = await agent.get('/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!csrf) throw new Error(`no CSRF token on /login (${page.status})`);
  const res = await agent.post('/login').type('form').send({ _csrf: csrf, email, password });
  return { agent, res };
}

const user = (email: string) => database.db.prisma.user.findUniqueOrThrow({ where: { email } });

describe('npr users set-password', () => {
  test('a CLI-created user gets a password the dashboard accepts; setting it again ends older sessions', async () => {
    // created the way `pnpm start` creates its first user: by making a key for the address
    expect(await npr(['keys', 'create', '--email', 'admin@localhost', '--name', 'first key'])).toMatchObject({ code: 0 });
    expect((await logIn('admin@localhost', PASSWORD)).res.status).toBe(401);

    const set = await npr(['users', 'set-password', '--email', 'Admin@Localhost'], `${PASSWORD}\n`);
    expect(set).toEqual({ code: 0, stdout: '', stderr: 'password set for admin@localhost; their earlier dashboard sessions have ended\n' });
    expect((await user('admin@localhost')).passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const { agent, res } = await logIn('admin@localhost', PASSWORD);
    expect(res.status).toBe(303);
    expect([res.headers['set-cookie']].flat().some((c) => c?.startsWith('npr_session='))).toBe(true);
    const account = await agent.get('/settings/account');
    expect(account.status).toBe(200);
    expect(account.text).toContain('Signed in as <strong>admin@localhost</strong>');
    expect((await logIn('admin@localhost', 'not the passphrase at all')).res.status).toBe(401);

    // only the first line counts, as a piped `printf 'pw\n'` gives it; the session above ends
    const again = await npr(['users', 'set-password', '--email', 'admin@localhost'], 'the second passphrase\nsomething else\n');
    expect(again.code).toBe(0);
    const kicked = await agent.get('/settings/account');
    expect(kicked.status).toBe(303);
    expect(kicked.headers.location).toMatch(/^\/login/);
    expect((await logIn('admin@localhost', PASSWORD)).res.status).toBe(401);
    expect((await logIn('admin@localhost', 'the second passphrase')).res.status).toBe(303);
  });

  test('a password the dashboard would refuse is refused, saying why, and nothing changes', async () => {
    expect(await npr(['users', 'create', '--email', 'short@example.com'])).toMatchObject({ code: 0 });
    const before = await user('short@example.com');
    for (const bad of ['too short\n', 'short@example.com\n', '\n']) {
      const res = await npr(['users', 'set-password', '--email', 'short@example.com'], bad);
      expect(res.code).not.toBe(0);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(bad === '\n' ? /^npr: no password on stdin/ : /^npr: password refused: /);
    }
    const tooShort = await npr(['users', 'set-password', '--email', 'short@example.com'], 'too short\n');
    expect(tooShort.stderr).toMatch(/Use at least 10 characters/);
    expect(tooShort.code).toBe(1);
    const after = await user('short@example.com');
    expect(after).toMatchObject({ passwordHash: null, sessionVersion: before.sessionVersion });
  });

  test('an unknown email fails clearly and creates nobody', async () => {
    const res = await npr(['users', 'set-password', '--email', 'nobody@example.com'], `${PASSWORD}\n`);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toMatch(/^npr: no user with email nobody@example\.com/);
    expect(await database.db.prisma.user.count({ where: { email: 'nobody@example.com' } })).toBe(0);
    expect((await npr(['users', 'set-password'], `${PASSWORD}\n`)).stderr).toMatch(/missing --email/);
  });
});

describe('npr users create --password-stdin', () => {
  test('creates a user who can log in; an existing user keeps their password; a refused password creates nothing', async () => {
    const created = await npr(['users', 'create', '--email', 'new@example.com', '--password-stdin'], `${PASSWORD}\n`);
    expect(created.code).toBe(0);
    expect(created.stdout).toBe(`${(await user('new@example.com')).id}\n`);
    expect((await logIn('new@example.com', PASSWORD)).res.status).toBe(303);

    const existing = await npr(['users', 'create', '--email', 'new@example.com', '--password-stdin'], 'some other passphrase\n');
    expect(existing).toMatchObject({ code: 1, stdout: '' });
    expect(existing.stderr).toMatch(/already exists; its password was not changed/);
    expect((await logIn('new@example.com', PASSWORD)).res.status).toBe(303);

    const refused = await npr(['users', 'create', '--email', 'refused@example.com', '--password-stdin'], 'short\n');
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/password refused: Use at least 10 characters/);
    expect(await database.db.prisma.user.count({ where: { email: 'refused@example.com' } })).toBe(0);
  });
});
