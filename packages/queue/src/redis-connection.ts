import IORedis, { type Redis } from 'ioredis';

export type { Redis };

/**
 * Opens an ioredis connection. BullMQ workers and QueueEvents block on Redis, so commands must
 * wait for a reconnect instead of failing after a few retries (maxRetriesPerRequest: null).
 */
export function createRedisConnection(redisUrl: string, options: { name?: string } = {}): Redis {
  return new IORedis(redisUrl, { maxRetriesPerRequest: null, connectionName: options.name, lazyConnect: false });
}

/**
 * Opens a connection for request-serving code (the gateway): while Redis is unreachable its
 * commands fail at once (no offline queue, one retry on a reconnect) instead of waiting, so a
 * client gets a quick 503 rather than silence. It reconnects by itself when Redis returns.
 */
export function createFailFastRedisConnection(redisUrl: string, options: { name?: string } = {}): Redis {
  return new IORedis(redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectionName: options.name,
    // reconnect quickly: a restarted Redis is back in use within half a second
    retryStrategy: (times) => Math.min(times * 100, 500),
  });
}

/** Resolves once the connection is ready (its commands fail while it is not, with no offline queue). */
export function redisReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}

/**
 * True for the errors a command gets while Redis is unreachable (connection closed, no offline
 * queue, retries used up, timed out): the request should answer 503, not 500.
 */
export function isRedisUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|ECONNRESET|EPIPE|Command timed out|Reached the max retries/i.test(err.message)
  );
}

/** True when Redis answers PING. */
export async function pingRedis(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
