// The dashboard end to end in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against the real gateway on real ports, real Redis and PostgreSQL, and the real queue and workers.
// The recogniser is the test double (test/fake-recogniser.ts), so that what the pages show does not
// depend on what the trained models read (recognise-photos tests cover those). Two gateway apps share
// the database and Redis, standing in for two replicas.
// Screenshots of the main pages go to test-artifacts/dashboard/ (git-ignored).
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import sharp from 'sharp';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { COLOURS, PLATE } from './fake-recogniser';
import { startTestSystem, type TestSystem } from './test-system';
import { startWebhookReceiver, verifySignature } from './webhook-receiver';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// the flags that work on these machines (shared/ENVIRONMENT.md); the profile is a fresh temp dir
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = path.join(__dirname, '..', '..', '..', 'test-artifacts', 'dashboard');
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a different long passphrase';

// generous: this runs on busy 2-core CI machines next to other work
jest.setTimeout(240_000);

let sys: TestSystem;
let servers: Server[] = [];
let baseA: string;
let baseB: string;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
let photo: Buffer;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

function listen(app: ReturnType<TestSystem['appWith']>): Promise<{ server: Server; base: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    server.once('error', reject);
  });
}

/** A 640x480 "photo": red (the fake recogniser answers one plate for red) with a plate where it reports one. */
async function platePhoto(): Promise<Buffer> {
  const b = PLATE.bounding_box;
  const plate = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${b.width}" height="${b.height}"><rect width="100%" height="100%" rx="6" fill="#f7d117" stroke="#111" stroke-width="3"/>` +
      `<text x="50%" y="68%" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="34" text-anchor="middle" fill="#111">AB12 CDE</text></svg>`,
  );
  const { r, g, b: blue } = COLOURS.plate;
  return sharp({ create: { width: 640, height: 480, channels: 3, background: { r, g, b: blue } } })
    .composite([{ input: plate, left: b.x, top: b.y }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function shot(name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function recognise(base: string, key: string) {
  const form = new FormData();
  form.append('upload', new Blob([photo], { type: 'image/jpeg' }), 'car.jpg');
  const res = await fetch(`${base}/api/v1/recognise`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form });
  return { status: res.status, body: (await res.json()) as { success: boolean; results?: { plate: string }[]; error?: { code: string } } };
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`);
  fs.mkdirSync(SHOTS, { recursive: true });
  photo = await platePhoto();
  const dashboard = { sessionSecret: 'browser-test-session-secret-0123456789abcdef' };
  receiver = await startWebhookReceiver();
  // the local receiver is on 127.0.0.1: outbound calls reach it only through the allow-list
  sys = await startTestSystem({ appOverrides: { dashboard }, webhooks: { allowHosts: ['127.0.0.1'], backoffMs: 200 } });
  const a = await listen(sys.app);
  const b = await listen(sys.appWith({ dashboard }));
  servers = [a.server, b.server];
  baseA = a.base;
  baseB = b.base;
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
    baseURL: baseA,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseA });
  context.setDefaultTimeout(60_000);
  context.setDefaultNavigationTimeout(60_000);
  page = context.pages()[0] ?? (await context.newPage());
});

afterAll(async () => {
  await context?.close().catch(() => {});
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await sys?.close();
  await receiver?.close();
});

describe('dashboard in a real browser', () => {
  const email = `driver-${Date.now()}@example.com`;
  let key = '';

  test('the landing page and the docs are public', async () => {
    await page.goto('/');
    await page.getByRole('link', { name: 'Create a free account' }).waitFor();
    await shot('01-landing');
    await page.goto('/docs/errors');
    await page.getByRole('heading', { level: 1, name: 'Error Handling' }).waitFor();
    expect(await page.locator('table').nth(1).innerText()).toContain('INVALID_API_KEY');
    await shot('02-docs-errors');
    await page.goto('/docs/webhooks');
    await page.getByRole('heading', { level: 2, name: 'Verify the signature' }).waitFor();
    expect(await page.locator('.docs-body').innerText()).toMatch(/def verify_npr_signature[\s\S]*function verifyNprSignature/);
    await page.goto('/docs/usage');
    await page.getByRole('heading', { level: 1, name: 'Usage & Quotas' }).waitFor();
    expect(await page.locator('.docs-body').innerText()).toContain('QUOTA_EXCEEDED');
  });

  test('sign up lands on Settings -> API Keys', async () => {
    await page.goto('/signup');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await shot('03-signup');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/settings/api-keys?welcome=1');
    await page.getByText('Your account is ready').waitFor();
    const cookies = await context.cookies(baseA);
    const session = cookies.find((c) => c.name === 'npr_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(session.expires).toBeGreaterThan(Date.now() / 1000);
    await shot('04-api-keys-empty');
  });

  test('create a key: shown once, copied with the button', async () => {
    await page.getByLabel('Name').fill('Car park camera 3');
    await page.getByLabel('Expires').selectOption('90d');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: /Your new key/ }).waitFor();
    key = await page.locator('[data-new-key]').inputValue();
    expect(key).toMatch(/^npr_live_[a-z0-9]{40}$/);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
    await shot('05-key-created');

    await page.goto('/settings/api-keys');
    const row = page.locator(`tr[data-key-prefix="${key.slice(0, 17)}"]`);
    await expect(row.innerText()).resolves.toMatch(/Car park camera 3[\s\S]*Never[\s\S]*active/);
    // the full key is never shown again
    expect(await page.content()).not.toContain(key);
  });

  test('a request with the key shows up on Usage & plan', async () => {
    await page.goto('/usage');
    expect(await page.getByTestId('usage-today').innerText()).toBe('0');

    // through the other replica: usage and limits live in PostgreSQL and Redis, not in a process
    const res = await recognise(baseB, key);
    expect(res.status).toBe(200);
    expect(res.body.results?.[0]?.plate).toBe('AB12 CDE');

    await page.reload();
    expect(await page.getByTestId('usage-today').innerText()).toBe('1');
    const windowRow = page.locator(`.window-table tr[data-key-prefix="${key.slice(0, 17)}"]`);
    expect(await windowRow.getByTestId('remaining').innerText()).toBe('59');
    expect(await page.locator('.usage-svg rect').count()).toBeGreaterThan(0);
    await shot('06-usage');
  });

  test('Try it sends a photo through the real API and draws the plate', async () => {
    await page.goto('/try');
    await page.getByLabel('API key').fill(key);
    await page.getByLabel(/^Photo/).setInputFiles({ name: 'car.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByRole('button', { name: 'Recognise' }).click();
    await page.locator('#try-plates td.plate', { hasText: 'AB12 CDE' }).waitFor();
    await page.locator('#try-preview svg rect').first().waitFor();
    expect(await page.locator('#try-plates tbody').innerText()).toMatch(/AB12 CDE\s+97\.0%\s+GB\s+BMW · Black · 2021 · petrol · car/);
    const json = JSON.parse(await page.locator('#try-json').innerText());
    expect(json).toMatchObject({ success: true, results: [{ plate: 'AB12 CDE', region: 'gb', vehicle: { make: 'BMW' } }] });
    expect(await page.locator('#try-curl').innerText()).toBe(
      `curl -X POST ${baseA}/api/v1/recognise \\\n  -H "Authorization: Bearer ${key}" \\\n  -F "upload=@car.jpg"`,
    );
    await shot('07-try-it');
    await page.goto('/usage');
    expect(await page.getByTestId('usage-today').innerText()).toBe('2');
  });

  test('rejected uploads are not billed: usage counts only processed images', async () => {
    for (let i = 0; i < 3; i++) {
      const form = new FormData();
      form.append('upload', new Blob([Buffer.from(`not an image ${i}`)], { type: 'image/jpeg' }), 'x.jpg');
      const res = await fetch(`${baseA}/api/v1/recognise`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_IMAGE');
    }
    await page.goto('/usage');
    expect(await page.getByTestId('usage-today').innerText()).toBe('2');
    expect(await page.getByTestId('usage-month').innerText()).toBe('2');
    expect(await page.getByTestId('quota-left').innerText()).toMatch(/^of 2,500: 2,498 left until \d{4}-\d\d-01$/);
    await page.getByRole('heading', { name: 'Billed images per day, per key' }).waitFor();
  });

  test('Settings -> Webhooks: add one (secret shown once), deliveries and their status codes in the log', async () => {
    await page.goto('/settings/webhooks');
    await page.getByLabel('URL', { exact: true }).fill(receiver.url('/browser'));
    await page.getByRole('checkbox', { name: /batch\.completed/ }).uncheck();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('heading', { name: 'Webhook added' }).waitFor();
    const secret = await page.locator('#new-secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await shot('10-webhook-secret');
    await page.getByRole('link', { name: 'Done: back to webhooks' }).click();
    const card = page.locator('article.webhook');
    await expect(card.innerText()).resolves.toMatch(/recognition\.completed, recognition\.failed · Status: enabled/);
    expect(await page.content()).not.toContain(secret);

    // the receiver fails the first attempt: the retry succeeds; both are in the log
    receiver.answer('/browser', 500);
    const form = new FormData();
    form.append('upload', new Blob([photo], { type: 'image/jpeg' }), 'car.jpg');
    const res = await fetch(`${baseA}/api/v1/recognise?async=true`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form });
    expect(res.status).toBe(202);
    const deliveries = await (async () => {
      for (let i = 0; i < 300 && receiver.at('/browser').length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      return receiver.at('/browser');
    })();
    expect(deliveries).toHaveLength(2);
    expect(verifySignature(deliveries[1]!.headers['npr-signature'] as string, deliveries[1]!.body, secret)).toBe(true);
    await page.reload();
    await expect(page.getByTestId('delivery-result').allInnerTexts()).resolves.toEqual(['HTTP 200', 'HTTP 500']);
    await shot('11-webhooks');
  });

  test('revoke with confirmation: the key gets 401 on every replica at once', async () => {
    await page.goto('/settings/api-keys');
    await page.getByRole('link', { name: /^Revoke Car park camera 3/ }).click();
    await page.getByRole('heading', { name: /Revoke “Car park camera 3”\?/ }).waitFor();
    await shot('08-revoke-confirm');
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.waitForURL('**/settings/api-keys?revoked=*');
    const revokedAt = Date.now();
    const [onA, onB] = await Promise.all([recognise(baseA, key), recognise(baseB, key)]);
    expect(Date.now() - revokedAt).toBeLessThan(5_000); // the bound is "the next request", this is only a sanity check
    for (const res of [onA, onB]) {
      expect(res.status).toBe(401);
      expect(res.body.error?.code).toBe('INVALID_API_KEY');
    }
    await expect(page.locator(`tr[data-key-prefix="${key.slice(0, 17)}"]`).innerText()).resolves.toContain('revoked');
    await page.getByText(/revoked\. Requests with it are now refused/).waitFor();
    await shot('09-api-keys-revoked');
  });

  test('API console (Swagger UI) renders the OpenAPI document', async () => {
    await page.goto('/docs/console/');
    await page.locator('.opblock-summary-path', { hasText: '/recognise' }).first().waitFor();
    await shot('10-docs-console');
  });

  test('change password, log out, log in again', async () => {
    await page.goto('/settings/account');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    await shot('11-account');
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByText('You have been logged out.').waitFor();

    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Email or password is incorrect.').waitFor();
    await shot('12-login-failed');
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await shot('13-overview');
  });
});
