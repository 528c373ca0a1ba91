import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, findMigrationsDir, listMigrations, migrate } from '../src';
import { TEST_POSTGRES_URL } from '../../test-support/src/services';

jest.setTimeout(60_000);

describe('migrations (the project runner, Prisma layout)', () => {
  test('apply to embedded PGlite once, then nothing; the schema works through Prisma', async () => {
    const db = await createDatabase({});
    try {
      expect(await migrate(db)).toEqual(listMigrations().map((m) => m.name));
      expect(await migrate(db)).toEqual([]);
      const rows = await db.withSession((s) => s.query<{ migration_name: string; checksum: string }>('SELECT migration_name, checksum FROM "_prisma_migrations"'));
      expect(rows.map((r) => r.checksum)).toEqual(listMigrations().map((m) => m.checksum));
      const account = await db.prisma.account.create({ data: { name: 'a', plan: 'pro' } });
      expect(account.plan).toBe('pro');
    } finally {
      await db.close();
    }
  });

  test('apply to PostgreSQL, concurrently from two processes-worth of connections, exactly once', async () => {
    const name = `npr_test_migrate_${Date.now()}`;
    const admin = await createDatabase({ databaseUrl: TEST_POSTGRES_URL });
    await admin.withSession((s) => s.exec(`CREATE DATABASE "${name}"`));
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${name}`;
    const a = await createDatabase({ databaseUrl: url.toString() });
    const b = await createDatabase({ databaseUrl: url.toString() });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      expect([...ra, ...rb]).toEqual(listMigrations().map((m) => m.name));
    } finally {
      await a.close();
      await b.close();
      await admin.withSession((s) => s.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      await admin.close();
    }
  });

  test("the runner finds the repository's top-level prisma/migrations, or MIGRATIONS_DIR, and says so when there is neither", () => {
    const top = path.join(__dirname, '..', '..', '..', 'prisma', 'migrations');
    expect(findMigrationsDir({})).toBe(top);
    expect(listMigrations().map((m) => m.name)).toEqual(fs.readdirSync(top).filter((n) => fs.existsSync(path.join(top, n, 'migration.sql'))).sort());
    expect(listMigrations().length).toBeGreaterThan(0);
    expect(findMigrationsDir({ MIGRATIONS_DIR: '/app/prisma/migrations' })).toBe('/app/prisma/migrations');
    // as in a `pnpm deploy` folder: the package without the repository around it
    const alone = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-deployed-'));
    try {
      expect(() => findMigrationsDir({}, path.join(alone, 'node_modules', '@npr', 'db', 'src'))).toThrow(/MIGRATIONS_DIR/);
      fs.mkdirSync(path.join(alone, 'prisma', 'migrations'), { recursive: true });
      fs.writeFileSync(path.join(alone, 'prisma', 'migrations', 'migration_lock.toml'), 'provider = "postgresql"\n');
      expect(findMigrationsDir({}, path.join(alone, 'node_modules', '@npr', 'db', 'src'))).toBe(path.join(alone, 'prisma', 'migrations'));
    } finally {
      fs.rmSync(alone, { recursive: true, force: true });
    }
  });

  test('a migration edited after it was applied is refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-migrations-'));
    fs.mkdirSync(path.join(dir, '1_a'));
    fs.writeFileSync(path.join(dir, '1_a', 'migration.sql'), 'CREATE TABLE t (id int);');
    const db = await createDatabase({});
    try {
      await migrate(db, { dir });
      fs.writeFileSync(path.join(dir, '1_a', 'migration.sql'), 'CREATE TABLE t (id bigint);');
      await expect(migrate(db, { dir })).rejects.toThrow(/changed after it was applied/);
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a second process cannot open the same embedded data folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-pglite-'));
    const dataDir = path.join(dir, 'pglite');
    fs.writeFileSync(path.join(dir, 'pglite.lock'), String(process.ppid)); // a live process that is not us
    await expect(createDatabase({ dataDir })).rejects.toThrow(/in use by process/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
