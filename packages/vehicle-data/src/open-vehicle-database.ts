import path from 'node:path';
import { createDatabase, migrate, type Database } from '@npr/db';

/**
 * Opens the database that holds the vehicle cache and the operator registry: DATABASE_URL when
 * set (shared with the other services), else an embedded PostgreSQL in $DATA_DIR/vehicles-pglite.
 * The embedded one belongs to vehicle-lookup alone (PGlite allows one process per folder, and the
 * gateway holds $DATA_DIR/pglite), and is migrated on open since nobody else migrates it.
 */
export async function openVehicleDatabase(env: { DATABASE_URL?: string; DATA_DIR?: string; migrate?: boolean }): Promise<Database> {
  if (env.DATABASE_URL) {
    const db = await createDatabase({ databaseUrl: env.DATABASE_URL });
    if (env.migrate) await migrate(db);
    return db;
  }
  const db = await createDatabase({ dataDir: vehicleDataDir(env.DATA_DIR) });
  await migrate(db);
  return db;
}

/** Where the embedded vehicle database lives. */
export function vehicleDataDir(dataDir = 'data'): string {
  return path.join(dataDir || 'data', 'vehicles-pglite');
}
