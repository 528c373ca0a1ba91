import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { apiKeyMatches } from '@npr/db';
import { createTestDatabase } from '@npr/test-support';

jest.setTimeout(120_000);
const run = promisify(execFile);
const root = path.join(__dirname, '..', '..', '..');

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** Runs the CLI exactly as the README does: `pnpm --silent npr ...`. */
async function npr(...args: string[]) {
  try {
    const { stdout, stderr } = await run('pnpm', ['--silent', 'npr', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: database.url } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npr CLI', () => {
  test('keys create prints only the key, creating the user; keys revoke revokes it', async () => {
    const created = await npr('keys', 'create', '--email', 'Cli@Example.com', '--name', 'ci', '--expires', '30d');
    expect(created).toMatchObject({ code: 0 });
    expect(created.stdout).toMatch(/^npr_live_[a-z0-9]{40}\n$/);
    const key = created.stdout.trim();

    const stored = await database.db.prisma.apiKey.findFirstOrThrow({ where: { user: { email: 'cli@example.com' } } });
    expect(apiKeyMatches(key, stored.keyHash)).toBe(true);
    expect(stored.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    const revoked = await npr('keys', 'revoke', stored.prefix);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${stored.prefix}\n` });
    expect((await database.db.prisma.apiKey.findUniqueOrThrow({ where: { id: stored.id } })).revokedAt).not.toBeNull();
  });

  test('users create and accounts set-plan', async () => {
    expect(await npr('users', 'create', '--email', 'plan@example.com')).toMatchObject({ code: 0 });
    const set = await npr('accounts', 'set-plan', '--email', 'plan@example.com', '--plan', 'enterprise', '--requests', '5000', '--window', '60');
    expect(set).toMatchObject({ code: 0, stdout: expect.stringMatching(/plan enterprise, 5000 images per 60 s window/) });
    const user = await database.db.prisma.user.findUniqueOrThrow({ where: { email: 'plan@example.com' }, include: { account: true } });
    expect(user.account).toMatchObject({ plan: 'enterprise', customRequestsPerWindow: 5000, customWindowSeconds: 60 });
    expect(set.stdout).toMatch(/, no monthly quota\n$/);

    const quota = await npr('accounts', 'set-plan', '--email', 'plan@example.com', '--plan', 'pro', '--monthly-quota', '20000');
    expect(quota).toMatchObject({ code: 0, stdout: expect.stringMatching(/plan pro, 20000 images a month\n$/) });
    const unlimited = await npr('accounts', 'set-plan', '--email', 'plan@example.com', '--plan', 'free', '--monthly-quota', 'unlimited');
    expect(unlimited).toMatchObject({ code: 0, stdout: expect.stringMatching(/plan free, no monthly quota\n$/) });
    expect(await npr('accounts', 'set-plan', '--email', 'plan@example.com', '--plan', 'free')).toMatchObject({ stdout: expect.stringMatching(/plan free, 2500 images a month\n$/) });
    expect(await npr('accounts', 'set-plan', '--email', 'plan@example.com', '--plan', 'free', '--monthly-quota', 'lots')).toMatchObject({ code: 2 });
  });

  test('mistakes exit non-zero with the reason on stderr and nothing on stdout', async () => {
    const res = await npr('keys', 'create', '--email', 'x@example.com');
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/missing --name/);
    expect((await npr('keys', 'revoke', 'npr_live_nosuchkey')).code).toBe(1);
  });
});
