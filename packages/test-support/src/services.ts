import { randomBytes } from 'node:crypto';
import { createDatabase, migrate, type Database } from '@npr/db';
import { createRedisConnection } from '@npr/queue';

/** Where the integration tests find PostgreSQL and Redis (the standard local ports by default). */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A short random suffix so parallel and repeated runs never share state. */
export const uniqueId = () => `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;

function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates a fresh, migrated PostgreSQL database; `drop()` removes it again. */
export async function createTestDatabase(): Promise<{ db: Database; url: string; drop: () => Promise<void> }> {
  const name = `npr_test_${uniqueId()}`;
  const admin = await createDatabase({ databaseUrl: TEST_POSTGRES_URL });
  await admin.withSession((s) => s.exec(`CREATE DATABASE "${name}"`));
  const url = withDatabaseName(TEST_POSTGRES_URL, name);
  const db = await createDatabase({ databaseUrl: url });
  await migrate(db);
  return {
    db,
    url,
    async drop() {
      await db.close().catch(() => {});
      await admin.withSession((s) => s.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      await admin.close();
    },
  };
}

/** A unique Redis key/queue prefix; `cleanup()` deletes every key under it. */
export function createTestRedisPrefix() {
  const prefix = `npr-test-${uniqueId()}`;
  return {
    prefix,
    redisUrl: TEST_REDIS_URL,
    async cleanup() {
      const redis = createRedisConnection(TEST_REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        await redis.quit();
      }
    },
  };
}

/** Polls `fn` until it returns a truthy value or the timeout passes (generous: CI machines are busy). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
