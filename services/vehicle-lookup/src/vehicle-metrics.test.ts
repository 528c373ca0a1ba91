import { metricsRegistry } from '@npr/runtime';
import { countCacheLookups, countDvlaRequests } from './vehicle-metrics';

describe('vehicle-lookup metrics', () => {
  beforeEach(() => metricsRegistry.resetMetrics());

  test('cache hit rate: fresh entries are hits, missing or stale ones misses', async () => {
    const entries: Record<string, { stale: boolean } | null> = { A: { stale: false }, B: { stale: true }, C: null };
    const cache = countCacheLookups({ get: async (_s: string, _r: string, plate: string) => entries[plate] as never, put: async () => null });
    for (const plate of ['A', 'A', 'B', 'C']) await cache.get('dvla', 'gb', plate);
    const text = await metricsRegistry.metrics();
    expect(text).toContain('npr_vehicle_cache_lookups_total{result="hit"} 2');
    expect(text).toContain('npr_vehicle_cache_lookups_total{result="miss"} 2');
    expect(typeof (cache as { put?: unknown }).put).toBe('function');
  });

  test('DVLA errors are counted by reason and still thrown', async () => {
    let circuit = 'closed';
    const failures = [Object.assign(new Error('DVLA answered 503'), { status: 503 }), new Error('DVLA did not answer within 2000 ms'), Object.assign(new Error('x'), { status: 429 })];
    const dvla = countDvlaRequests({
      lookup: async (plate: string) => {
        if (plate === 'OK') return { found: true };
        if (plate === 'NONE') return { found: false };
        throw failures.shift();
      },
      get circuit() {
        return circuit;
      },
    });
    await dvla.lookup('OK');
    await dvla.lookup('NONE');
    for (let i = 0; i < 3; i++) await expect(dvla.lookup('X')).rejects.toThrow();
    circuit = 'open';
    failures.push(new Error('DVLA circuit open after repeated failures; not calling it for now'));
    await expect(dvla.lookup('X')).rejects.toThrow(/circuit/);
    expect(dvla.circuit).toBe('open');
    const text = await metricsRegistry.metrics();
    expect(text).toContain('npr_dvla_requests_total{outcome="ok"} 1');
    expect(text).toContain('npr_dvla_requests_total{outcome="error"} 4');
    for (const reason of ['http_5xx', 'timeout', 'rate_limited', 'circuit_open']) expect(text).toContain(`npr_dvla_errors_total{reason="${reason}"} 1`);
  });
});
