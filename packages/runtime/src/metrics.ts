import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process-wide Prometheus registry. Services register their own counters/histograms on it;
 * issue 6 adds request, queue and stage metrics here.
 */
export const metricsRegistry = new Registry();

let defaultsCollected = false;
/** Turns on Node's default process metrics once per process. */
export function collectProcessMetrics(serviceName: string): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  metricsRegistry.setDefaultLabels({ service: serviceName });
  collectDefaultMetrics({ register: metricsRegistry });
}
