import { migrate, openDatabase, type Database } from '@npr/db';

/**
 * Opens the database that holds the vehicle cache and the operator registry: the one the other
 * services use (DATABASE_URL, else the embedded database `pnpm start` serves, else its folder in
 * this process, migrated on open). `migrate` applies migrations to DATABASE_URL first.
 */
export async function openVehicleDatabase(env: { DATABASE_URL?: string; DATA_DIR?: string; migrate?: boolean }): Promise<Database> {
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, log: (line) => process.stderr.write(`${line}\n`) });
  if (env.DATABASE_URL && env.migrate) await migrate(db);
  return db;
}
