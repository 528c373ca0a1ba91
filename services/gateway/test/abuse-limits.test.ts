// What a hostile or careless client meets before its request is read in full: the HTTP server's
// bounds (header size, malformed HTTP, slow headers, connections per IP) answered in the API's JSON
// shape, and upload admission (declared length, in-flight bytes, uploads per key, batch files
// against the rate window) refusing before the body is buffered. Real app, real Redis and PostgreSQL.
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Server } from 'node:http';
import { solidImage } from '@npr/test-support';
import { createHttpServer, type HttpServerLimits } from '../src/http-server';
import { COLOURS } from './fake-recogniser';
import { startTestSystem, type TestSystem } from './test-system';
import type { AppDeps } from '../src/app';

jest.setTimeout(120_000);

let sys: TestSystem;
const servers: Server[] = [];
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await sys.close();
});

const LIMITS: HttpServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, maxConnectionsPerIp: 0 };

async function listen(overrides: Partial<AppDeps> = {}, limits: Partial<HttpServerLimits> = {}) {
  const server = createHttpServer(sys.appWith(overrides), { ...LIMITS, ...limits });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Writes raw bytes, then reads everything the server sends until it closes the connection. */
function raw(port: number, bytes: string | Buffer, options: { endAfterWrite?: boolean } = {}) {
  const started = Date.now();
  return new Promise<{ status: number; headers: string; body: any; ms: number }>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => (options.endAfterWrite ? socket.end(bytes) : socket.write(bytes)));
    let data = '';
    socket.on('data', (c) => (data += c.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      let json: any = null;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body: json, ms: Date.now() - started });
    });
  });
}

describe('the HTTP server answers what its parser refuses in the JSON shape', () => {
  test('a 100 KB header: 431 with a JSON error body', async () => {
    const port = await listen();
    const res = await raw(port, `GET /api/v1/jobs/x HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.body).toEqual({ success: false, error: { code: 'BAD_REQUEST', message: 'The request headers are too large.' } });
    expect(res.headers).toMatch(/X-Content-Type-Options: nosniff/);
  });

  test('malformed HTTP: 400 with a JSON error body', async () => {
    const port = await listen();
    const res = await raw(port, 'GARBAGE\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, error: { code: 'BAD_REQUEST', message: 'Malformed HTTP request.' } });
  });

  test('headers that never finish are cut at the header timeout with 408', async () => {
    const port = await listen({}, { headersTimeoutMs: 1000 });
    const res = await raw(port, 'GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: ');
    expect(res.status).toBe(408);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    // bounded by the timeout plus the server's check interval, never the 60 s default
    expect(res.ms).toBeLessThan(10_000);
  });

  test('connections beyond the per-IP cap get a 503 JSON answer and are closed', async () => {
    const port = await listen({}, { maxConnectionsPerIp: 2 });
    const held = await Promise.all([0, 1].map(() => new Promise<net.Socket>((r) => { const s = net.connect(port, '127.0.0.1', () => r(s)); })));
    const third = await raw(port, '');
    expect(third.status).toBe(503);
    expect(third.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(third.headers).toMatch(/Retry-After: 1/);
    held.forEach((s) => s.destroy());
  });
});

describe('upload admission, before the body is read', () => {
  test('a declared length over the route maximum is refused with 413 at once, without the body', async () => {
    const port = await listen();
    const { key } = await sys.createKey();
    // headers only: the 300 MB body never comes, yet the answer does
    const res = await raw(port, `POST /api/v1/batch HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${key}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: ${300 * 1024 * 1024}\r\n\r\n`);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('IMAGE_TOO_LARGE');
    // and the connection is closed rather than kept to drain 300 MB
    expect(res.headers).toMatch(/Connection: close/);
    expect(res.headers).toMatch(/X-RateLimit-Remaining: \d+/);
  });

  test('beyond the in-flight byte budget: 503 with Retry-After', async () => {
    const app = sys.appWith({ uploadLimits: { maxInflightBytes: 1000, maxConcurrentPerKey: 4, redisHighWaterBytes: 0 } });
    const { auth } = await sys.createKey();
    const res = await (await import('supertest')).default(app).post('/api/v1/recognise').set(auth).attach('upload', await solidImage({ colour: COLOURS.plate }), 'a.jpg');
    expect([res.status, res.body.error.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    expect(res.headers['retry-after']).toBe('2');
  });

  test('above the Redis high-water mark new uploads wait: 503 with Retry-After', async () => {
    const app = sys.appWith({ redisUsedBytes: () => 2e9, uploadLimits: { maxInflightBytes: 1e9, maxConcurrentPerKey: 4, redisHighWaterBytes: 1e9 } });
    const { auth } = await sys.createKey();
    const res = await (await import('supertest')).default(app).post('/api/v1/recognise').set(auth).attach('upload', await solidImage({ colour: COLOURS.plate }), 'a.jpg');
    expect([res.status, res.body.error.code, res.headers['retry-after']]).toEqual([503, 'SERVICE_UNAVAILABLE', '2']);
  });

  test('one key may only have so many uploads in progress: the next one is 429 until one ends', async () => {
    const port = await listen({ uploadLimits: { maxInflightBytes: 1e9, maxConcurrentPerKey: 1, redisHighWaterBytes: 0 } });
    const { key } = await sys.createKey();
    // the first upload is under way (headers and part of its body sent)
    const first = net.connect(port, '127.0.0.1');
    await new Promise((r) => first.once('connect', r));
    first.write(`POST /api/v1/recognise HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${key}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n`);
    await new Promise((r) => setTimeout(r, 500));
    const second = await fetch(`http://127.0.0.1:${port}/api/v1/recognise`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: (() => { const f = new FormData(); f.append('upload', new Blob([Buffer.from('x')]), 'a.jpg'); return f; })() });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(/At most 1 uploads at once/);
    first.destroy();
    // released when the first connection goes away
    await new Promise((r) => setTimeout(r, 300));
    const third = await fetch(`http://127.0.0.1:${port}/api/v1/recognise`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: (() => { const f = new FormData(); f.append('upload', new Blob([Buffer.from('x')]), 'a.jpg'); return f; })() });
    expect(third.status).toBe(400);
  });

  test('a batch with more files than the window has left is refused as its parts arrive, spending nothing', async () => {
    const { auth } = await sys.createKey({ limit: { requests: 2, windowSeconds: 60 } });
    const image = await solidImage({ colour: COLOURS.plate });
    let req = sys.http().post('/api/v1/batch').set(auth);
    for (let i = 0; i < 5; i++) req = req.attach('images[]', image, `${i}.jpg`);
    const res = await req;
    expect([res.status, res.body.error.code]).toEqual([429, 'RATE_LIMIT_EXCEEDED']);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    const after = await sys.http().post('/api/v1/recognise').set(auth).attach('upload', image, 'a.jpg');
    expect([after.status, after.headers['x-ratelimit-remaining']]).toEqual([200, '1']);
  });
});

describe('answers', () => {
  test('an unexpected form field is 400 BAD_REQUEST, as documented', async () => {
    const { auth } = await sys.createKey();
    const res = await sys.http().post('/api/v1/recognise').set(auth).field('colour', 'red').attach('upload', await solidImage({ colour: COLOURS.plate }), 'a.jpg');
    expect([res.status, res.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    expect(res.body.error.message).toMatch(/Unexpected form field "colour"/);
  });

  test('in a JSON body too: an unexpected field is 400, the documented ones are taken', async () => {
    const { auth } = await sys.createKey();
    const upload = (await solidImage({ colour: COLOURS.plate })).toString('base64');
    const stray = await sys.http().post('/api/v1/recognise').set(auth).send({ upload, colour: 'red' });
    expect([stray.status, stray.body.error.message]).toEqual([400, expect.stringMatching(/Unexpected form field "colour"/)]);
    const known = await sys.http().post('/api/v1/recognise').set(auth).send({ upload, regions: 'gb', camera_id: 'gate-1', top_n: 2 });
    expect([known.status, known.body.camera_id]).toEqual([200, 'gate-1']);
  });

  test('admission leaves room for a base64 image, a third longer than the file it encodes', async () => {
    const { auth } = await sys.createKey();
    // 12 MB of JSON: over the 10 MB file limit, under what base64 of a 10 MB file takes; the padding is
    // whitespace, which base64 decoding skips, so the image itself is small
    const upload = (await solidImage({ colour: COLOURS.plate })).toString('base64') + ' '.repeat(12 * 1024 * 1024);
    const res = await sys.http().post('/api/v1/recognise').set(auth).send({ upload });
    expect(res.status).toBe(200);
  });

  test('API answers carry X-Content-Type-Options: nosniff', async () => {
    const { auth } = await sys.createKey();
    expect((await sys.http().get('/api/v1/jobs/nope').set(auth)).headers['x-content-type-options']).toBe('nosniff');
  });

  test('job URLs and Location come from the configured public URL or the connection, never the Host header', async () => {
    const { key } = await sys.createKey();
    const port = await listen();
    const form = new FormData();
    form.append('upload', new Blob([await solidImage({ colour: COLOURS.plate })]), 'a.jpg');
    const res = await raw(
      port,
      Buffer.concat([
        Buffer.from(`POST /api/v1/recognise?async=true HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n`),
        await (async () => {
          const r = new Request('http://x/', { method: 'POST', body: form });
          const body = Buffer.from(await r.arrayBuffer());
          return Buffer.concat([Buffer.from(`Content-Type: ${r.headers.get('content-type')}\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
        })(),
      ]),
    );
    expect(res.status).toBe(202);
    expect(res.body.url).toBe(`http://127.0.0.1:${port}/api/v1/jobs/${res.body.job_id}`);
    expect(res.headers).toContain(`Location: http://127.0.0.1:${port}/api/v1/jobs/`);

    const configured = await (await import('supertest')).default(sys.appWith({ publicBaseUrl: 'https://api.example.com/' }))
      .post('/api/v1/recognise?async=true').set({ Authorization: `Bearer ${key}`, Host: 'evil.example' }).attach('upload', await solidImage({ colour: COLOURS.plate }), 'a.jpg');
    expect(configured.body.url).toBe(`https://api.example.com/api/v1/jobs/${configured.body.job_id}`);
  });

  test('/metrics needs its token when one is set, and is loopback-only without', async () => {
    const withToken = (await import('supertest')).default(sys.appWith({ metricsToken: 'metrics-token-0123456789' }));
    expect((await withToken.get('/metrics')).status).toBe(401);
    expect((await withToken.get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789')).status).toBe(200);
    expect((await sys.http().get('/metrics')).status).toBe(200);
  });
});

describe('polling', () => {
  test('job polls have their own budget (10 per image of the limit): a tight loop gets 429 with Retry-After', async () => {
    const { auth } = await sys.createKey({ limit: { requests: 1, windowSeconds: 60 } });
    const accepted = await sys.http().post('/api/v1/recognise?async=true').set(auth).attach('upload', await solidImage({ colour: COLOURS.plate }), 'a.jpg');
    expect(accepted.status).toBe(202);
    const path = new URL(accepted.body.url).pathname;
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await sys.http().get(path).set(auth)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const refused = await sys.http().get(path).set(auth);
    expect([refused.status, refused.body.error.code]).toEqual([429, 'RATE_LIMIT_EXCEEDED']);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    // the image window is untouched by polling
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
  });
});

describe('Idempotency-Key', () => {
  test('a submit retried with the same key gets the first job, is not charged again, and a new key makes a new job', async () => {
    const { auth } = await sys.createKey({ limit: { requests: 5, windowSeconds: 60 } });
    const image = await solidImage({ colour: COLOURS.plate });
    const send = (key: string, async = true) =>
      sys.http().post(`/api/v1/recognise${async ? '?async=true' : ''}`).set({ ...auth, 'Idempotency-Key': key }).attach('upload', image, 'a.jpg');
    const first = await send('order-1234');
    expect(first.status).toBe(202);
    expect(first.headers['x-ratelimit-remaining']).toBe('4');
    const retry = await send('order-1234');
    expect([retry.status, retry.body.job_id]).toEqual([202, first.body.job_id]);
    expect(retry.headers['x-ratelimit-remaining']).toBe('4');
    // a synchronous retry waits for that same job and answers with its outcome
    const syncRetry = await send('order-1234', false);
    expect(syncRetry.status).toBe(200);
    expect(syncRetry.body).toMatchObject({ success: true, job_id: first.body.job_id, status: 'completed', results: [{ plate: expect.any(String) }] });
    const other = await send('order-5678');
    expect(other.body.job_id).not.toBe(first.body.job_id);
    expect(other.headers['x-ratelimit-remaining']).toBe('3');
  });

  test('a batch retried with the same key gets the first batch job and is not charged again', async () => {
    const { auth } = await sys.createKey({ limit: { requests: 5, windowSeconds: 60 } });
    const image = await solidImage({ colour: COLOURS.plate });
    const send = () =>
      sys.http().post('/api/v1/batch?async=true').set({ ...auth, 'Idempotency-Key': 'batch-77' }).attach('images[]', image, 'a.jpg').attach('images[]', image, 'b.jpg');
    const first = await send();
    expect([first.status, first.headers['x-ratelimit-remaining']]).toEqual([202, '3']);
    const retry = await send();
    expect([retry.status, retry.body.job_id, retry.headers['x-ratelimit-remaining']]).toEqual([202, first.body.job_id, '3']);
  });

  test('another account with the same key gets its own job; a malformed key is 400', async () => {
    const a = await sys.createKey();
    const b = await sys.createKey();
    const image = await solidImage({ colour: COLOURS.plate });
    const send = (auth: Record<string, string>, key: string) =>
      sys.http().post('/api/v1/recognise?async=true').set({ ...auth, 'Idempotency-Key': key }).attach('upload', image, 'a.jpg');
    const fromA = await send(a.auth, 'same-key');
    const fromB = await send(b.auth, 'same-key');
    expect(fromA.body.job_id).not.toBe(fromB.body.job_id);
    const bad = await send(a.auth, 'x'.repeat(300));
    expect([bad.status, bad.body.error.code]).toEqual([400, 'BAD_REQUEST']);
  });
});

describe('batch files are stored as they arrive', () => {
  // a batch's files go to Redis one by one while the body is read (the gateway never holds the whole
  // batch); a request that ends without queueing them must take them back
  const stagedImages = async (requestId: string) => sys.flow.redis.keys(`${sys.flow.prefix}:image:${requestId}-*`);

  test('a batch refused after its files arrived (an unexpected field) leaves none of them stored', async () => {
    const { auth } = await sys.createKey();
    const image = await solidImage({ colour: COLOURS.plate });
    const res = await sys.http().post('/api/v1/batch').set(auth).field('colour', 'red').attach('images[]', image, 'a.jpg').attach('images[]', image, 'b.jpg');
    expect([res.status, res.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    expect(await stagedImages(res.headers['x-request-id'])).toEqual([]);
  });

  test('a file over the size limit part-way through: 413, and the files before it are taken back', async () => {
    const { auth } = await sys.createKey();
    const image = await solidImage({ colour: COLOURS.plate });
    const res = await sys.http().post('/api/v1/batch').set(auth)
      .attach('images[]', image, 'a.jpg').attach('images[]', image, 'b.jpg').attach('images[]', Buffer.alloc(11 * 1024 * 1024, 1), 'big.jpg');
    expect([res.status, res.body.error.code]).toEqual([413, 'IMAGE_TOO_LARGE']);
    expect(await stagedImages(res.headers['x-request-id'])).toEqual([]);
  });

  test('a retried batch (same Idempotency-Key) keeps nothing of its own; a queued batch reads every file in order', async () => {
    const { auth } = await sys.createKey();
    const send = async () =>
      sys.http().post('/api/v1/batch').set({ ...auth, 'Idempotency-Key': 'staged-1' })
        .attach('images[]', await solidImage({ colour: COLOURS.plate }), 'a.jpg')
        .attach('images[]', Buffer.from('not an image at all, but long enough to look at'), 'b.jpg')
        .attach('images[]', await solidImage({ colour: COLOURS.plate, width: 800, height: 600 }), 'c.jpg');
    const first = await send();
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: { success?: boolean; error?: { code: string } }) => r.error?.code ?? 'read')).toEqual(['read', 'INVALID_IMAGE', 'read']);
    const retry = await send();
    // the job id is the first request's id
    expect([retry.status, retry.body.job_id]).toEqual([200, first.headers['x-request-id']]);
    expect(retry.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    expect(await stagedImages(retry.headers['x-request-id'])).toEqual([]);
  });
});
