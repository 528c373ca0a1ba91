import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { apiKeyMatches } from '@npr/db';
import { DEV_PLATES_DIR, HAS_MODELS, createTestDatabase, solidImage } from '@npr/test-support';

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
  return nprWith({}, ...args);
}

async function nprWith(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run('pnpm', ['--silent', 'npr', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: database.url, ...env } });
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
    expect(res.stderr).toMatch(/Usage: npr keys create --email E --name N/);
    expect((await npr('keys', 'revoke', 'npr_live_nosuchkey')).code).toBe(1);
    // an unknown option is the command's usage, not a stack trace
    const bogus = await npr('keys', 'create', '--email', 'x@example.com', '--name', 'n', '--bogus');
    expect(bogus).toMatchObject({ code: 2, stdout: '' });
    expect(bogus.stderr).toMatch(/^npr: Unknown option '--bogus'.*\n\nUsage: npr keys create/s);
    expect(bogus.stderr).not.toMatch(/\bat \S+ \(/);
  });
});

describe('npr help', () => {
  test('npr --help, npr keys --help and npr keys create --help print usage on stdout and exit 0', async () => {
    const top = await npr('--help');
    expect(top).toMatchObject({ code: 0, stderr: '' });
    for (const usage of ['npr keys create --email E', 'npr keys revoke', 'npr accounts set-plan', 'npr recognise', 'npr vehicles import', 'npr users set-password']) {
      expect(top.stdout).toContain(usage);
    }
    const keys = await npr('keys', '--help');
    expect(keys).toMatchObject({ code: 0 });
    expect(keys.stdout).toMatch(/^Usage: npr keys <subcommand>/);
    expect(keys.stdout).toContain('npr keys list --email E');
    expect(keys.stdout).not.toContain('npr accounts');
    const create = await npr('keys', 'create', '--help');
    expect(create).toMatchObject({ code: 0 });
    expect(create.stdout).toMatch(/^Usage: npr keys create --email E --name N \[--expires 30d\|ISO-DATE\]\n\n.+\n\nExample:\n  .*npr keys create --email/);
  });

  test('every command has a help text with an example', async () => {
    const names = ['migrate', 'users create', 'users set-password', 'keys create', 'keys revoke', 'keys list', 'accounts set-plan', 'recognise', 'vehicles import'];
    const helps = await Promise.all(names.map((n) => npr(...n.split(' '), '--help')));
    helps.forEach((h, i) => {
      expect([names[i], h.code]).toEqual([names[i], 0]);
      expect(h.stdout).toMatch(new RegExp(`^Usage: npr ${names[i]}.*\\n\\nExample:\\n  .*npr ${names[i]}`, 's'));
    });
  });
});

describe('npr recognise', () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-cli-recognise-'));
    fs.writeFileSync(path.join(dir, 'blank.jpg'), await solidImage({ width: 640, height: 480 }));
    fs.writeFileSync(path.join(dir, 'junk.jpg'), 'not a jpeg');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('refuses the options the API refuses, with its limits', async () => {
    for (const args of [['--top-n', '99'], ['--top-n', '0'], ['--regions', 'gbr']]) {
      const res = await npr('recognise', ...args, path.join(dir, 'blank.jpg'));
      expect(res).toMatchObject({ code: 2, stdout: '' });
      expect(res.stderr).toMatch(/--top-n 1 to 10/);
    }
  });

  test('a bad recogniser variable stops it before any image, naming the variable', async () => {
    const res = await nprWith({ READER_WIDE_CROP: 'wide' }, 'recognise', '--jsonl', path.join(dir, 'blank.jpg'));
    expect(res).toMatchObject({ code: 2, stdout: '' });
    expect(res.stderr).toMatch(/Invalid configuration: READER_WIDE_CROP/);
  });

  const photo = path.join(DEV_PLATES_DIR, 'images', 'openalpr_benchmarks', 'br', 'AYO9034.jpg');
  const withPhoto = HAS_MODELS && fs.existsSync(photo);
  if (!withPhoto) console.warn('npr recognise on a real photo: skipped (needs models/*.onnx and ../shared/data/plates)');

  (HAS_MODELS ? test : test.skip)('a photo with no plate exits 3 with NO_PLATES_FOUND, or prints the empty result with --allow-empty', async () => {
    const none = await npr('recognise', path.join(dir, 'blank.jpg'));
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/blank\.jpg: NO_PLATES_FOUND: No number plates were detected in the image\./);
    const allowed = await npr('recognise', '--allow-empty', path.join(dir, 'blank.jpg'));
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/blank\.jpg: no plate/);
    expect(allowed.stderr).not.toMatch(/NO_PLATES_FOUND/);
  });

  (withPhoto ? test : test.skip)('--jsonl prints exactly one JSON line per image as the evaluator reads them (no plate: empty results)', async () => {
    const files = [photo, path.join(dir, 'junk.jpg'), path.join(dir, 'blank.jpg')];
    const res = await npr('recognise', '--jsonl', ...files);
    expect(res.code).toBe(1); // one image could not be read
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual(files);
    expect(lines[0]).toEqual({ file: photo, results: [expect.objectContaining({ plate: 'AYO9034', region: 'br', bounding_box: expect.any(Object) })], processing_time_ms: expect.any(Number) });
    expect(Object.keys(lines[0].results[0])).not.toContain('vehicle');
    expect(lines[1]).toEqual({ file: files[1], error: { code: 'INVALID_IMAGE', message: expect.any(String) } });
    expect(lines[2]).toEqual({ file: files[2], results: [], processing_time_ms: expect.any(Number) });
  });

  (withPhoto ? test : test.skip)('--vehicle adds the camera colour and the vehicle as the API does, from the operator registry', async () => {
    const csv = path.join(dir, 'fleet.csv');
    fs.writeFileSync(csv, 'plate,region,make,model,colour,year,fuel_type,notes\nAYO9034,br,Fiat,Uno,Silver,2012,petrol,\n');
    expect(await npr('vehicles', 'import', csv)).toMatchObject({ code: 0, stdout: 'imported 1 vehicle(s)\n' });
    const res = await npr('recognise', '--jsonl', '--vehicle', photo);
    expect(res.code).toBe(0);
    const [plate] = JSON.parse(res.stdout).results;
    expect(plate.observed_colour).toEqual({ name: expect.any(String), confidence: expect.any(Number) });
    expect(plate.vehicle).toMatchObject({ make: 'Fiat', model: 'Uno', colour: 'Silver', year: 2012, source: 'operator' });
    const human = await npr('recognise', '--vehicle', photo);
    expect(human.stdout).toMatch(/AYO9034 \(br, 0\.\d\d, camera: \w+ 0\.\d\d, vehicle \(operator\): Silver Fiat Uno 2012\)/);
  });
});
