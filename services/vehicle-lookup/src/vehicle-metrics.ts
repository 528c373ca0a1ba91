import { metrics } from '@npr/runtime';

type Cache = { get<T>(source: string, region: string, plate: string): Promise<{ stale: boolean } & Record<string, unknown> | null> };
type Dvla = { lookup(plate: string): Promise<{ found: boolean }>; readonly circuit: string };

/**
 * Counts vehicle-cache lookups for /metrics: a fresh entry is a hit; no entry or a stale one
 * (which means asking the source) is a miss.
 */
export function countCacheLookups<C extends Cache>(cache: C): C {
  return {
    ...cache,
    async get(source: string, region: string, plate: string) {
      const answer = await cache.get(source, region, plate);
      metrics.vehicleCacheLookups.inc({ result: answer && !answer.stale ? 'hit' : 'miss' });
      return answer;
    },
  } as C;
}

/** Why a DVLA request failed, as a low-cardinality label. */
export function dvlaErrorReason(err: unknown, circuit: string): string {
  const status = (err as { status?: number } | undefined)?.status;
  const message = String((err as Error)?.message ?? '');
  if (circuit === 'open' || /circuit open/i.test(message)) return 'circuit_open';
  if (status === 429) return 'rate_limited';
  if (typeof status === 'number') return status >= 500 ? 'http_5xx' : 'http_4xx';
  if (/did not answer within/i.test(message)) return 'timeout';
  return 'network';
}

/** Counts DVLA requests by outcome and failures by reason for /metrics. */
export function countDvlaRequests<D extends Dvla>(dvla: D): D {
  return {
    async lookup(plate: string) {
      try {
        const answer = await dvla.lookup(plate);
        metrics.dvlaRequests.inc({ outcome: answer.found ? 'ok' : 'not_found' });
        return answer;
      } catch (err) {
        metrics.dvlaRequests.inc({ outcome: 'error' });
        metrics.dvlaErrors.inc({ reason: dvlaErrorReason(err, dvla.circuit) });
        throw err;
      }
    },
    get circuit() {
      return dvla.circuit;
    },
  } as unknown as D;
}
