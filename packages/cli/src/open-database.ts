import { openDatabase as open, type Database } from '@npr/db';

/**
 * Opens the database the services use: DATABASE_URL when set; else the embedded one that
 * `pnpm start` serves while it runs; else its folder, $DATA_DIR/pglite, opened here (and migrated).
 */
export function openDatabase(env: NodeJS.ProcessEnv = process.env): Promise<Database> {
  return open({ databaseUrl: env.DATABASE_URL || undefined, dataDir: env.DATA_DIR, log: (line) => process.stderr.write(`npr: ${line}\n`) });
}
