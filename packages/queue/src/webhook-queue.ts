import { Queue } from 'bullmq';
import { QUEUE_NAMES, type WebhookDeliveryJobData } from '@npr/contracts';
import { createRedisConnection } from './redis-connection';

export type WebhookQueueOptions = {
  redisUrl: string;
  prefix: string;
  /** Attempts per delivery before it is given up. */
  maxAttempts: number;
  /** First retry delay; each next one doubles (exponential backoff). */
  backoffMs: number;
  /** How long finished delivery jobs stay in Redis. */
  keepSeconds: number;
};

/** Enqueues webhook deliveries: one job per (event, destination), retried with exponential backoff. */
export function createWebhookQueue(options: WebhookQueueOptions) {
  const redis = createRedisConnection(options.redisUrl, { name: 'npr-webhook-queue' });
  const queue = new Queue(QUEUE_NAMES.webhookDelivery, { connection: redis, prefix: options.prefix });
  return {
    /**
     * `id` is stable per event and destination, so a job-finished handler that runs again enqueues
     * nothing new (BullMQ keeps one job per id).
     */
    async enqueue(id: string, data: WebhookDeliveryJobData): Promise<void> {
      await queue.add('deliver', data, {
        jobId: id,
        attempts: options.maxAttempts,
        // jitter spreads the retries of many deliveries to a receiver that was down
        backoff: { type: 'exponential', delay: options.backoffMs, jitter: 0.2 },
        removeOnComplete: { age: options.keepSeconds },
        removeOnFail: { age: options.keepSeconds },
      });
    },
    async close() {
      await queue.close();
      await redis.quit().catch(() => {});
    },
  };
}

export type WebhookQueue = ReturnType<typeof createWebhookQueue>;
