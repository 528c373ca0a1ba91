import path from 'node:path';
import { createDatabase, migrate, type Database } from '@npr/db';

/**
 * Opens the database the services use: DATABASE_URL when set, else the embedded one in
 * $DATA_DIR/pglite (migrated on open, since nobody else would migrate it).
 */
export async function openDatabase(env: NodeJS.ProcessEnv = process.env): Promise<Database> {
  if (env.DATABASE_URL) return createDatabase({ databaseUrl: env.DATABASE_URL });
  const db = await createDatabase({ dataDir: path.join(env.DATA_DIR || 'data', 'pglite') });
  await migrate(db);
  return db;
}
