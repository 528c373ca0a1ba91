import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsRegistry } from './metrics';

/** A named readiness check: resolves true when the dependency answers. */
export type ReadinessCheck = { name: string; check: () => Promise<boolean> | boolean };

/** Runs every check (each bounded by a timeout) and reports which failed. */
export async function checkReadiness(checks: ReadinessCheck[], timeoutMs = 2000) {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const ok = await Promise.race([
          Promise.resolve().then(check),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), timeoutMs);
          }),
        ]);
        return { name, ok: ok === true };
      } catch {
        return { name, ok: false };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every((r) => r.ok), checks: Object.fromEntries(results.map((r) => [r.name, r.ok])) };
}

/**
 * A tiny HTTP server for processes that have no API of their own (the workers):
 * /healthz (alive), /readyz (checks pass) and /metrics (Prometheus text).
 */
export async function startHealthServer(options: { port: number; host?: string; checks: ReadinessCheck[] }) {
  const server = http.createServer(async (req, res) => {
    const url = req.url?.split('?')[0];
    if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
    } else if (url === '/readyz') {
      const report = await checkReadiness(options.checks);
      res
        .writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks }));
    } else if (url === '/metrics') {
      res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(await metricsRegistry.metrics());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
