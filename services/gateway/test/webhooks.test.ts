// Webhooks through the running system: registered with the API, fired when a job ends, signed,
// retried with backoff after 500s, logged, disabled after repeated failures; one-off webhook_url.
import { WebhookDetailResponseSchema } from '@npr/contracts';
import { eventually, solidImage } from '@npr/test-support';
import { COLOURS } from './fake-recogniser';
import { startTestSystem, type TestSystem } from './test-system';
import { startWebhookReceiver, verifySignature } from './webhook-receiver';

jest.setTimeout(60_000);

let sys: TestSystem;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // the receiver listens on 127.0.0.1, which outbound calls may reach only because the allow-list names it
  sys = await startTestSystem({ webhooks: { allowHosts: ['127.0.0.1'], backoffMs: 200, maxAttempts: 4, disableAfter: 3 } });
});
afterAll(async () => {
  await sys.close();
  await receiver.close();
});

async function register(auth: Record<string, string>, path: string, events?: string[]) {
  const res = await sys.http().post('/api/v1/webhooks').set(auth).send({ url: receiver.url(path), ...(events ? { events } : {}) });
  expect(res.status).toBe(201);
  return res.body as { webhook: { id: string; events: string[] }; secret: string };
}

async function recogniseAsync(auth: Record<string, string>, colour: { r: number; g: number; b: number }, query = '') {
  const res = await sys.http().post(`/api/v1/recognise?async=true${query}`).set(auth).attach('upload', await solidImage({ colour }), 'car.jpg');
  expect(res.status).toBe(202);
  return res.body.job_id as string;
}

describe('webhooks', () => {
  test('register, list (no secret), show and delete; bad input and other accounts get clear errors', async () => {
    const { auth } = await sys.createKey();
    const created = await register(auth, '/crud');
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.webhook).toMatchObject({ url: receiver.url('/crud'), events: ['recognition.completed', 'recognition.failed', 'batch.completed'], enabled: true, disabled_reason: null });

    const list = await sys.http().get('/api/v1/webhooks').set(auth).expect(200);
    expect(list.body.webhooks).toEqual([created.webhook]);
    expect(JSON.stringify(list.body)).not.toContain(created.secret);

    const bad = await sys.http().post('/api/v1/webhooks').set(auth).send({ url: 'ftp://example.com/x', events: ['recognition.completed'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_REQUEST');
    expect((await sys.http().post('/api/v1/webhooks').set(auth).send({ url: receiver.url('/x'), events: ['plate.seen'] })).status).toBe(400);

    const other = await sys.createKey();
    expect((await sys.http().get(`/api/v1/webhooks/${created.webhook.id}`).set(other.auth)).status).toBe(404);
    expect((await sys.http().delete(`/api/v1/webhooks/${created.webhook.id}`).set(other.auth)).status).toBe(404);

    await sys.http().delete(`/api/v1/webhooks/${created.webhook.id}`).set(auth).expect(200);
    expect((await sys.http().get('/api/v1/webhooks').set(auth)).body.webhooks).toEqual([]);
  });

  test('a finished job POSTs the polling body, signed with the webhook secret, with a stable event id', async () => {
    const { auth } = await sys.createKey();
    const { secret } = await register(auth, '/signed');
    const jobId = await recogniseAsync(auth, COLOURS.plate);
    const [delivery] = await eventually(async () => (receiver.at('/signed').length ? receiver.at('/signed') : null));

    const polled = await sys.http().get(`/api/v1/jobs/${jobId}`).set(auth).expect(200);
    expect(JSON.parse(delivery!.body)).toEqual(polled.body);
    expect(polled.body).toMatchObject({ success: true, job_id: jobId, status: 'completed', results: [expect.objectContaining({ plate: 'AB12 CDE' })] });
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['npr-event-type']).toBe('recognition.completed');
    expect(delivery!.headers['npr-event-id']).toBe(`evt_${jobId}`);
    expect(verifySignature(delivery!.headers['npr-signature'] as string, delivery!.body, secret)).toBe(true);
    // a tampered body or another secret does not verify
    expect(verifySignature(delivery!.headers['npr-signature'] as string, delivery!.body.replace('AB12', 'XX12'), secret)).toBe(false);
    expect(verifySignature(delivery!.headers['npr-signature'] as string, delivery!.body, 'whsec_other')).toBe(false);
  });

  test('500s are retried with growing gaps, in order, with the same event id; the log shows each status', async () => {
    const { auth } = await sys.createKey();
    const { webhook, secret } = await register(auth, '/flaky');
    receiver.answer('/flaky', 500, 500);
    const jobId = await recogniseAsync(auth, COLOURS.plate);
    const attempts = await eventually(async () => (receiver.at('/flaky').length >= 3 ? receiver.at('/flaky') : null));

    expect(attempts.map((a) => a.headers['npr-delivery-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(attempts.map((a) => a.headers['npr-event-id']))).toEqual(new Set([`evt_${jobId}`]));
    expect(attempts.every((a) => verifySignature(a.headers['npr-signature'] as string, a.body, secret))).toBe(true);
    // exponential backoff: the second gap is longer than the first (200 ms, then about 400 ms)
    const gap1 = attempts[1]!.at - attempts[0]!.at;
    const gap2 = attempts[2]!.at - attempts[1]!.at;
    expect(gap1).toBeGreaterThanOrEqual(150);
    expect(gap2).toBeGreaterThan(gap1);

    const shown = await eventually(async () => {
      const res = await sys.http().get(`/api/v1/webhooks/${webhook.id}`).set(auth);
      // the failure count is reset just after the successful attempt's log entry
      return res.body.deliveries.length >= 3 && res.body.webhook.consecutive_failures === 0 ? res.body : null;
    });
    expect(WebhookDetailResponseSchema.parse(shown)).toEqual(shown);
    expect(shown.deliveries.map((d: { attempt: number; status_code: number }) => [d.attempt, d.status_code])).toEqual([[3, 200], [2, 500], [1, 500]]);
    expect(shown.webhook).toMatchObject({ enabled: true, consecutive_failures: 0 });
    // nothing more arrives: it was delivered
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.at('/flaky')).toHaveLength(3);
  });

  test('a webhook failing again and again is disabled, says why, gets nothing more until enabled', async () => {
    const { auth } = await sys.createKey();
    const { webhook } = await register(auth, '/down');
    receiver.answer('/down', 503, 503, 503, 503, 503);
    await recogniseAsync(auth, COLOURS.plate);
    const shown = await eventually(async () => {
      const res = await sys.http().get(`/api/v1/webhooks/${webhook.id}`).set(auth);
      return res.body.webhook.enabled === false ? res.body : null;
    });
    expect(shown.webhook.disabled_reason).toMatch(/after 3 failed delivery attempts in a row \(the last: HTTP 503\)/);
    await new Promise((r) => setTimeout(r, 1500));
    // the 4th attempt the queue would have made is dropped: the webhook is off
    expect(receiver.at('/down')).toHaveLength(3);

    await recogniseAsync(auth, COLOURS.plate);
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.at('/down')).toHaveLength(3);

    const enabled = await sys.http().post(`/api/v1/webhooks/${webhook.id}/enable`).set(auth).expect(200);
    expect(enabled.body.webhook).toMatchObject({ enabled: true, disabled_reason: null, consecutive_failures: 0 });
    receiver.answer('/down');
    await recogniseAsync(auth, COLOURS.plate);
    await eventually(async () => receiver.at('/down').length === 4);
  });

  test('each webhook gets only the events it asked for: failed, completed and batch', async () => {
    const { auth } = await sys.createKey();
    await register(auth, '/failed-only', ['recognition.failed']);
    await register(auth, '/batch-only', ['batch.completed']);
    const completedJob = await recogniseAsync(auth, COLOURS.plate);
    const failedJob = await recogniseAsync(auth, COLOURS.noPlates);
    const batch = await sys
      .http()
      .post('/api/v1/batch?async=true')
      .set(auth)
      .attach('images[]', await solidImage({ colour: COLOURS.plate }), 'a.jpg')
      .attach('images[]', Buffer.from('not an image'), 'b.jpg');
    expect(batch.status).toBe(202);

    const [failed] = await eventually(async () => (receiver.at('/failed-only').length ? receiver.at('/failed-only') : null));
    expect(failed!.headers['npr-event-type']).toBe('recognition.failed');
    expect(JSON.parse(failed!.body)).toMatchObject({ success: false, job_id: failedJob, status: 'failed', error: { code: 'NO_PLATES_FOUND' } });
    const [batchDelivery] = await eventually(async () => (receiver.at('/batch-only').length ? receiver.at('/batch-only') : null));
    expect(JSON.parse(batchDelivery!.body)).toMatchObject({
      success: true,
      job_id: batch.body.job_id,
      status: 'completed',
      results: [{ success: true }, { success: false, error: { code: 'INVALID_IMAGE' } }],
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at('/failed-only').map((d) => d.headers['npr-event-id'])).toEqual([`evt_${failedJob}`]);
    expect(receiver.at('/batch-only')).toHaveLength(1);
    expect(receiver.received.some((d) => d.headers['npr-event-id'] === `evt_${completedJob}` && d.path !== '/failed-only')).toBe(false);
  });

  test('a job that fails on our side (no models) still ends: recognition.failed with the 503 body polling gives', async () => {
    const { auth } = await sys.createKey();
    await register(auth, '/ours', ['recognition.failed']);
    sys.setRecogniserState({ status: 'failed', reason: 'models missing' });
    let jobId: string;
    try {
      jobId = await recogniseAsync(auth, COLOURS.plate);
      await eventually(async () => receiver.at('/ours').length > 0);
    } finally {
      sys.setRecogniserState('ready');
    }
    const polled = await sys.http().get(`/api/v1/jobs/${jobId}`).set(auth);
    expect(polled.status).toBe(503);
    expect(JSON.parse(receiver.at('/ours')[0]!.body)).toEqual(polled.body);
    expect(polled.body).toMatchObject({ success: false, status: 'failed', error: { code: 'SERVICE_UNAVAILABLE' } });
  });

  test('a one-off webhook_url needs the account one-off secret, then gets that request result signed with it', async () => {
    const { auth } = await sys.createKey();
    const refused = await sys.http().post('/api/v1/recognise?async=true').set(auth).field('webhook_url', receiver.url('/once')).attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/webhook_url needs a signing secret/);
    const badUrl = await sys.http().post('/api/v1/recognise?async=true').set(auth).field('webhook_url', 'javascript:alert(1)').attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
    expect(badUrl.status).toBe(400);

    const { secret } = (await sys.http().post('/api/v1/webhooks/one-off-secret').set(auth).expect(201)).body;
    const res = await sys.http().post('/api/v1/recognise').set(auth).field('webhook_url', receiver.url('/once')).attach('upload', await solidImage({ colour: COLOURS.plate }), 'car.jpg');
    expect(res.status).toBe(200);
    const [delivery] = await eventually(async () => (receiver.at('/once').length ? receiver.at('/once') : null));
    expect(verifySignature(delivery!.headers['npr-signature'] as string, delivery!.body, secret)).toBe(true);
    expect(JSON.parse(delivery!.body)).toMatchObject({ success: true, status: 'completed', job_id: res.headers['x-request-id'] });
  });
});
