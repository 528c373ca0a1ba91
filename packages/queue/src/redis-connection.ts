import IORedis, { type Redis } from 'ioredis';

export type { Redis };

/**
 * Opens an ioredis connection. BullMQ workers and QueueEvents block on Redis, so commands must
 * wait for a reconnect instead of failing after a few retries (maxRetriesPerRequest: null).
 */
export function createRedisConnection(redisUrl: string, options: { name?: string } = {}): Redis {
  return new IORedis(redisUrl, { maxRetriesPerRequest: null, connectionName: options.name, lazyConnect: false });
}

/** True when Redis answers PING. */
export async function pingRedis(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
