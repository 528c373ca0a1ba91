import express from 'express';
import request from 'supertest';
import { createLogger, metrics, metricsRegistry, registerQueueMetrics } from '@npr/runtime';
import { createApp, type AppDeps } from './app';
import { operatorAuth } from './operator-auth';

// the routes exercised here never reach the database, the queue or the limiter
const deps = (overrides: Partial<AppDeps> = {}): AppDeps => ({
  prisma: {} as AppDeps['prisma'],
  flow: {} as AppDeps['flow'],
  limiter: {} as AppDeps['limiter'],
  logger: createLogger({ name: 'test', level: 'silent' }),
  syncTimeoutMs: 1000,
  checkWebhookUrl: async () => {},
  ...overrides,
});

describe('/metrics', () => {
  beforeEach(() => metricsRegistry.resetMetrics());

  test('counts and times requests by route pattern and status after they happen', async () => {
    const admin = express.Router();
    admin.get('/things/:id', (_req, res) => void res.status(201).json({}));
    const app = createApp(deps({ mounts: [{ path: '/ops', router: admin }] }));
    await request(app).get('/healthz').expect(200);
    await request(app).get('/ops/things/123').expect(201);
    await request(app).get('/ops/things/456').expect(201);
    await request(app).get('/no/such/route').expect(404);

    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(text).toContain('npr_http_requests_total{method="GET",route="/healthz",status="200"} 1');
    // the pattern, not the ids: one series for both requests
    expect(text).toContain('npr_http_requests_total{method="GET",route="/ops/things/:id",status="201"} 2');
    expect(text).toContain('npr_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    // timed: one observation per request in the histogram of its series (how long it took depends on the machine)
    expect(text).toContain('npr_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/healthz",status="200"} 1');
    expect(text).toContain('npr_http_request_duration_seconds_count{method="GET",route="/ops/things/:id",status="201"} 2');
  });

  test('names every series operators alert on', async () => {
    const text = (await request(createApp(deps())).get('/metrics').expect(200)).text;
    for (const name of [
      'npr_http_requests_total',
      'npr_http_request_duration_seconds',
      'npr_job_duration_seconds',
      'npr_job_queue_wait_seconds',
      'npr_stage_duration_seconds',
      'npr_model_inference_seconds',
      'npr_queue_jobs',
      'npr_queue_oldest_waiting_age_seconds',
      'npr_vehicle_cache_lookups_total',
      'npr_dvla_errors_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  test('queue depth and age are read at scrape time', async () => {
    registerQueueMetrics(async () => [{ queue: 'recognition', counts: { waiting: 7, active: 2 }, oldestWaitingAgeSeconds: 3.5 }]);
    metrics.stageDuration.observe({ stage: 'detect' }, 0.004);
    const text = (await request(createApp(deps())).get('/metrics').expect(200)).text;
    expect(text).toContain('npr_queue_jobs{queue="recognition",state="waiting"} 7');
    expect(text).toContain('npr_queue_oldest_waiting_age_seconds{queue="recognition"} 3.5');
    expect(text).toContain('npr_stage_duration_seconds_count{stage="detect"} 1');
  });
});

describe('operator auth (bull-board)', () => {
  const guarded = (token: string | undefined) => {
    const router = express.Router();
    router.use(operatorAuth(token));
    router.get('/', (_req, res) => void res.send('board'));
    return createApp(deps({ mounts: [{ path: '/admin/queues', router }] }));
  };
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  test('401 with a login prompt without operator credentials or with wrong ones', async () => {
    const app = guarded('s3cret-operator-token');
    const none = await request(app).get('/admin/queues').expect(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic /);
    expect(none.body).toMatchObject({ success: false, error: { code: 'INVALID_API_KEY' } });
    await request(app).get('/admin/queues').set('Authorization', 'Bearer wrong').expect(401);
    await request(app).get('/admin/queues').set('Authorization', basic('ops', 'wrong')).expect(401);
  });

  test('lets the operator in with the token as bearer or basic-auth password', async () => {
    const app = guarded('s3cret-operator-token');
    await request(app).get('/admin/queues').set('Authorization', 'Bearer s3cret-operator-token').expect(200, 'board');
    await request(app).get('/admin/queues').set('Authorization', basic('ops', 's3cret-operator-token')).expect(200, 'board');
  });

  test('refuses everyone when no token is configured', async () => {
    const res = await request(guarded(undefined)).get('/admin/queues').set('Authorization', 'Bearer ').expect(401);
    expect(res.body.error.message).toMatch(/OPERATOR_TOKEN/);
  });
});
