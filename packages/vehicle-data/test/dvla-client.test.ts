// The DVLA client against a local server that behaves as the documented API does.
import { createDvlaClient, DvlaUnavailableError } from '../src/dvla/dvla-client';
import { DVLA_TEST_KEY, dvlaVehicle, startFakeDvla, type FakeDvla } from './fake-dvla-server';

let dvla: FakeDvla;
beforeAll(async () => {
  dvla = await startFakeDvla({ AB12CDE: dvlaVehicle() });
});
afterAll(() => dvla.close());
beforeEach(() => {
  dvla.setMode('normal');
  dvla.requests.length = 0;
});

const client = (o: Partial<Parameters<typeof createDvlaClient>[0]> = {}) =>
  createDvlaClient({ apiKey: DVLA_TEST_KEY, baseUrl: dvla.baseUrl, timeoutMs: 500, maxAttempts: 3, backoffMs: 20, maxBackoffMs: 50, breakerThreshold: 4, breakerOpenMs: 400, ...o });

test('a known vehicle: POST with x-api-key and the registration without spaces', async () => {
  const answer = await client().lookup('ab12 cde');
  expect(answer).toEqual({ found: true, vehicle: expect.objectContaining({ make: 'FORD', colour: 'BLUE', yearOfManufacture: 2019 }) });
  expect(dvla.requests).toEqual([{ registrationNumber: 'AB12CDE', apiKey: DVLA_TEST_KEY }]);
});

test('404 is a normal "no such vehicle" answer, asked once', async () => {
  expect(await client().lookup('ZZ99ZZZ')).toEqual({ found: false });
  expect(dvla.requests).toHaveLength(1);
});

test('400 (not a valid registration) is also an answer, not an outage', async () => {
  expect(await client().lookup('TOOLONGPLATE1')).toEqual({ found: false });
});

test('429 and 500 are retried with backoff, then the answer comes through', async () => {
  dvla.script(429, 500);
  expect(await client().lookup('AB12CDE')).toMatchObject({ found: true });
  expect(dvla.requests).toHaveLength(3);
});

test('a persistent 500 fails after the configured attempts with DvlaUnavailableError', async () => {
  dvla.setMode('down500');
  await expect(client().lookup('AB12CDE')).rejects.toThrow(DvlaUnavailableError);
  expect(dvla.requests).toHaveLength(3);
});

test('a persistent 429 is reported as such', async () => {
  dvla.setMode('rate-limited');
  await expect(client({ maxAttempts: 2 }).lookup('AB12CDE')).rejects.toMatchObject({ status: 429 });
});

test('a slow DVLA times out per attempt instead of stalling', async () => {
  dvla.setMode('slow', { slowMs: 3000 });
  const started = Date.now();
  await expect(client({ timeoutMs: 200, maxAttempts: 2 }).lookup('AB12CDE')).rejects.toThrow(/within 200 ms/);
  expect(Date.now() - started).toBeLessThan(1500);
});

test('a rejected API key (403) is not retried', async () => {
  await expect(client({ apiKey: 'wrong' }).lookup('AB12CDE')).rejects.toMatchObject({ status: 403 });
  expect(dvla.requests).toHaveLength(1);
});

test('the circuit opens after repeated failures (no more calls), then recovers when DVLA does', async () => {
  const states: string[] = [];
  const c = client({ maxAttempts: 1, breakerThreshold: 3, breakerOpenMs: 300, onCircuitChange: (s) => states.push(s) });
  dvla.setMode('down503');
  for (let i = 0; i < 3; i++) await expect(c.lookup('AB12CDE')).rejects.toThrow(DvlaUnavailableError);
  expect(c.circuit).toBe('open');
  const calls = dvla.requests.length;
  const started = Date.now();
  await expect(c.lookup('AB12CDE')).rejects.toThrow(/circuit open/);
  expect(Date.now() - started).toBeLessThan(50);
  expect(dvla.requests).toHaveLength(calls);

  dvla.setMode('normal');
  await new Promise((r) => setTimeout(r, 350));
  expect(await c.lookup('AB12CDE')).toMatchObject({ found: true });
  expect(c.circuit).toBe('closed');
  expect(states).toEqual(['open', 'half-open', 'closed']);
});

test('a 429 with Retry-After: 1 waits that second, then answers', async () => {
  dvla.script({ status: 429, retryAfter: '1' });
  // budget: 2 attempts x 1000 ms + one 500 ms backoff = 2.5 s; the 1 s wait and one more attempt fit
  const c = client({ timeoutMs: 1000, maxAttempts: 2, maxBackoffMs: 500 });
  const started = Date.now();
  expect(await c.lookup('AB12CDE')).toMatchObject({ found: true, vehicle: { make: 'FORD' } });
  const took = Date.now() - started;
  expect(took).toBeGreaterThanOrEqual(990);
  expect(took).toBeLessThan(1800);
  expect(dvla.requests).toHaveLength(2);
});

test('a Retry-After longer than the lookup may take gives up at once instead of sleeping it out', async () => {
  dvla.script({ status: 429, retryAfter: '30' });
  const c = client();
  const started = Date.now();
  await expect(c.lookup('AB12CDE')).rejects.toMatchObject({ name: 'DvlaUnavailableError', status: 429, retryAfterMs: 30_000, message: expect.stringMatching(/asked to wait 30 s/) });
  expect(Date.now() - started).toBeLessThan(300);
  expect(dvla.requests).toHaveLength(1);
  // one refusal does not open the circuit: the next plate is looked up as usual
  expect(await c.lookup('AB12CDE')).toMatchObject({ found: true });
  expect(c.circuit).toBe('closed');
});

test('a 503 with Retry-After as an HTTP date is honoured the same way', async () => {
  dvla.script({ status: 503, retryAfter: new Date(Date.now() + 60_000).toUTCString() });
  const started = Date.now();
  await expect(client().lookup('AB12CDE')).rejects.toMatchObject({ status: 503, retryAfterMs: expect.any(Number) });
  expect(Date.now() - started).toBeLessThan(300);
  expect(dvla.requests).toHaveLength(1);
  // a date already past means "now": retried after no wait
  dvla.script({ status: 503, retryAfter: new Date(Date.now() - 5_000).toUTCString() });
  expect(await client().lookup('AB12CDE')).toMatchObject({ found: true });
  expect(dvla.requests).toHaveLength(3);
});
