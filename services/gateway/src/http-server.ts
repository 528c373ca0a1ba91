import http from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import { errorBody } from '@npr/contracts';

export type HttpServerLimits = {
  /** A client must have sent all its request headers within this long. */
  headersTimeoutMs: number;
  /** A whole request, body included, must have arrived within this long (a slow upload is cut). */
  requestTimeoutMs: number;
  /** Open connections one client IP may hold; more are closed at once. 0 = no cap (behind a proxy all clients share its IP). */
  maxConnectionsPerIp: number;
};

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 503: 'Service Unavailable' };

/** A whole HTTP/1.1 answer in the API's JSON error shape, for the socket (the connection closes after it). */
function rawErrorResponse(status: number, body: object, headers: string[] = []): string {
  const text = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${REASONS[status]}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    'X-Content-Type-Options: nosniff',
    'Cache-Control: no-store',
    'Connection: close',
    ...headers,
    '',
    text,
  ].join('\r\n');
}

/**
 * The answer to a request Node's HTTP parser refused before express saw it (malformed HTTP, headers
 * over the limit, too slow): the API's JSON error shape, written straight to the socket. It carries
 * no rate-limit headers: the request was never parsed far enough to know whose it is.
 */
function parserErrorResponse(err: NodeJS.ErrnoException): string {
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are too large.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request took too long to arrive.']
        : [400, 'Malformed HTTP request.'];
  return rawErrorResponse(status, errorBody('BAD_REQUEST', message));
}

/** The gateway's HTTP server: the app behind bounded header/request times and a per-IP connection cap. */
export function createHttpServer(app: Express, limits: HttpServerLimits): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default, which would stretch a 10 s bound to 40)
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    app,
  );

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    // a response already under way on this socket cannot be replaced by another one
    const inFlight = (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (inFlight?.headersSent) return void socket.destroy();
    socket.end(parserErrorResponse(err));
  });

  if (limits.maxConnectionsPerIp > 0) {
    const open = new Map<string, number>();
    server.on('connection', (socket: Socket) => {
      const ip = socket.remoteAddress ?? '';
      const n = (open.get(ip) ?? 0) + 1;
      if (n > limits.maxConnectionsPerIp) {
        // a clear answer rather than a reset: this client already holds its share of connections
        socket.on('error', () => socket.destroy());
        socket.end(rawErrorResponse(503, errorBody('SERVICE_UNAVAILABLE', `Too many open connections from one address (at most ${limits.maxConnectionsPerIp}).`), ['Retry-After: 1']));
        return;
      }
      open.set(ip, n);
      socket.once('close', () => {
        const left = (open.get(ip) ?? 1) - 1;
        if (left <= 0) open.delete(ip);
        else open.set(ip, left);
      });
    });
  }
  return server;
}
