// A local webhook receiver for tests: records every delivery (headers and the exact body bytes) and
// answers with the status codes a test scripts, then 200.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedDelivery = { path: string; headers: http.IncomingHttpHeaders; body: string; at: number };

export async function startWebhookReceiver() {
  const received: ReceivedDelivery[] = [];
  type Answer = { status: number; headers?: Record<string, string>; delayMs?: number };
  const scripted = new Map<string, Answer[]>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const next = scripted.get(path)?.shift() ?? { status: 200 };
      const reply = () => void (res.writableEnded || res.writeHead(next.status, next.headers).end(next.status < 300 ? 'ok' : 'no'));
      if (next.delayMs) setTimeout(reply, next.delayMs).unref();
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    /** The next answers for `path`, in order (then 200). */
    answer(path: string, ...answers: (number | Answer)[]) {
      scripted.set(path, answers.map((a) => (typeof a === 'number' ? { status: a } : a)));
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/**
 * Verifies `Npr-Signature` the way the documentation tells a receiver to: HMAC-SHA256 of
 * "<t>.<raw body>" with the secret, compared in constant time, and a timestamp no older than 5 minutes.
 */
export function verifySignature(header: string | undefined, body: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!parts.t || !parts.v1 || !Number.isInteger(t) || Math.abs(nowSeconds - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
