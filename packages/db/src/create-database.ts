import fs from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client';

export type Database = {
  prisma: PrismaClient;
  /**
   * 'postgres' (a PostgreSQL server), 'embedded-server' (the embedded database that `pnpm start`
   * serves, over its port) or 'embedded' (PGlite opened in this process: a local folder or in memory).
   */
  kind: 'postgres' | 'embedded-server' | 'embedded';
  /** Runs `fn` on one dedicated connection (migrations need session-level locks). */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export type SqlSession = {
  /** Runs a multi-statement SQL script. */
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
};

export type DatabaseOptions =
  // embeddedServer: the URL is the embedded database's server (one session, so transactions wait their turn)
  | { databaseUrl: string; embeddedServer?: boolean }
  // dataDir undefined = in memory (tests); otherwise a folder that only this process may open
  | { dataDir?: string; loadDataDir?: Blob };

/** A Database opened in this process on PGlite, with the PGlite itself (to serve it to other processes). */
export type EmbeddedDatabase = Database & { pglite: PGlite };

/**
 * Opens the database: PostgreSQL via @prisma/adapter-pg when a URL is given, else an embedded
 * PGlite (the zero-setup default of `pnpm start`).
 */
export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  if ('databaseUrl' in options) return openPostgres(options.databaseUrl, options.embeddedServer ?? false);
  return openEmbedded(options.dataDir, options.loadDataDir);
}


// PGlite is a single connection: transactions queue behind each other, so allow a longer wait than Prisma's 2 s / 5 s
const ONE_SESSION_TRANSACTIONS = { maxWait: 15_000, timeout: 30_000 };

async function openPostgres(databaseUrl: string, embeddedServer: boolean): Promise<Database> {
  // the embedded server runs one client's turn at a time: more connections would only wait there
  const pool = new pg.Pool({ connectionString: databaseUrl, max: embeddedServer ? 3 : 10 });
  // an idle connection dropped by the server (restart, failover) must not crash the process:
  // the pool discards that client and the next query opens a fresh one
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), ...(embeddedServer ? { transactionOptions: ONE_SESSION_TRANSACTIONS } : {}) });
  return {
    prisma,
    kind: embeddedServer ? 'embedded-server' : 'postgres',
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          // no parameters = simple query protocol, which accepts several statements
          exec: async (sql) => void (await client.query(sql)),
          query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
        });
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** Opens PGlite in this process: a folder only this process may open (locked), or in memory. */
export async function openEmbedded(dataDir: string | undefined, loadDataDir?: Blob): Promise<EmbeddedDatabase> {
  const releaseLock = dataDir ? lockDataDir(dataDir) : () => {};
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dataDir ?? 'memory://', loadDataDir ? { loadDataDir } : {});
  } catch (err) {
    releaseLock();
    throw err;
  }
  const prisma = new PrismaClient({
    adapter: new PrismaPGlite(pglite),
    transactionOptions: ONE_SESSION_TRANSACTIONS,
  });
  return {
    prisma,
    pglite,
    kind: 'embedded',
    async withSession(fn) {
      return fn({
        // pglite.exec, not the adapter's executeScript (which is not awaited)
        exec: async (sql) => void (await pglite.exec(sql)),
        query: async (sql, params) => (await pglite.query(sql, params as unknown[])).rows as never[],
      });
    },
    async close() {
      // the lock goes whatever closing says: this process no longer holds the folder either way
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        releaseLock();
      }
    },
  };
}

/** The folder is open in another live process (which does not serve it to others). */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid} (an npr command, or a service started on its own), ` +
        'which does not share it. Wait for it or stop it, or set DATABASE_URL to use PostgreSQL.',
    );
  }
}

/**
 * PGlite has no locking of its own and one writer per folder: a second process opening the same
 * folder corrupts it. A pid file makes the second opener fail with a clear message instead.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, '..', `${path.basename(dataDir)}.lock`);
  try {
    const pid = Number(fs.readFileSync(lockFile, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) throw new DataDirInUseError(dataDir, pid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.writeFileSync(lockFile, String(process.pid));
  return () => fs.rmSync(lockFile, { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
