// The embedded database served over the PostgreSQL wire protocol: many clients, one PGlite session.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import {
  createApiKeyForEmail,
  createDatabase,
  findApiKeyForAuth,
  migrate,
  openDatabase,
  openEmbedded,
  serveEmbeddedDatabase,
  startEmbeddedDatabase,
  type EmbeddedServer,
} from '../src';

jest.setTimeout(120_000);

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('serveEmbeddedDatabase', () => {
  let pglite: PGlite;
  let server: EmbeddedServer;
  const clients: pg.Client[] = [];
  async function connect(password = 'secret-for-tests') {
    const client = new pg.Client({ connectionString: server.url.replace(/:[^:@/]+@/, `:${password}@`) });
    client.on('error', () => {});
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    pglite = await PGlite.create('memory://');
    await pglite.exec('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)');
    server = await serveEmbeddedDatabase({ pglite, password: 'secret-for-tests', idleInTransactionMs: 1500 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})));
    await pglite.exec('DELETE FROM items');
  });
  afterAll(async () => {
    await server.close();
    await pglite.close();
  });

  test('concurrent clients with parameterised queries of different shapes each get their own answers', async () => {
    // six connections, each running its queries one after another (as a pool's connection does)
    const conns = Array.from({ length: 6 }, () => new pg.Pool({ connectionString: server.url, max: 1 }));
    // every query uses the extended protocol's unnamed statement: interleaved Parse/Bind would mix them up
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const c = conns[i % conns.length]!;
        return i % 3 === 0
          ? c.query('SELECT $1::int * 2 AS v', [i]).then((r) => r.rows[0].v === i * 2)
          : i % 3 === 1
            ? c.query("SELECT $1::text || '-' || $2::text AS v", [`a${i}`, `b${i}`]).then((r) => r.rows[0].v === `a${i}-b${i}`)
            : c.query('SELECT $1::int AS a, $2::int AS b, $3::int AS c', [i, i + 1, i + 2]).then((r) => r.rows[0].a + r.rows[0].b + r.rows[0].c === 3 * i + 3);
      }),
    );
    expect(answers.filter((ok) => !ok)).toEqual([]);
    expect(server.connections()).toBeGreaterThanOrEqual(6);
    await Promise.all(conns.map((p) => p.end()));
  });

  test("a batch that arrives in pieces keeps the session: another client's batch waits instead of taking over its statement", async () => {
    // raw protocol, so the test decides where the TCP chunks fall (a large Bind arrives in several)
    const msg = (type: string, body: Buffer) => {
      const head = Buffer.alloc(5);
      head.write(type, 0);
      head.writeInt32BE(body.length + 4, 1);
      return Buffer.concat([head, body]);
    };
    const parse = (sql: string) => msg('P', Buffer.from(`\0${sql}\0\0\0`));
    const rest = (value: string) =>
      Buffer.concat([
        msg('B', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 1]), Buffer.from(new Uint8Array([0, 0, 0, value.length])), Buffer.from(value), Buffer.from([0, 0])])),
        msg('D', Buffer.from('P\0')),
        msg('E', Buffer.from([0, 0, 0, 0, 0])),
        msg('S', Buffer.alloc(0)),
      ]);
    async function rawClient() {
      const socket = net.connect(server.port, '127.0.0.1');
      let received = Buffer.alloc(0);
      socket.on('data', (d) => (received = Buffer.concat([received, d])));
      const until = (text: string) => eventually(() => received.toString('latin1').includes(text));
      const params = Buffer.from('user\0npr\0database\0postgres\0\0');
      const startup = Buffer.alloc(8 + params.length);
      startup.writeInt32BE(8 + params.length, 0);
      startup.writeInt32BE(196_608, 4);
      params.copy(startup, 8);
      socket.write(startup);
      await eventually(() => received.length >= 9); // AuthenticationCleartextPassword
      socket.write(msg('p', Buffer.from('secret-for-tests\0')));
      await until('Z\0\0\0\x05I');
      received = Buffer.alloc(0);
      return { socket, until, text: () => received.toString('latin1') };
    }
    const a = await rawClient();
    const b = await rawClient();
    a.socket.write(parse("SELECT 'A:' || $1::text"));
    await new Promise((r) => setTimeout(r, 50));
    b.socket.write(Buffer.concat([parse("SELECT 'B:' || $1::int"), rest('2')]));
    await new Promise((r) => setTimeout(r, 50));
    a.socket.write(rest('hello'));
    await a.until('Z\0\0\0\x05I');
    await b.until('Z\0\0\0\x05I');
    expect(a.text()).toContain('A:hello');
    expect(b.text()).toContain('B:2');
    a.socket.destroy();
    b.socket.destroy();
  });

  test("a transaction holds the session: another client waits and then sees only what was committed", async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    await a.query('BEGIN');
    await a.query('INSERT INTO items VALUES (1, $1)', ['one']);
    let bDone = false;
    const bCount = b.query('SELECT count(*)::int AS n FROM items').then((r) => ((bDone = true), r.rows[0].n));
    await new Promise((r) => setTimeout(r, 300));
    expect(bDone).toBe(false); // B is not run inside A's transaction
    await a.query('INSERT INTO items VALUES (2, $1)', ['two']);
    await a.query('ROLLBACK');
    expect(await bCount).toBe(0);
  });

  test('a client that disconnects mid-transaction is rolled back and the others carry on', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    await a.query('BEGIN');
    await a.query('INSERT INTO items VALUES (3, $1)', ['three']);
    const bCount = b.query('SELECT count(*)::int AS n FROM items');
    (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await bCount).rows[0].n).toBe(0);
  });

  test('a client idle in a transaction for too long is disconnected so that others are not blocked for ever', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    await a.query('BEGIN');
    await a.query('INSERT INTO items VALUES (4, $1)', ['four']);
    const started = Date.now();
    expect((await b.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await expect(a.query('SELECT 1')).rejects.toThrow();
  });

  test('an error inside one client\'s batch does not leak into the next client', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    const [bad, good] = await Promise.allSettled([a.query('SELECT nope FROM items WHERE id = $1', [1]), b.query('SELECT $1::int AS v', [7])]);
    expect(bad.status).toBe('rejected');
    expect(good).toMatchObject({ status: 'fulfilled', value: { rows: [{ v: 7 }] } });
    expect((await a.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  test('a wrong password is refused', async () => {
    await expect(connect('wrong')).rejects.toThrow(/password authentication failed/);
  });
});

describe('the embedded database of `pnpm start`', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-embedded-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('while it is served, other openers connect to it (and Prisma works through it); when it stops, they open the folder themselves', async () => {
    const running = await startEmbeddedDatabase({ dataDir: dir, gateway: 'http://127.0.0.1:3999' });
    try {
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'embedded-database.json'), 'utf8'))).toMatchObject({ pid: process.pid, url: running.url, gateway: 'http://127.0.0.1:3999' });
      expect(fs.statSync(path.join(dir, 'embedded-database.json')).mode & 0o077).toBe(0); // the password is this user's only
      const a = await createDatabase({ databaseUrl: running.url, embeddedServer: true });
      const b = await createDatabase({ databaseUrl: running.url, embeddedServer: true });
      try {
        // two "processes" writing and reading at once, with interactive transactions among them
        const keys = await Promise.all(Array.from({ length: 10 }, (_, i) => createApiKeyForEmail((i % 2 ? a : b).prisma, { email: `u${i}@example.com`, name: 'k' })));
        const found = await Promise.all(keys.map((k, i) => findApiKeyForAuth((i % 2 ? b : a).prisma, k.apiKey.prefix, new Date())));
        expect(found.map((f) => f?.id)).toEqual(keys.map((k) => k.apiKey.id));
        await a.prisma.$transaction(async (tx) => {
          await tx.account.updateMany({ data: { plan: 'pro' } });
        });
        expect(await b.prisma.account.count({ where: { plan: 'pro' } })).toBe(10);
      } finally {
        await a.close();
        await b.close();
      }
    } finally {
      await running.close();
    }
    expect(fs.existsSync(path.join(dir, 'embedded-database.json'))).toBe(false);
    const offline = await openDatabase({ dataDir: dir });
    try {
      expect(offline.kind).toBe('embedded');
      expect(await offline.prisma.apiKey.count()).toBe(10);
    } finally {
      await offline.close();
    }
  });

  test("the old layout's vehicle folder is merged into the one database once, and kept renamed", async () => {
    // the old layout: the gateway's folder (users, keys) and vehicle-lookup's own (registry, DVLA cache)
    const gateway = await openEmbedded(path.join(dir, 'pglite'));
    await migrate(gateway);
    const { apiKey } = await createApiKeyForEmail(gateway.prisma, { email: 'old@example.com', name: 'old key' });
    await gateway.close();
    const vehicles = await openEmbedded(path.join(dir, 'vehicles-pglite'));
    await migrate(vehicles);
    await vehicles.prisma.registeredVehicle.create({ data: { region: 'gb', plate: 'AB12CDE', make: 'Ford', colour: 'Blue', year: 2019 } });
    await vehicles.prisma.vehicleCacheEntry.create({ data: { source: 'dvla', region: 'gb', plate: 'XY99XYZ', found: true, data: { make: 'VOLVO' }, fetchedAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) } });
    await vehicles.close();

    const said: string[] = [];
    const running = await startEmbeddedDatabase({ dataDir: dir, log: (l) => said.push(l) });
    try {
      expect(said.join('\n')).toMatch(/copied 1 registered_vehicles and 1 vehicle_cache rows from .*vehicles-pglite into .*pglite/);
      const db = await openDatabase({ dataDir: dir });
      try {
        expect(db.kind).toBe('embedded-server');
        expect(await db.prisma.apiKey.findUnique({ where: { id: apiKey.id } })).toMatchObject({ name: 'old key' });
        expect(await db.prisma.registeredVehicle.findFirst()).toMatchObject({ plate: 'AB12CDE', make: 'Ford', year: 2019 });
        expect(await db.prisma.vehicleCacheEntry.findFirst()).toMatchObject({ plate: 'XY99XYZ', data: { make: 'VOLVO' } });
      } finally {
        await db.close();
      }
    } finally {
      await running.close();
    }
    expect(fs.existsSync(path.join(dir, 'vehicles-pglite'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'vehicles-pglite.merged'))).toBe(true);
  });
});
