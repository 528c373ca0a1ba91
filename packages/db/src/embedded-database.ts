import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createDatabase, DataDirInUseError, isAlive, openEmbedded, type Database, type EmbeddedDatabase } from './create-database';
import { serveEmbeddedDatabase } from './embedded-server';
import { migrate } from './migrate';

// Without DATABASE_URL everything lives in $DATA_DIR: the database folder, and while `pnpm start`
// serves it, a file naming its address, so that the CLI and the services find it.
const FOLDER = 'pglite';
const SERVER_FILE = 'embedded-database.json';
// the layout before one database was shared: vehicle-lookup kept its own folder beside it
const OLD_VEHICLE_FOLDER = 'vehicles-pglite';

/** What the server file says: where to connect, who serves it, and where the gateway listens. */
export type EmbeddedServerInfo = { url: string; pid: number; gateway?: string };

type Log = (line: string) => void;

export function embeddedDataDir(dataDir = 'data'): string {
  return path.join(dataDir || 'data', FOLDER);
}

/** The embedded database's server while `pnpm start` runs it, from its file; null when none runs. */
export function runningEmbeddedServer(dataDir = 'data'): EmbeddedServerInfo | null {
  let info: EmbeddedServerInfo;
  try {
    info = JSON.parse(fs.readFileSync(path.join(dataDir || 'data', SERVER_FILE), 'utf8')) as EmbeddedServerInfo;
  } catch {
    return null;
  }
  // a file left by a start that was killed outright names a process that is gone
  return info.pid && isAlive(info.pid) ? info : null;
}

/**
 * Opens the embedded database folder in this process, migrated. A data folder of the old layout
 * (vehicle-lookup's own folder beside it) is merged in first, once.
 */
export async function openEmbeddedFolder(dataDir = 'data', log: Log = () => {}): Promise<EmbeddedDatabase> {
  const db = await openEmbedded(embeddedDataDir(dataDir));
  try {
    const applied = await migrate(db);
    if (applied.length) log(`embedded database: applied ${applied.join(', ')}`);
    await mergeOldVehicleFolder(db, dataDir, log);
    return db;
  } catch (err) {
    await db.close();
    throw err;
  }
}

/**
 * Copies vehicle-lookup's old folder (the operator registry and the DVLA cache) into the one
 * database and keeps the old folder, renamed, until the operator deletes it. Rows the database
 * has already (same key) are kept, so running it again changes nothing.
 */
async function mergeOldVehicleFolder(db: Database, dataDir: string, log: Log): Promise<void> {
  const oldDir = path.join(dataDir || 'data', OLD_VEHICLE_FOLDER);
  if (!fs.existsSync(oldDir)) return;
  const old = await openEmbedded(oldDir);
  const copied: string[] = [];
  try {
    await migrate(old);
    for (const table of ['registered_vehicles', 'vehicle_cache']) {
      const [{ rows }] = await old.withSession((s) => s.query<{ rows: string }>(`SELECT coalesce(json_agg(t), '[]')::text AS rows FROM ${table} t`));
      const [{ n }] = await db.withSession((s) =>
        s.query<{ n: number }>(
          `WITH added AS (INSERT INTO ${table} SELECT * FROM json_populate_recordset(null::${table}, $1::json) ON CONFLICT DO NOTHING RETURNING 1)
           SELECT count(*)::int AS n FROM added`,
          [rows],
        ),
      );
      copied.push(`${n} ${table}`);
    }
  } finally {
    await old.close();
  }
  const kept = `${oldDir}.merged`;
  fs.renameSync(oldDir, fs.existsSync(kept) ? `${kept}-${Date.now()}` : kept);
  log(`embedded database: one database for all services now; copied ${copied.join(' and ')} rows from ${oldDir} into ${embeddedDataDir(dataDir)} (the old folder is kept as ${kept}; delete it when you like)`);
}

export type RunningEmbeddedDatabase = { url: string; port: number; close(): Promise<void> };

/**
 * `pnpm start` without DATABASE_URL: opens the folder (the one process that does), migrates it and
 * serves it on a loopback port with a password made for this start, written to
 * $DATA_DIR/embedded-database.json (readable by this user only) for the other processes.
 */
export async function startEmbeddedDatabase(options: { dataDir?: string; gateway?: string; log?: Log }): Promise<RunningEmbeddedDatabase> {
  const dataDir = options.dataDir || 'data';
  const db = await openEmbeddedFolder(dataDir, options.log);
  const server = await serveEmbeddedDatabase({ pglite: db.pglite, password: randomBytes(24).toString('base64url') });
  const file = path.join(dataDir, SERVER_FILE);
  const info: EmbeddedServerInfo = { url: server.url, pid: process.pid, ...(options.gateway ? { gateway: options.gateway } : {}) };
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(info) + '\n', { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
  return {
    url: server.url,
    port: server.port,
    async close() {
      fs.rmSync(file, { force: true });
      try {
        await server.close();
      } finally {
        await db.close();
      }
    },
  };
}

/**
 * The database for the CLI and the services: DATABASE_URL when set; else the embedded database
 * `pnpm start` serves; else the embedded folder opened in this process (migrated), when nothing
 * runs. A folder held by a start that is still coming up (initdb, migrations) is waited for.
 */
export async function openDatabase(options: { databaseUrl?: string; dataDir?: string; waitMs?: number; log?: Log }): Promise<Database> {
  if (options.databaseUrl) return createDatabase({ databaseUrl: options.databaseUrl });
  const dataDir = options.dataDir || 'data';
  const serving = () => {
    const server = runningEmbeddedServer(dataDir);
    return server ? createDatabase({ databaseUrl: server.url, embeddedServer: true }) : null;
  };
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  let said = false;
  for (;;) {
    const connected = serving();
    if (connected) return connected;
    try {
      return await openEmbeddedFolder(dataDir, options.log);
    } catch (err) {
      if (!(err instanceof DataDirInUseError) || Date.now() > deadline) throw err;
      if (!said) options.log?.(`embedded database: ${err.dataDir} is open in process ${err.pid}; waiting for it to serve it or close it`);
      said = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
