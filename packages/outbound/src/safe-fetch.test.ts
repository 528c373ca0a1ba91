import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { forbiddenAddressKind, OutboundError, parseAllowedHosts, safeFetch } from './index';

/** A local HTTP server that counts what reaches it; `handler` decides the answer. */
interface LocalServer {
  port: number;
  hits: string[];
  close(): Promise<void>;
}

async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<LocalServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function outboundFailure(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => { throw new Error('the request was expected to fail'); },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

let target: LocalServer; // must never be reached unless allowed
let other: LocalServer; // a second loopback service, never allowed
beforeAll(async () => {
  target = await startServer((req, res, body) => {
    if (req.url === '/plate.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end('JPEGBYTES');
    if (req.url === '/echo') return res.writeHead(200).end(`${req.method}:${body}`);
    if (req.url === '/to-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (req.url === '/to-other-port') return res.writeHead(301, { location: `http://127.0.0.1:${other.port}/secret` }).end();
    if (req.url === '/to-localhost') return res.writeHead(307, { location: `http://localhost:${other.port}/secret` }).end();
    if (req.url === '/to-mapped') return res.writeHead(302, { location: `http://[::ffff:127.0.0.1]:${other.port}/secret` }).end();
    if (req.url === '/to-file') return res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    if (req.url === '/relative') return res.writeHead(302, { location: '/plate.jpg' }).end();
    if (req.url === '/see-other') return res.writeHead(303, { location: '/echo' }).end();
    if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
    if (req.url === '/big') return res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
    if (req.url === '/big-chunked') { res.writeHead(200); res.write('x'.repeat(3000)); return res.end('x'.repeat(3000)); }
    if (req.url === '/missing') return res.writeHead(404).end('not here');
    if (req.url === '/slow') return; // never answers
    res.writeHead(500).end();
  });
  other = await startServer((_req, res) => res.writeHead(200).end('internal secret'));
});
afterAll(async () => {
  await target.close();
  await other.close();
});
beforeEach(() => {
  target.hits.length = 0;
  other.hits.length = 0;
});

const allowTarget = () => parseAllowedHosts(`127.0.0.1:${target.port}`);

describe('safeFetch refuses addresses inside our network', () => {
  it.each([
    ['http://127.0.0.1:PORT/plate.jpg', 'loopback'],
    ['http://127.1.2.3/', 'loopback'],
    ['http://10.1.2.3/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://172.31.255.255/', 'private'],
    ['http://192.168.1.10/', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://169.254.1.1/', 'linkLocal'],
    ['http://100.64.0.1/', 'carrierGradeNat'],
    ['http://0.0.0.0:PORT/', 'unspecified'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[::1]:PORT/', 'loopback'],
    ['http://[::ffff:127.0.0.1]:PORT/plate.jpg', 'loopback'],
    ['http://[::ffff:a00:1]/', 'private'],
    ['http://[fd00::1]/', 'uniqueLocal'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://[fe80::1]/', 'linkLocal'],
    ['http://[::]/', 'unspecified'],
    ['http://2130706433:PORT/plate.jpg', 'loopback'], // 127.0.0.1 written as a number
  ])('%s is refused as %s, before any connection', async (template, kind) => {
    const url = template.replace('PORT', String(target.port));
    const error = await outboundFailure(safeFetch(url, { timeoutMs: 2000 }));
    expect(error.reason).toBe('ADDRESS_NOT_ALLOWED');
    expect(error.message).toContain(`${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind} address`);
    expect(error.retryable).toBe(false);
    expect(target.hits).toEqual([]);
  });

  it('checks the address a name resolves to: localhost is loopback', async () => {
    const error = await outboundFailure(safeFetch(`http://localhost:${target.port}/plate.jpg`));
    expect(error.reason).toBe('ADDRESS_NOT_ALLOWED');
    expect(error.message).toMatch(/^localhost is (127\.0\.0\.1|::1), a loopback address/);
    expect(target.hits).toEqual([]);
  });

  it('judges public unicast addresses as allowed and the special ranges as not', () => {
    expect(forbiddenAddressKind('93.184.216.34')).toBeNull();
    expect(forbiddenAddressKind('2606:4700:4700::1111')).toBeNull();
    expect(forbiddenAddressKind('8.8.8.8')).toBeNull();
    expect(forbiddenAddressKind('172.32.0.1')).toBeNull(); // just outside 172.16.0.0/12
    expect(forbiddenAddressKind('100.100.100.200')).toBe('metadata');
    expect(forbiddenAddressKind('255.255.255.255')).toBe('broadcast');
    expect(forbiddenAddressKind('64:ff9b::7f00:1')).toBe('rfc6052'); // NAT64 of 127.0.0.1
    expect(forbiddenAddressKind('not-an-ip')).toBe('invalid');
  });

  it.each([
    ['file:///etc/passwd', 'SCHEME_NOT_ALLOWED'],
    ['ftp://example.com/plate.jpg', 'SCHEME_NOT_ALLOWED'],
    ['gopher://127.0.0.1:6379/_FLUSHALL', 'SCHEME_NOT_ALLOWED'],
    ['not a url', 'INVALID_URL'],
  ])('%s is refused: %s', async (url, reason) => {
    const error = await outboundFailure(safeFetch(url));
    expect(error.reason).toBe(reason);
  });
});

describe('safeFetch with the operator allow-list', () => {
  it('fetches from an allowed local server (happy path)', async () => {
    const response = await safeFetch(`http://127.0.0.1:${target.port}/plate.jpg`, { allowedHosts: allowTarget() });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/jpeg');
    expect(response.body.toString()).toBe('JPEGBYTES');
    expect(target.hits).toEqual(['GET /plate.jpg']);
  });

  it('allows a host without a port on any port, by name', async () => {
    const response = await safeFetch(`http://localhost:${target.port}/plate.jpg`, { allowedHosts: parseAllowedHosts('localhost') });
    expect(response.body.toString()).toBe('JPEGBYTES');
  });

  it('an entry with a port allows only that port', async () => {
    const error = await outboundFailure(safeFetch(`http://127.0.0.1:${other.port}/`, { allowedHosts: allowTarget() }));
    expect(error.reason).toBe('ADDRESS_NOT_ALLOWED');
    expect(other.hits).toEqual([]);
  });

  it('returns error statuses to the caller rather than throwing', async () => {
    const response = await safeFetch(`http://127.0.0.1:${target.port}/missing`, { allowedHosts: allowTarget() });
    expect(response.status).toBe(404);
    expect(response.body.toString()).toBe('not here');
  });

  it('sends a POST body', async () => {
    const response = await safeFetch(`http://127.0.0.1:${target.port}/echo`, {
      allowedHosts: allowTarget(), method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' },
    });
    expect(response.body.toString()).toBe('POST:{"a":1}');
  });
});

describe('safeFetch redirects', () => {
  it('follows a relative redirect on the allowed server', async () => {
    const response = await safeFetch(`http://127.0.0.1:${target.port}/relative`, { allowedHosts: allowTarget() });
    expect(response.body.toString()).toBe('JPEGBYTES');
    expect(response.url).toBe(`http://127.0.0.1:${target.port}/plate.jpg`);
    expect(target.hits).toEqual(['GET /relative', 'GET /plate.jpg']);
  });

  it('turns a POST into a GET without its body after 303', async () => {
    const response = await safeFetch(`http://127.0.0.1:${target.port}/see-other`, { allowedHosts: allowTarget(), method: 'POST', body: 'x' });
    expect(response.body.toString()).toBe('GET:');
  });

  it('refuses a redirect from an allowed server to the metadata address', async () => {
    const error = await outboundFailure(safeFetch(`http://127.0.0.1:${target.port}/to-metadata`, { allowedHosts: allowTarget() }));
    expect(error.reason).toBe('ADDRESS_NOT_ALLOWED');
    expect(error.message).toContain('metadata');
    expect(error.url).toBe('http://169.254.169.254/latest/meta-data/');
  });

  it.each(['/to-other-port', '/to-localhost', '/to-mapped'])('refuses a redirect %s to a loopback port that is not allowed', async (path) => {
    const error = await outboundFailure(safeFetch(`http://127.0.0.1:${target.port}${path}`, { allowedHosts: allowTarget() }));
    expect(error.reason).toBe('ADDRESS_NOT_ALLOWED');
    expect(target.hits).toEqual([`GET ${path}`]);
    expect(other.hits).toEqual([]);
  });

  it('refuses a redirect to another scheme', async () => {
    const error = await outboundFailure(safeFetch(`http://127.0.0.1:${target.port}/to-file`, { allowedHosts: allowTarget() }));
    expect(error.reason).toBe('SCHEME_NOT_ALLOWED');
  });

  it('stops after maxRedirects', async () => {
    const error = await outboundFailure(safeFetch(`http://127.0.0.1:${target.port}/loop`, { allowedHosts: allowTarget(), maxRedirects: 2 }));
    expect(error.reason).toBe('TOO_MANY_REDIRECTS');
    expect(target.hits).toEqual(['GET /loop', 'GET /loop', 'GET /loop']);
  });
});

describe('safeFetch limits', () => {
  it('times out', async () => {
    const error = await outboundFailure(safeFetch(`http://127.0.0.1:${target.port}/slow`, { allowedHosts: allowTarget(), timeoutMs: 300 }));
    expect(error.reason).toBe('TIMEOUT');
    expect(error.retryable).toBe(true);
  });

  it('refuses a declared body over maxBytes', async () => {
    const error = await outboundFailure(safeFetch(`http://127.0.0.1:${target.port}/big`, { allowedHosts: allowTarget(), maxBytes: 4096 }));
    expect(error.reason).toBe('TOO_LARGE');
  });

  it('stops reading an undeclared body at maxBytes', async () => {
    const error = await outboundFailure(safeFetch(`http://127.0.0.1:${target.port}/big-chunked`, { allowedHosts: allowTarget(), maxBytes: 4096 }));
    expect(error.reason).toBe('TOO_LARGE');
    const fits = await safeFetch(`http://127.0.0.1:${target.port}/big-chunked`, { allowedHosts: allowTarget(), maxBytes: 6000 });
    expect(fits.body.length).toBe(6000);
  });

  it('names a connection failure as retryable', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const error = await outboundFailure(safeFetch(`http://127.0.0.1:${closed.port}/`, { allowedHosts: parseAllowedHosts('127.0.0.1') }));
    expect(error.reason).toBe('CONNECTION_FAILED');
    expect(error.retryable).toBe(true);
  });
});

describe('parseAllowedHosts', () => {
  it('reads hosts, host:port and bracketed IPv6, in one spelling', () => {
    expect(parseAllowedHosts(' Receiver.internal , 10.0.0.5:8080,[::1]:3000, ::ffff:7f00:1 ,')).toEqual([
      { host: 'receiver.internal' },
      { host: '10.0.0.5', port: 8080 },
      { host: '::1', port: 3000 },
      { host: '127.0.0.1' },
    ]);
    expect(parseAllowedHosts('')).toEqual([]);
  });

  it.each(['http://a.b', 'a.b:0', 'a.b:99999', 'user@host', 'a.b:port', '[::1'])('refuses "%s"', (entry) => {
    expect(() => parseAllowedHosts(entry)).toThrow(entry);
  });
});
