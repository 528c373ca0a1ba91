// Starts the real gateway app, the real queue flow and both real workers (in this process) on real
// Redis and a fresh PostgreSQL database. The recogniser is a test double that answers by the colour
// of generated images (for crashes, stalls and exact outcomes), or the real one a test file loads
// (`recogniser`, `useRecogniser`) for what a user sees on real photos.
import type { Express } from 'express';
import request from 'supertest';
import { createApiKeyForEmail, setAccountPlan, type Database } from '@npr/db';
import { createRecognitionFlow, startLookupWorker, startRecognitionWorker } from '@npr/queue';
import { createLogger } from '@npr/runtime';
import { createTestDatabase, createTestRedisPrefix } from '@npr/test-support';
import type { Vehicle } from '@npr/contracts';
import { createRecognitionProcessor, type RecogniserState } from '../../inference-worker/src/recognition.processor';
import { createLookupProcessor } from '../../vehicle-lookup/src/lookup.processor';
import { createApp, type AppDeps } from '../src/app';
import { createRedisRateLimiter } from '../src/rate-limiter';
import { loadRecogniser, type Recogniser } from '../../inference-worker/src/recogniser';
import { REAL_MODELS_TIMEOUT_MS } from './dev-photos';
import { createFakeRecogniser } from './fake-recogniser';
import { startWebhookWorkers, type WebhookWorkerSettings } from '../src/webhooks/start-webhook-workers';
import { outboundWebhookPort } from '../src/webhooks/outbound-webhook-port';
import { parseAllowedHosts } from '@npr/outbound';

export const BMW: Vehicle = { make: 'BMW', colour: 'Black', year: 2021, fuel_type: 'petrol', type: 'car' };

export async function startTestSystem(
  options: {
    syncTimeoutMs?: number;
    appOverrides?: Partial<AppDeps>;
    /** The real recogniser (loaded once by the test file); default: the colour-keyed test double. */
    recogniser?: Recogniser;
    /** Plates (letters and digits only) the vehicle lookup knows, besides AB12CDE. */
    vehicles?: Record<string, Vehicle>;
    /** Webhook delivery settings; `allowHosts` is the outbound allow-list (e.g. 127.0.0.1 for a local receiver). */
    webhooks?: Partial<WebhookWorkerSettings> & { allowHosts?: string[]; timeoutMs?: number };
    /** Recognition workers, as separate BullMQ workers each with its own Redis connections (default: one taking 4 jobs at once). */
    recognitionWorkers?: { count: number; concurrency: number };
  } = {},
) {
  const logger = createLogger({ name: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const database = await createTestDatabase();
  const redis = createTestRedisPrefix();
  const flow = await createRecognitionFlow({ redisUrl: redis.redisUrl, prefix: redis.prefix, imageTtlSeconds: 120, resultTtlSeconds: 600 });
  const fake = createFakeRecogniser();
  let recogniser: Recogniser = options.recogniser ?? fake;
  const vehicles: Record<string, Vehicle> = { AB12CDE: BMW, ...options.vehicles };
  let recogniserState: RecogniserState = { status: 'ready', recogniser };
  const workerSettings = { redisUrl: redis.redisUrl, prefix: redis.prefix, concurrency: 4 };
  const { count: recognitionCount, concurrency: recognitionConcurrency } = options.recognitionWorkers ?? { count: 1, concurrency: 4 };
  const recognitionWorkers = Array.from({ length: recognitionCount }, () =>
    startRecognitionWorker({ ...workerSettings, concurrency: recognitionConcurrency }, createRecognitionProcessor({ recogniser: () => recogniserState, logger })),
  );
  const lookupWorker = startLookupWorker(
    workerSettings,
    createLookupProcessor({ lookupVehicle: async (plate) => vehicles[plate.replace(/\s/g, '')] ?? null, logger }),
  );

  const outbound = outboundWebhookPort({ allowedHosts: parseAllowedHosts((options.webhooks?.allowHosts ?? []).join(',')), timeoutMs: options.webhooks?.timeoutMs ?? 5000 });
  const webhookWorkers = startWebhookWorkers({
    prisma: database.db.prisma,
    flow,
    send: outbound.send,
    logger,
    settings: {
      redisUrl: redis.redisUrl,
      prefix: redis.prefix,
      concurrency: 4,
      maxAttempts: 5,
      backoffMs: 100,
      disableAfter: 50,
      keepSeconds: 600,
      ...options.webhooks,
    },
  });

  const appDeps: AppDeps = {
    prisma: database.db.prisma,
    flow,
    limiter: createRedisRateLimiter({ redis: flow.redis, keyPrefix: `${redis.prefix}:rl` }),
    logger,
    syncTimeoutMs: options.syncTimeoutMs ?? 60_000,
    readinessChecks: [{ name: 'redis', check: () => flow.ping() }],
    checkWebhookUrl: outbound.checkUrl,
    ...options.appOverrides,
  };
  const app: Express = createApp(appDeps);

  return {
    app,
    http: () => request(app),
    /** The same system's app with some dependencies replaced (e.g. a broken queue). */
    appWith: (overrides: Partial<AppDeps>) => createApp({ ...appDeps, ...overrides }),
    db: database.db as Database,
    flow,
    webhookWorkers,
    recogniser: fake,
    setRecogniserState(state: RecogniserState | 'ready') {
      recogniserState = state === 'ready' ? { status: 'ready', recogniser } : state;
    },
    /** The recogniser the worker uses from the next job on: a real one, or the colour-keyed double. */
    useRecogniser(next: Recogniser | 'double') {
      recogniser = next === 'double' ? fake : next;
      recogniserState = { status: 'ready', recogniser };
    },
    /** A new user with a key; `limit` gives their account a custom rate limit. */
    async createKey(options: { email?: string; expiresAt?: Date; limit?: { requests: number; windowSeconds: number } } = {}) {
      const email = options.email ?? `user-${Math.random().toString(36).slice(2)}@example.com`;
      const { key, apiKey } = await createApiKeyForEmail(database.db.prisma, { email, name: 'test key', expiresAt: options.expiresAt });
      if (options.limit) {
        await setAccountPlan(database.db.prisma, { email, plan: 'enterprise', requestsPerWindow: options.limit.requests, windowSeconds: options.limit.windowSeconds });
      }
      return { key, apiKey, email, auth: { Authorization: `Bearer ${key}` } };
    },
    async close() {
      await Promise.allSettled([...recognitionWorkers.map((w) => w.close()), lookupWorker.close(), webhookWorkers.close()]);
      await flow.close();
      await redis.cleanup();
      await database.drop();
    },
  };
}

export type TestSystem = Awaited<ReturnType<typeof startTestSystem>>;

/**
 * Inside a `describe`: load the real recogniser once for the block, have the system's worker use it,
 * and go back to the colour-keyed double (and free the models) after the block.
 */
export function useRealRecogniser(system: () => TestSystem): void {
  let real: Recogniser | undefined;
  beforeAll(async () => {
    real = await loadRecogniser();
    system().useRecogniser(real);
  }, REAL_MODELS_TIMEOUT_MS);
  afterAll(async () => {
    system().useRecogniser('double');
    await real?.close();
  });
}
