// Outbound calls (webhook deliveries) never reach loopback, private, link-local or metadata
// addresses, by IP or by a name resolving to one, directly or through a redirect, unless the
// operator allows the host. Through the running system: registration, a request's webhook_url,
// and deliveries to a URL that was fine when saved.
import { eventually, solidImage } from '@npr/test-support';
import { COLOURS } from './fake-recogniser';
import { startTestSystem, type TestSystem } from './test-system';
import { startWebhookReceiver } from './webhook-receiver';

jest.setTimeout(60_000);

let guarded: TestSystem;
let allowing: TestSystem;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // no allow-list: what production does by default
  guarded = await startTestSystem({ webhooks: { backoffMs: 100, maxAttempts: 3 } });
  // 127.0.0.1 allowed (the local receiver), nothing else
  allowing = await startTestSystem({ webhooks: { allowHosts: ['127.0.0.1'], backoffMs: 100, maxAttempts: 2, timeoutMs: 500 } });
});
afterAll(async () => {
  await Promise.all([guarded.close(), allowing.close()]);
  await receiver.close();
});

const refusedDestinations = () => [
  ['loopback', receiver.url('/loop')],
  ['a private 10.x address', 'http://10.1.2.3/hook'],
  ['a private 192.168.x address', 'https://192.168.0.10/hook'],
  ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
  ['IPv6 loopback', `http://[::1]:${receiver.port}/hook`],
  ['a DNS name resolving to loopback', `http://localhost:${receiver.port}/hook`],
];

describe('outbound guard', () => {
  test('registering a webhook to a loopback, private, link-local or metadata address is refused', async () => {
    const { auth } = await guarded.createKey();
    for (const [what, url] of refusedDestinations()) {
      const res = await guarded.http().post('/api/v1/webhooks').set(auth).send({ url });
      expect([what, res.status, res.body.error?.code]).toEqual([what, 400, 'BAD_REQUEST']);
    }
    const metadata = await guarded.http().post('/api/v1/webhooks').set(auth).send({ url: 'http://169.254.169.254/latest/meta-data/' });
    expect(metadata.body.error.message).toBe('Webhook URL refused: 169.254.169.254 is a metadata address, which outbound calls may not reach.');
    const named = await guarded.http().post('/api/v1/webhooks').set(auth).send({ url: `http://localhost:${receiver.port}/hook` });
    expect(named.body.error.message).toMatch(/^Webhook URL refused: localhost \(it resolves to (127\.0\.0\.1|::1)\) is a loopback address/);
    expect((await guarded.http().get('/api/v1/webhooks').set(auth)).body.webhooks).toEqual([]);
  });

  test("a request's one-off webhook_url to such an address is refused before anything is spent", async () => {
    const { auth } = await guarded.createKey();
    await guarded.http().post('/api/v1/webhooks/one-off-secret').set(auth).expect(201);
    for (const [what, url] of refusedDestinations()) {
      const res = await guarded.http().post('/api/v1/recognise').set(auth).field('webhook_url', url).attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
      expect([what, res.status]).toEqual([what, 400]);
    }
    expect((await guarded.http().get('/api/v1/statistics').set(auth)).body.month.images).toBe(0);
  });

  test('the allow-list lets the operator reach 127.0.0.1, and only what it names', async () => {
    const { auth } = await allowing.createKey();
    expect((await allowing.http().post('/api/v1/webhooks').set(auth).send({ url: receiver.url('/allowed') })).status).toBe(201);
    expect((await allowing.http().post('/api/v1/webhooks').set(auth).send({ url: 'http://10.1.2.3/hook' })).status).toBe(400);
    expect((await allowing.http().post('/api/v1/webhooks').set(auth).send({ url: `http://localhost:${receiver.port}/hook` })).status).toBe(400);
  });

  test('a saved URL that now points somewhere forbidden is refused when sending, logged, and not retried', async () => {
    const { auth, apiKey } = await guarded.createKey();
    // as if the address had changed since it was registered (or was saved before the guard existed)
    await guarded.db.prisma.webhook.create({ data: { accountId: apiKey.accountId, url: receiver.url('/sneaky'), events: ['recognition.completed'], secret: 'whsec_x' } });
    const accepted = await guarded.http().post('/api/v1/recognise?async=true').set(auth).attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
    expect(accepted.status).toBe(202);
    const [hook] = (await guarded.http().get('/api/v1/webhooks').set(auth)).body.webhooks;
    const shown = await eventually(async () => {
      const res = await guarded.http().get(`/api/v1/webhooks/${hook.id}`).set(auth);
      return res.body.deliveries.length ? res.body : null;
    });
    expect(shown.deliveries).toEqual([expect.objectContaining({ attempt: 1, status_code: null, error: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback address/) })]);
    await new Promise((r) => setTimeout(r, 600));
    expect((await guarded.http().get(`/api/v1/webhooks/${hook.id}`).set(auth)).body.deliveries).toHaveLength(1);
    expect(receiver.at('/sneaky')).toEqual([]);
  });

  test('a redirect is not followed to the metadata address: the delivery fails and is retried, never reaching it', async () => {
    const { auth } = await allowing.createKey();
    const { webhook } = (await allowing.http().post('/api/v1/webhooks').set(auth).send({ url: receiver.url('/redirect') })).body;
    receiver.answer('/redirect', ...[1, 2].map(() => ({ status: 302, headers: { Location: 'http://169.254.169.254/latest/meta-data/' } })));
    await allowing.http().post('/api/v1/recognise?async=true').set(auth).attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
    const shown = await eventually(async () => {
      const res = await allowing.http().get(`/api/v1/webhooks/${webhook.id}`).set(auth);
      // the failure count is written just after each attempt's log entry
      return res.body.deliveries.length >= 2 && res.body.webhook.consecutive_failures === 2 ? res.body : null;
    });
    // both attempts failed (a redirect is no delivery, and is never followed)
    for (const d of shown.deliveries) expect(d).toMatchObject({ status_code: null, error: 'redirect not followed: the webhook URL must answer 2xx itself' });
    expect(shown.webhook.consecutive_failures).toBe(2);
    expect(receiver.at('/redirect')).toHaveLength(2);
  });

  test('a receiver that does not answer in time counts as a failed attempt and is retried', async () => {
    const { auth } = await allowing.createKey();
    const { webhook } = (await allowing.http().post('/api/v1/webhooks').set(auth).send({ url: receiver.url('/slow') })).body;
    receiver.answer('/slow', { status: 200, delayMs: 3000 });
    await allowing.http().post('/api/v1/recognise?async=true').set(auth).attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
    const shown = await eventually(async () => {
      const res = await allowing.http().get(`/api/v1/webhooks/${webhook.id}`).set(auth);
      return res.body.deliveries.length >= 2 && res.body.webhook.consecutive_failures === 0 ? res.body : null;
    });
    expect(shown.deliveries.map((d: { attempt: number; status_code: number | null; error: string | null }) => [d.attempt, d.status_code, d.error])).toEqual([
      [2, 200, null],
      [1, null, 'timed out after 500 ms'],
    ]);
  });
});
