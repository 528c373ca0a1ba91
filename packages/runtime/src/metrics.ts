import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process-wide Prometheus registry. Every service exposes it on `/metrics`; the series below
 * are registered in every process (a series a service never touches simply has no samples).
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

/** One queue's counts as read from Redis. */
export type QueueSnapshot = { queue: string; counts: Record<string, number>; oldestWaitingAgeSeconds: number };
let queueSnapshot: (() => Promise<QueueSnapshot[]>) | null = null;

// buckets in seconds: from a cached lookup (~1 ms) to a slow synchronous request (30 s)
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The project's own series. Names are part of the operator interface (dashboards, alerts, KEDA/HPA). */
export const metrics = {
  httpRequests: new Counter({
    name: 'npr_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [metricsRegistry],
  }),
  httpDuration: new Histogram({
    name: 'npr_http_request_duration_seconds',
    help: 'HTTP request latency from first byte in to response finished, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [metricsRegistry],
  }),
  jobDuration: new Histogram({
    name: 'npr_job_duration_seconds',
    help: 'Time a worker spent on one job (processedOn to finishedOn), by queue and outcome',
    labelNames: ['queue', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [metricsRegistry],
  }),
  jobQueueWait: new Histogram({
    name: 'npr_job_queue_wait_seconds',
    help: 'Time a job waited between being added and a worker taking it, by queue (the lookup parent also waits for its recognition child)',
    labelNames: ['queue'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [metricsRegistry],
  }),
  stageDuration: new Histogram({
    name: 'npr_stage_duration_seconds',
    help: 'Time per processing stage of one image: decode, detect, read (inference worker), lookup (vehicle-lookup)',
    labelNames: ['stage'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [metricsRegistry],
  }),
  modelInference: new Histogram({
    name: 'npr_model_inference_seconds',
    help: 'Time per model per image, including its pre/post-processing (detector = detect stage, reader = read stage)',
    labelNames: ['model', 'device'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [metricsRegistry],
  }),
  queueJobs: new Gauge({
    name: 'npr_queue_jobs',
    help: 'Jobs per queue and state (waiting, active, delayed, failed, waiting-children), read from Redis at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [metricsRegistry],
    async collect() {
      if (!queueSnapshot) return;
      this.reset();
      for (const q of await queueSnapshot()) for (const [state, n] of Object.entries(q.counts)) this.set({ queue: q.queue, state }, n);
    },
  }),
  queueOldestWaitingAge: new Gauge({
    name: 'npr_queue_oldest_waiting_age_seconds',
    help: 'Age of the oldest job still waiting for a worker, per queue (0 when none waits)',
    labelNames: ['queue'] as const,
    registers: [metricsRegistry],
    async collect() {
      if (!queueSnapshot) return;
      this.reset();
      for (const q of await queueSnapshot()) this.set({ queue: q.queue }, q.oldestWaitingAgeSeconds);
    },
  }),
  vehicleCacheLookups: new Counter({
    name: 'npr_vehicle_cache_lookups_total',
    help: 'Vehicle-data cache lookups by result (hit or miss); hit rate = hit / (hit + miss)',
    labelNames: ['result'] as const,
    registers: [metricsRegistry],
  }),
  dvlaRequests: new Counter({
    name: 'npr_dvla_requests_total',
    help: 'Requests to the DVLA Vehicle Enquiry Service by outcome (ok, not_found, error)',
    labelNames: ['outcome'] as const,
    registers: [metricsRegistry],
  }),
  dvlaErrors: new Counter({
    name: 'npr_dvla_errors_total',
    help: 'Failed DVLA Vehicle Enquiry Service requests by reason (timeout, http_4xx, http_5xx, rate_limited, network)',
    labelNames: ['reason'] as const,
    registers: [metricsRegistry],
  }),
};

/** Per-stage timings of one image in milliseconds (the recogniser's `timings`). */
export type StageTimingsMs = { decode?: number; detect?: number; read?: number; lookup?: number };

/** Records one image's stage timings (ms) as stage and model-inference observations. */
export function observeStages(timings: StageTimingsMs, device = 'cpu'): void {
  for (const stage of ['decode', 'detect', 'read', 'lookup'] as const) {
    const ms = timings[stage];
    if (typeof ms === 'number' && Number.isFinite(ms)) metrics.stageDuration.observe({ stage }, ms / 1000);
  }
  if (typeof timings.detect === 'number') metrics.modelInference.observe({ model: 'detector', device }, timings.detect / 1000);
  if (typeof timings.read === 'number') metrics.modelInference.observe({ model: 'reader', device }, timings.read / 1000);
}

type RoutedRequest = IncomingMessage & { baseUrl?: string; route?: { path?: unknown } };

/**
 * Express-compatible middleware counting and timing every request. The route label is the matched
 * pattern (`/api/v1/jobs/:id`), never the raw path, so ids and probes of random URLs cannot blow up
 * the series count; anything unmatched is `unmatched`.
 */
export function httpMetrics(options: { ignore?: string[] } = {}) {
  const ignore = new Set(options.ignore ?? []);
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const path = req.url?.split('?')[0] ?? '';
    if (ignore.has(path)) return next();
    const end = metrics.httpDuration.startTimer();
    // the route is known while the handler runs; express may reset baseUrl before 'finish'
    let route: string | undefined;
    const r = req as RoutedRequest;
    const capture = () => {
      if (!route && r.route && typeof r.route.path === 'string') route = `${r.baseUrl ?? ''}${r.route.path}`;
    };
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
      capture();
      return writeHead.apply(this, args);
    } as ServerResponse['writeHead'];
    res.once('finish', () => {
      capture();
      const labels = { method: req.method ?? 'GET', route: route ?? 'unmatched', status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      end(labels);
    });
    next();
  };
}

/** A job as BullMQ reports it in worker events (structural, so runtime needs no bullmq). */
type FinishedJob = { timestamp?: number; processedOn?: number; finishedOn?: number };
type WorkerEvents = { on(event: 'completed' | 'failed', listener: (job: FinishedJob | undefined, ...rest: unknown[]) => void): unknown };

/** Observes job durations and queue waits from a BullMQ worker's completed/failed events. */
export function observeWorkerJobs(worker: WorkerEvents, queue: string): void {
  const record = (status: 'completed' | 'failed') => (job: FinishedJob | undefined) => {
    if (!job) return;
    if (job.processedOn && job.finishedOn) metrics.jobDuration.observe({ queue, status }, Math.max(0, job.finishedOn - job.processedOn) / 1000);
    if (status === 'completed' && job.timestamp && job.processedOn) {
      metrics.jobQueueWait.observe({ queue }, Math.max(0, job.processedOn - job.timestamp) / 1000);
    }
  };
  worker.on('completed', record('completed'));
  worker.on('failed', record('failed'));
}

/**
 * Makes the queue gauges read Redis at scrape time through `snapshot` (from @npr/queue's
 * createQueueStats). Register it in one kind of process (the gateway) so sums are not multiplied.
 */
export function registerQueueMetrics(snapshot: () => Promise<QueueSnapshot[]>): void {
  let pending: Promise<QueueSnapshot[]> | null = null;
  // both gauges read from one Redis round trip per scrape; a Redis outage leaves them empty, not failing
  queueSnapshot = () =>
    (pending ??= snapshot()
      .catch(() => [])
      .finally(() => setTimeout(() => (pending = null), 0)));
}
