import dns from 'node:dns';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { forbiddenAddressKind, isAllowedHost, type AllowedHost } from './address-policy';
import { OutboundError } from './outbound-error';

export interface SafeFetchOptions {
  /** Destinations the operator trusts although they are private (from OUTBOUND_ALLOWED_HOSTS, via `parseAllowedHosts`). */
  allowedHosts?: readonly AllowedHost[];
  method?: 'GET' | 'POST' | 'PUT' | 'HEAD';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** For the whole exchange, redirects included. */
  timeoutMs?: number;
  /** The most response-body bytes read; more is TOO_LARGE (the Content-Length is checked first). */
  maxBytes?: number;
  /** Redirects followed (each one checked like the first URL); 0 turns any redirect into TOO_MANY_REDIRECTS. */
  maxRedirects?: number;
  signal?: AbortSignal;
}

export interface SafeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

export const SAFE_FETCH_DEFAULTS = { timeoutMs: 10_000, maxBytes: 10 * 1024 * 1024, maxRedirects: 3 } as const;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * An HTTP(S) request on a user's behalf that cannot be turned against our own network (SSRF). Only
 * http and https; the address is judged where the connection is made: an IP literal before connecting, a
 * name in the socket's own DNS lookup, so the address checked is the address connected to (no second
 * resolution a rebinding DNS server could answer differently). Redirects are followed by hand, each hop
 * judged again. Any other answer (4xx, 5xx) is returned, not thrown: what it means is the caller's business.
 * Every failure is an OutboundError.
 */
export async function safeFetch(url: string, options: SafeFetchOptions = {}): Promise<SafeResponse> {
  const timeoutMs = options.timeoutMs ?? SAFE_FETCH_DEFAULTS.timeoutMs;
  const maxRedirects = options.maxRedirects ?? SAFE_FETCH_DEFAULTS.maxRedirects;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  let hop: Hop = { url: parseUrl(url), method: options.method ?? 'GET', headers: { ...options.headers }, body: options.body };
  for (let redirects = 0; ; redirects += 1) {
    const response = await requestOnce(hop, options.allowedHosts ?? [], options.maxBytes ?? SAFE_FETCH_DEFAULTS.maxBytes, signal, timeoutMs);
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.status) || !location) return response;
    if (redirects >= maxRedirects) {
      throw new OutboundError('TOO_MANY_REDIRECTS', `More than ${maxRedirects} redirect(s); the last one pointed to ${location}.`, response.url);
    }
    hop = nextHop(hop, response.status, location);
  }
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new OutboundError('INVALID_URL', `"${text}" is not a URL.`, text);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('SCHEME_NOT_ALLOWED', `Only http and https URLs are fetched, not ${url.protocol}.`, url.href);
  }
  return url;
}

function nextHop(previous: Hop, status: number, location: string): Hop {
  const url = parseUrl(location, previous.url);
  // as browsers do: 303, and 301/302 after a POST, continue as a GET without the body
  const asGet = status === 303 || ((status === 301 || status === 302) && previous.method === 'POST');
  const headers = { ...previous.headers };
  if (url.origin !== previous.url.origin) {
    // credentials meant for one origin are not handed to another
    for (const name of Object.keys(headers)) if (/^(authorization|cookie)$/i.test(name)) delete headers[name];
  }
  if (asGet) {
    for (const name of Object.keys(headers)) if (/^content-(type|length)$/i.test(name)) delete headers[name];
    return { url, method: 'GET', headers };
  }
  return { url, method: previous.method, headers, body: previous.body };
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

function refuse(url: URL, address: string, kind: string): OutboundError {
  const article = /^[aeiou]/i.test(kind) ? 'an' : 'a';
  return new OutboundError(
    'ADDRESS_NOT_ALLOWED',
    `${url.hostname} is ${address === url.hostname.replace(/^\[|\]$/g, '') ? '' : `${address}, `}${article} ${kind} address; requests there are refused.`,
    url.href,
  );
}

/** A DNS lookup for the socket that refuses the connection when any address of the name is not public. */
function guardedLookup(url: URL): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0, hints: options.hints }, (error, addresses) => {
      if (error || addresses.length === 0) {
        callback(new OutboundError('DNS_FAILED', `${hostname} could not be resolved.`, url.href), '', 0);
        return;
      }
      for (const { address } of addresses) {
        const kind = forbiddenAddressKind(address);
        if (kind) {
          callback(refuse(url, address, kind), '', 0);
          return;
        }
      }
      if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function requestOnce(hop: Hop, allowedHosts: readonly AllowedHost[], maxBytes: number, signal: AbortSignal, timeoutMs: number): Promise<SafeResponse> {
  const { url } = hop;
  const trusted = isAllowedHost(allowedHosts, url.hostname, portOf(url));
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!trusted && net.isIP(literal)) {
    // a socket to an IP literal skips the lookup: judge it here
    const kind = forbiddenAddressKind(literal);
    if (kind) return Promise.reject(refuse(url, literal, kind));
  }
  return new Promise<SafeResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: OutboundError) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      request.destroy();
      reject(error);
    };
    const onAbort = () =>
      fail(signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError'
        ? new OutboundError('TIMEOUT', `No complete answer within ${timeoutMs} ms.`, url.href)
        : new OutboundError('CONNECTION_FAILED', 'The request was cancelled.', url.href));
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(url, {
      method: hop.method,
      headers: hop.body === undefined ? hop.headers : { ...hop.headers, 'content-length': String(Buffer.byteLength(hop.body)) },
      // a fresh socket per request: a pooled one could have been connected under other rules
      agent: false,
      ...(trusted ? {} : { lookup: guardedLookup(url) }),
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) =>
      fail(error instanceof OutboundError ? error : new OutboundError('CONNECTION_FAILED', `Could not reach ${url.host}: ${error.message}`, url.href)),
    );
    request.on('response', (response) => {
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        return fail(new OutboundError('TOO_LARGE', `The answer is ${declared} bytes, more than the ${maxBytes} allowed.`, url.href));
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) fail(new OutboundError('TOO_LARGE', `The answer is more than the ${maxBytes} bytes allowed.`, url.href));
        else chunks.push(chunk);
      });
      response.on('error', (error) => fail(new OutboundError('CONNECTION_FAILED', `The answer broke off: ${error.message}`, url.href)));
      response.on('end', () => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), url: url.href });
      });
    });
    request.end(hop.body);
  });
}
