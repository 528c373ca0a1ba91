// Draining a worker (SIGTERM -> close()) finishes the job in progress instead of abandoning it.
import { createRecognitionFlow, recognitionJobId, startRecognitionWorker } from '@npr/queue';
import { createTestRedisPrefix } from '@npr/test-support';
import { Job, Queue } from 'bullmq';

test('close() waits for the job in progress, which completes', async () => {
  const redis = createTestRedisPrefix();
  const flow = await createRecognitionFlow({ redisUrl: redis.redisUrl, prefix: redis.prefix, imageTtlSeconds: 60, resultTtlSeconds: 60 });
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  let finished = false;
  const worker = startRecognitionWorker({ redisUrl: redis.redisUrl, prefix: redis.prefix, concurrency: 1 }, async () => {
    started();
    await new Promise((r) => setTimeout(r, 700));
    finished = true;
    return { plates: [], processing_time_ms: 700 };
  });
  const queue = new Queue('recognition', { connection: { url: redis.redisUrl }, prefix: redis.prefix });
  try {
    const flowId = '00000000-0000-4000-8000-0000000000aa';
    await flow.submitImage({ flowId, accountId: 'acc', image: Buffer.from('img') });
    await running;
    await worker.close();
    expect(finished).toBe(true);
    expect(await (await Job.fromId(queue, recognitionJobId(flowId)))!.getState()).toBe('completed');
  } finally {
    await queue.close();
    await flow.close();
    await redis.cleanup();
  }
});
