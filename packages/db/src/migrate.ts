import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from './create-database';

/**
 * Where the committed migrations are: `MIGRATIONS_DIR` when set (the images set it: `pnpm deploy`
 * copies this package without the repository's top-level prisma/ folder, so the Dockerfiles copy
 * that folder into the image themselves), else the nearest `prisma/migrations` above this package,
 * which in the repository is the top-level prisma/ folder.
 */
export function findMigrationsDir(env: NodeJS.ProcessEnv = process.env, from = __dirname): string {
  if (env.MIGRATIONS_DIR) return path.resolve(env.MIGRATIONS_DIR);
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'prisma', 'migrations');
    // the lock file marks Prisma's migrations folder (not, say, a package named prisma)
    if (fs.existsSync(path.join(candidate, 'migration_lock.toml'))) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`No prisma/migrations folder found above ${from}; set MIGRATIONS_DIR to the repository's prisma/migrations`);
}

// Same table and checksum as `prisma migrate deploy`, so either tool sees what the other applied.
const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);`;

// Any constant works; it only has to be the same for every process migrating this database.
const ADVISORY_LOCK_ID = 72_617_001;

/** Lists the committed migrations in the order they apply. */
export function listMigrations(dir = findMigrationsDir()): { name: string; sql: string; checksum: string }[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the committed SQL migrations that are not applied yet, each in its own transaction.
 * Safe to run from several processes at once (an advisory lock serialises them).
 */
export async function migrate(db: Database, options: { dir?: string; onApplied?: (name: string) => void } = {}): Promise<string[]> {
  return db.withSession(async (db) => {
  const applied: string[] = [];
  // lock first: even CREATE TABLE IF NOT EXISTS races when two processes run it at once
  await db.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_ID]);
  try {
    await db.exec(BOOKKEEPING);
    const done = await db.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const doneByName = new Map(done.map((r) => [r.migration_name, r.checksum]));
    for (const m of listMigrations(options.dir)) {
      const previous = doneByName.get(m.name);
      if (previous !== undefined) {
        if (previous !== m.checksum) throw new Error(`Migration ${m.name} was changed after it was applied`);
        continue;
      }
      const id = randomUUID();
      const sqlLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
      try {
      await db.exec(
        `BEGIN;\n${m.sql}\n;INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) ` +
          `VALUES (${sqlLiteral(id)}, ${sqlLiteral(m.checksum)}, now(), ${sqlLiteral(m.name)}, 1);\nCOMMIT;`,
      );
      } catch (err) {
        await db.exec('ROLLBACK').catch(() => {});
        throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.name);
      options.onApplied?.(m.name);
    }
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_ID]);
  }
  return applied;
  });
}
