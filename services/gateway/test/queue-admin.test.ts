// bull-board on real Redis behind operator auth, and the queue gauges reading the same Redis.
import express from 'express';
import request from 'supertest';
import { createQueueStats, createRecognitionFlow, createRedisConnection } from '@npr/queue';
import { createLogger } from '@npr/runtime';
import { createTestRedisPrefix } from '@npr/test-support';
import { errorHandler } from '../src/error-handler';
import { queueAdminMount } from '../src/queue-admin';
import { OPERATOR_ATTEMPTS } from '../src/operator-auth';
import { createRedisRateLimiter } from '../src/rate-limiter';

describe('queue admin (bull-board) on real Redis', () => {
  const redis = createTestRedisPrefix();
  const stats = createQueueStats({ redisUrl: redis.redisUrl, prefix: redis.prefix });
  const app = express();
  const mount = queueAdminMount({ queues: stats.queues, operatorToken: 'operator-token-for-tests' });
  app.use(mount.path, mount.router);
  app.use(errorHandler(createLogger({ name: 'test', level: 'silent' })));

  afterAll(async () => {
    await stats.close();
    await redis.cleanup();
  });

  test('401 without operator credentials, for the UI and its API', async () => {
    await request(app).get('/admin/queues').expect(401);
    await request(app).get('/admin/queues/api/queues').expect(401);
  });

  test('ten wrong operator tokens from one client, then 429 with Retry-After even for the right one', async () => {
    const connection = createRedisConnection(redis.redisUrl);
    try {
      const limiter = createRedisRateLimiter({ redis: connection, keyPrefix: `${redis.prefix}:rl` });
      const guarded = express();
      const m = queueAdminMount({ queues: stats.queues, operatorToken: 'operator-token-for-tests', limiter });
      guarded.use(m.path, m.router);
      guarded.use(errorHandler(createLogger({ name: 'test', level: 'silent' })));
      for (let i = 0; i < OPERATOR_ATTEMPTS.points; i++) {
        await request(guarded).get('/admin/queues/api/queues').set('Authorization', `Bearer wrong-token-${i}-xxxxxxxx`).expect(401);
      }
      const limited = await request(guarded).get('/admin/queues/api/queues').set('Authorization', 'Bearer operator-token-for-tests');
      expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMIT_EXCEEDED']);
      expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await connection.quit();
    }
  });

  test('an operator sees every queue (recognition, vehicle-lookup, job-finished, webhook-delivery) with its waiting jobs', async () => {
    const flow = await createRecognitionFlow({ redisUrl: redis.redisUrl, prefix: redis.prefix, imageTtlSeconds: 60, resultTtlSeconds: 60 });
    try {
      await flow.submitImage({ flowId: '00000000-0000-4000-8000-000000000001', accountId: 'acc', image: Buffer.from('x') });
    } finally {
      await flow.close();
    }
    const res = await request(app).get('/admin/queues/api/queues').set('Authorization', 'Bearer operator-token-for-tests').expect(200);
    const names = (res.body.queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(['job-finished', 'recognition', 'vehicle-lookup', 'webhook-delivery']);
    await request(app).get('/admin/queues').set('Authorization', `Basic ${Buffer.from('ops:operator-token-for-tests').toString('base64')}`).expect(200);

    const [recognition, lookup, finished] = await stats.snapshot();
    expect(recognition).toMatchObject({ queue: 'recognition', counts: { waiting: 1 } });
    expect(recognition.oldestWaitingAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(lookup).toMatchObject({ queue: 'vehicle-lookup', counts: { 'waiting-children': 1 } });
    // the request's parent waits for its image to be done
    expect(finished).toMatchObject({ queue: 'job-finished', counts: { 'waiting-children': 1 } });
  });
});
