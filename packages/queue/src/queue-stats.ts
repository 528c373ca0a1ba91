import { Queue } from 'bullmq';
import { QUEUE_NAMES } from '@npr/contracts';
import { createFailFastRedisConnection } from './redis-connection';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'waiting-children', 'prioritized'] as const;

/** One queue's job counts and the age of its oldest waiting job. */
export type QueueStats = { queue: string; counts: Record<(typeof STATES)[number], number>; oldestWaitingAgeSeconds: number };

/**
 * The Redis key of a queue's wait list, which KEDA's Redis scaler (LLEN) reads to scale the
 * inference workers: `<prefix>:<queue>:wait`, e.g. `npr:recognition:wait`.
 */
export const waitListKey = (prefix: string, queueName: string) => `${prefix}:${queueName}:wait`;

/** Reads queue depth and age for /metrics, the benchmark and the runbook's checks. */
export function createQueueStats(options: { redisUrl: string; prefix: string; now?: () => number }) {
  const now = options.now ?? Date.now;
  // fail fast: a scrape while Redis is down must not hang
  const connection = createFailFastRedisConnection(options.redisUrl, { name: 'npr-queue-stats' });
  const queues = Object.values(QUEUE_NAMES).map((name) => new Queue(name, { connection, prefix: options.prefix }));

  async function snapshot(): Promise<QueueStats[]> {
    return Promise.all(
      queues.map(async (q) => {
        const counts = (await q.getJobCounts(...STATES)) as QueueStats['counts'];
        // BullMQ pushes new jobs on the left of the wait list: the oldest is the last one
        const [oldest] = await q.getJobs(['wait'], 0, 0, true);
        const age = oldest?.timestamp ? Math.max(0, (now() - oldest.timestamp) / 1000) : 0;
        return { queue: q.name, counts, oldestWaitingAgeSeconds: age };
      }),
    );
  }

  return {
    snapshot,
    /** The queues themselves, for bull-board. */
    queues,
    async close() {
      await Promise.all(queues.map((q) => q.close()));
      await connection.quit().catch(() => {});
    },
  };
}

export type QueueStatsSource = ReturnType<typeof createQueueStats>;
