// The dashboard end to end in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against the real gateway on real ports, real Redis and PostgreSQL, and the real queue and workers.
// The recogniser is the test double (test/fake-recogniser.ts), so that what the pages show does not
// depend on what the trained models read (recognise-photos tests cover those). Two gateway apps share
// the database and Redis, standing in for two replicas.
// Every page is also checked at 390 px (a phone, with mobile emulation) and 1280 px wide: it must not
// scroll sideways, and axe-core must find nothing serious or critical on it (nothing at all on the
// dashboard's own pages; the API console is Swagger UI's markup). Screenshots of the pages go to
// test-artifacts/dashboard/ (git-ignored), with a report of widths and axe findings per page.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import sharp from 'sharp';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DOC_PAGES } from '../src/dashboard/docs.routes';
import { COLOURS, PLATE } from './fake-recogniser';
import { axeFindings, pageWidth, type AxeFinding } from './page-checks';
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
let browser: Browser;
let context: BrowserContext;
let page: Page;
let photo: Buffer;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

const DESKTOP = { viewport: { width: 1280, height: 860 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

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
  // playwright gives every launch a fresh temporary profile
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  context = await newContext(DESKTOP);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseA });
  page = await context.newPage();
});

async function newContext(options: typeof DESKTOP | typeof PHONE): Promise<BrowserContext> {
  const ctx = await browser.newContext({ ...options, baseURL: baseA });
  ctx.setDefaultTimeout(60_000);
  ctx.setDefaultNavigationTimeout(60_000);
  return ctx;
}

afterAll(async () => {
  await browser?.close().catch(() => {});
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

  test('the docs show the address the user reached, the fields the API returns, and Python and JavaScript beside curl', async () => {
    await page.goto('/docs');
    // the samples are tabs: curl first, Python and JavaScript a click away
    const code = page.getByRole('tabpanel');
    expect(await code.innerText()).toContain(`curl -X POST ${baseA}/api/v1/recognise`);
    await page.getByRole('tab', { name: 'Python (requests)' }).click();
    expect(await code.innerText()).toContain(`requests.post(\n        "${baseA}/api/v1/recognise"`);
    await page.getByRole('tab', { name: 'Python (requests)' }).press('ArrowRight');
    expect(await page.getByRole('tab', { name: /^JavaScript/ }).getAttribute('aria-selected')).toBe('true');
    expect(await code.innerText()).toContain(`fetch('${baseA}/api/v1/recognise'`);
    await shot('02a-docs-samples');
    // the choice holds on the next page
    await page.goto('/docs/batch');
    expect(await page.getByRole('tabpanel').innerText()).toContain(`for (const path of paths) form.append('images[]'`);
    await page.getByRole('tab', { name: 'curl' }).click();
    expect(await page.content()).not.toContain('nprapi.com');

    await page.goto('/docs/recognise');
    const example = JSON.parse(await page.locator('pre[aria-label="Example response"]').first().innerText());
    expect(Object.keys(example.results[0])).toEqual(expect.arrayContaining(['candidates', 'corners', 'observed_colour', 'detection_score', 'vehicle']));
    expect(example.results[0].vehicle).toMatchObject({ colour_source: 'operator', colour_match: true });
    await page.goto('/docs/vehicles');
    expect(await page.locator('main').innerText()).toMatch(/colour_confidence[\s\S]*"source": "camera"/);
    await page.goto('/docs/batch');
    expect(JSON.parse(await page.locator('pre[aria-label="Example response"]').innerText()).results).toHaveLength(2);
    await page.goto('/docs/jobs');
    await page.getByRole('heading', { level: 1, name: 'Async Jobs' }).waitFor();
    expect(await page.locator('main').innerText()).toContain(`${baseA}/api/v1/jobs/`);
    await page.goto('/docs/rate-limits');
    const limits = await page.locator('main').innerText();
    expect(limits).toContain('Retry-After');
    expect(limits).toMatch(/pro\s+600 images per minute/i);
  });

  test('an unknown page is an HTML 404 with the navigation for a browser, JSON for API clients; the favicon is there', async () => {
    for (const url of ['/nope', '/docs/nope']) {
      const res = await page.goto(url);
      expect(res!.status()).toBe(404);
      await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API docs' }).waitFor();
    }
    await shot('02b-not-found');
    // the same addresses from a client that does not ask for HTML, and /api/ from a browser, stay JSON
    const api = await fetch(`${baseA}/nope`);
    expect([api.status, api.headers.get('content-type'), ((await api.json()) as { error: { code: string } }).error.code]).toEqual([404, 'application/json; charset=utf-8', 'NOT_FOUND']);
    const fromBrowser = await page.goto('/api/nope');
    expect([fromBrowser!.status(), fromBrowser!.headers()['content-type']]).toEqual([404, 'application/json; charset=utf-8']);

    await page.goto('/');
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    const iconRes = await fetch(new URL(icon!, baseA));
    expect([iconRes.status, iconRes.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    const ico = await fetch(`${baseA}/favicon.ico`);
    expect([ico.status, ico.url]).toEqual([200, `${baseA}/assets/favicon.svg`]);
  });

  test('sign up reports every problem at once, then lands on Settings -> API Keys', async () => {
    await page.goto('/signup');
    await page.getByLabel('Email address').fill('not-an-email');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    const summary = page.getByRole('alert');
    await expect(summary.innerText()).resolves.toMatch(/valid email address[\s\S]*at least 10 characters/);
    for (const field of ['Email address', 'Password']) expect(await page.getByLabel(field).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Email address').inputValue()).toBe('not-an-email');
    await shot('03a-signup-errors');

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
    // focus is on the new key, its Copy button next in the tab order
    await page.waitForFunction(`document.activeElement && document.activeElement.id === 'new-key'`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(`document.activeElement.textContent`)).toBe('CopyCopied');
    const copy = page.getByRole('button', { name: 'Copy', exact: true });
    const boxes = async () => [await copy.boundingBox(), await page.locator('#new-key').boundingBox(), await page.locator('#first-curl').boundingBox()];
    const before = await boxes();
    await page.keyboard.press('Enter');
    await page.getByText('Copied to the clipboard.').waitFor();
    await page.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    expect(await boxes()).toEqual(before); // "Copied" moves nothing
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
    // what the chart counts is what the plan counts: images processed, not "requests"
    await page.getByRole('heading', { level: 2, name: 'Images processed per day, per key' }).waitFor();
    expect(await page.getByRole('img', { name: /^Images processed per day/ }).count()).toBe(1);
    // a customer is told what they can do; the operator's commands are not theirs
    const text = await page.locator('main').innerText();
    expect(text).toContain(`give them your account's email address, ${email}`);
    expect(text).not.toMatch(/set-plan|pnpm npr/);
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
    await page.getByRole('heading', { name: 'Images processed per day, per key' }).waitFor();
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

  test('Try it with a revoked key says the key was refused, not how much of an allowance is left', async () => {
    await page.goto('/try');
    await page.getByLabel('API key').fill(key);
    await page.getByLabel(/^Photo/).setInputFiles({ name: 'car.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByRole('button', { name: 'Recognise' }).click();
    await page.getByText('The API refused this key (401 INVALID_API_KEY).').waitFor();
    const summary = await page.locator('#try-headers').innerText();
    expect(summary).toMatch(/^HTTP 401 · this key was not accepted/);
    expect(summary).not.toMatch(/left in this window|of 60/);
    expect(await page.locator('#try-plates tbody').innerText()).toContain('INVALID_API_KEY');
    await shot('09b-try-it-revoked-key');
  });

  test('API console (Swagger UI) renders the OpenAPI document', async () => {
    await page.goto('/docs/console/');
    await page.locator('.opblock-summary-path', { hasText: '/recognise' }).first().waitFor();
    // its server list is this server, as the browser reached it
    expect(await page.getByRole('combobox', { name: 'Server' }).locator('option').allInnerTexts()).toEqual([`${baseA}/api/v1 - This server`]);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API docs' }).waitFor();
    await shot('10-docs-console');
  });

  test('change password (a failed change stays on its page), log out, log in again', async () => {
    await page.goto('/settings/account');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(`${NEW_PASSWORD}!`);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').getByText('The two new passwords are not the same.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/settings/account');
    expect(await page.getByLabel('Confirm new password').getAttribute('aria-invalid')).toBe('true');
    await shot('11a-account-mismatch');

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
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

describe('every page at 390 px (a phone) and 1280 px', () => {
  type Checked = { width: number; page: string; scrollWidth: number; findings: AxeFinding[]; ownMarkup: boolean };
  const checked: Checked[] = [];

  afterAll(() => {
    // for people: what each page measured (test-artifacts/dashboard/pages.json)
    const report = checked.map((c) => ({
      width: c.width,
      page: c.page,
      scrollWidth: c.scrollWidth,
      axe: Object.fromEntries(['critical', 'serious', 'moderate', 'minor'].map((i) => [i, c.findings.filter((f) => f.impact === i).length])),
      findings: c.findings.map((f) => `${f.impact} ${f.id}: ${f.nodes.slice(0, 3).join(', ')}`),
    }));
    fs.writeFileSync(path.join(SHOTS, 'pages.json'), JSON.stringify(report, null, 1));
  });

  for (const [label, options] of [
    ['390', PHONE],
    ['1280', DESKTOP],
  ] as const) {
    test(`${label} px: no page scrolls sideways, axe-core finds nothing serious`, async () => {
      const width = options.viewport.width;
      const ctx = await newContext(options);
      const p = await ctx.newPage();
      const problems: string[] = [];
      const check = async (name: string, ownMarkup = true) => {
        const { scrollWidth, widest } = await pageWidth(p);
        const findings = await axeFindings(p);
        checked.push({ width, page: name, scrollWidth, findings, ownMarkup });
        if (scrollWidth > width) problems.push(`${name}: ${scrollWidth} px wide (${widest ?? 'no single element'})`);
        // the dashboard's own markup: nothing at all; Swagger UI's: nothing serious or critical
        for (const f of findings.filter((f) => ownMarkup || f.impact === 'serious' || f.impact === 'critical')) {
          problems.push(`${name}: axe ${f.impact} ${f.id} (${f.help}) at ${f.nodes.slice(0, 3).join(', ')}`);
        }
        await p.screenshot({ path: path.join(SHOTS, `w${width}-${name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home'}.png`), fullPage: true });
      };
      const visit = async (url: string, name = url) => {
        await p.goto(url);
        await check(name);
      };
      try {
        // signed out
        // every docs page, a new one included
        expect(DOC_PAGES.map((d) => d.slug)).toEqual(expect.arrayContaining(['', 'recognise', 'batch', 'jobs', 'vehicles', 'errors', 'rate-limits']));
        for (const url of ['/', '/login', '/signup', '/nope', '/docs/nope', ...DOC_PAGES.map((d) => `/docs${d.slug ? `/${d.slug}` : ''}`)]) {
          await visit(url);
        }
        await p.goto('/docs/console/');
        await p.locator('.opblock-summary-path').first().waitFor();
        await check('/docs/console/', false);

        if (width < 500) {
          // the header is one row with a Menu button; the menu opens to the navigation
          const header = await p.locator('header.top').boundingBox();
          expect(header!.height).toBeLessThanOrEqual(60);
          await p.getByRole('button', { name: 'Menu' }).click();
          await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API docs' }).waitFor();
          expect(await p.getByRole('button', { name: 'Menu' }).getAttribute('aria-expanded')).toBe('true');
          await check('/docs/console/ (menu open)', false);
        } else {
          // wide: the navigation is in the header, no Menu button
          expect(await p.getByRole('button', { name: 'Menu' }).isVisible()).toBe(false);
          expect(await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API docs' }).isVisible()).toBe(true);
          expect((await p.locator('header.top').boundingBox())!.height).toBeLessThanOrEqual(60);
        }

        // signed in: a new account made through this width's forms
        await p.goto('/signup');
        await p.getByLabel('Email address').fill(`pages-${width}-${Date.now()}@example.com`);
        await p.getByLabel('Password').fill(PASSWORD);
        await p.getByRole('button', { name: 'Create account' }).click();
        await p.waitForURL('**/settings/api-keys?welcome=1');
        await check('/settings/api-keys (no keys)');
        await p.getByLabel('Name').fill('Entrance barrier, north car park, lane 2');
        await p.getByRole('button', { name: 'Create key' }).click();
        await p.locator('[data-new-key]').waitFor();
        const newKey = await p.locator('[data-new-key]').inputValue();
        await check('key created');
        await visit('/settings/api-keys');
        await p.getByRole('link', { name: /^Revoke Entrance barrier/ }).click();
        await p.getByRole('heading', { name: /^Revoke/ }).waitFor();
        await check('revoke confirmation');
        await visit('/', '/ (signed in)');
        await visit('/usage');
        await visit('/settings/account');
        await visit('/nope', '/nope (signed in)');
        await p.goto('/try');
        await check('/try');
        await p.getByLabel('API key').fill(newKey);
        await p.getByLabel(/^Photo/).setInputFiles({ name: 'car.jpg', mimeType: 'image/jpeg', buffer: photo });
        await p.getByRole('button', { name: 'Recognise' }).click();
        await p.locator('#try-plates td.plate', { hasText: 'AB12 CDE' }).waitFor();
        await p.locator('#try-preview svg').waitFor();
        await check('/try (with a result)');
      } finally {
        await ctx.close();
      }
      expect(problems).toEqual([]);
    });
  }
});
