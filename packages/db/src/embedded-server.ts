import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Serves one PGlite over the PostgreSQL wire protocol on a loopback port, so that several processes
 * (gateway, vehicle-lookup, the CLI) use the one embedded database as they would any PostgreSQL server.
 *
 * PGlite is a single backend session. Clients take turns on it: a client owns the session from its
 * first message until the session is idle again (a ReadyForQuery 'I' answering its Sync or Query),
 * so an extended-protocol batch (Parse/Bind/Execute/Sync) or a transaction is never interleaved with
 * another client's messages. @electric-sql/pglite-socket 0.2.17 was the first choice; its
 * multiplexer switches clients between single messages outside transactions, which lets two
 * clients' Parse/Bind interleave on the shared unnamed statement (electric-sql/pglite#1046), and
 * without it a second connection is refused.
 */
export type EmbeddedServer = {
  port: number;
  /** postgresql://... with this start's password */
  url: string;
  /** connections now open */
  connections(): number;
  close(): Promise<void>;
};

export type EmbeddedServerOptions = {
  pglite: PGlite;
  password: string;
  host?: string;
  /** 0 = a free port */
  port?: number;
  /** a client that holds the session (in a transaction) this long without sending anything is disconnected */
  idleInTransactionMs?: number;
};

const PROTOCOL_3 = 196_608;
const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;
// a client's turn can end only after one of these: Sync, simple Query, CopyDone, CopyFail (or its start-up)
const TURN_ENDERS = new Set(['S', 'Q', 'c', 'f']);
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

type Client = {
  socket: net.Socket;
  buffer: Buffer;
  phase: 'startup' | 'password' | 'ready';
  startup?: Buffer;
  /** complete messages not yet run; `endsTurn`: a Sync, Query, CopyDone/Fail or the start-up, after which the turn may end */
  pending: { data: Buffer; endsTurn: boolean }[];
  closed: boolean;
};

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function errorResponse(code: string, text: string): Buffer {
  const field = (t: string, v: string) => Buffer.from(`${t}${v}\0`);
  return message('E', Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', text), Buffer.from([0])]));
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The status byte of the last ReadyForQuery in a backend response, or null when it has none. */
function lastReadyStatus(response: Buffer): string | null {
  let status: string | null = null;
  for (let i = 0; i + 5 <= response.length; ) {
    const len = response.readInt32BE(i + 1);
    if (response[i] === 0x5a && i + 5 < response.length) status = String.fromCharCode(response[i + 5]!);
    i += 1 + len;
  }
  return status;
}

export async function serveEmbeddedDatabase(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const { pglite } = options;
  const host = options.host ?? '127.0.0.1';
  const idleInTransactionMs = options.idleInTransactionMs ?? 60_000;
  const expected = digest(options.password);
  const clients = new Set<Client>();
  // the client whose turn it is, and those waiting for theirs (in arrival order)
  let owner: Client | null = null;
  const waiting: Client[] = [];
  let pumping = false;
  let idleTimer: NodeJS.Timeout | undefined;

  const send = (c: Client, data: Uint8Array) => {
    if (!c.closed && c.socket.writable) c.socket.write(data);
  };

  /** Ends a turn a client left unfinished (it disconnected or timed out): no half batch or open transaction may carry over. */
  async function resetSession(): Promise<void> {
    await pglite.runExclusive(async () => {
      await pglite.execProtocolRaw(SYNC);
      if (pglite.isInTransaction()) await pglite.execProtocolRaw(message('Q', Buffer.from('ROLLBACK\0')));
    });
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    clearTimeout(idleTimer);
    try {
      for (;;) {
        if (owner?.closed) {
          owner = null;
          await resetSession().catch(() => {});
          continue;
        }
        const client = owner ?? waiting.shift();
        if (!client) break;
        if (client.closed) continue;
        if (!client.pending.length) {
          if (client !== owner) continue;
          // the owner is between messages (mid-transaction or mid-batch): wait for it, but not forever
          idleTimer = setTimeout(() => {
            if (owner === client && !client.pending.length) client.socket.destroy();
          }, idleInTransactionMs);
          idleTimer.unref();
          break;
        }
        owner = client;
        const batch = client.pending.splice(0);
        const chunks: Uint8Array[] = [];
        try {
          await pglite.runExclusive(() =>
            pglite.execProtocolRawStream(Buffer.concat(batch.map((m) => m.data)), { onRawData: (data) => (chunks.push(data.slice()), send(client, data)) }),
          );
        } catch (err) {
          // an internal failure ends this client's connection, never the other clients' service
          send(client, errorResponse('XX000', `embedded database: ${(err as Error).message}`));
          client.socket.destroy();
          continue;
        }
        const status = lastReadyStatus(Buffer.concat(chunks));
        if (batch[batch.length - 1]!.endsTurn && status === 'I') {
          owner = null;
          if (client.pending.length) waiting.push(client);
        }
      }
    } finally {
      pumping = false;
    }
  }

  function enqueue(c: Client, data: Buffer, endsTurn: boolean) {
    c.pending.push({ data, endsTurn });
    if (owner !== c && !waiting.includes(c)) waiting.push(c);
    void pump();
  }

  function onData(c: Client, data: Buffer) {
    c.buffer = c.buffer.length ? Buffer.concat([c.buffer, data]) : data;
    while (!c.closed) {
      if (c.phase === 'startup') {
        if (c.buffer.length < 8) return;
        const len = c.buffer.readInt32BE(0);
        if (c.buffer.length < len) return;
        const code = c.buffer.readInt32BE(4);
        const packet = c.buffer.subarray(0, len);
        c.buffer = c.buffer.subarray(len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          send(c, Buffer.from('N')); // no TLS on a loopback port; clients then go on in plain text
        } else if (code === PROTOCOL_3) {
          c.startup = Buffer.from(packet);
          c.phase = 'password';
          send(c, message('R', Buffer.from([0, 0, 0, 3]))); // AuthenticationCleartextPassword
        } else {
          // CancelRequest (PGlite has no backend to signal) or an unknown protocol
          if (code !== CANCEL_REQUEST) send(c, errorResponse('08P01', 'unsupported frontend protocol'));
          c.socket.end();
          return;
        }
        continue;
      }
      if (c.buffer.length < 5) return;
      const len = c.buffer.readInt32BE(1);
      if (c.buffer.length < 1 + len) return;
      const msg = Buffer.from(c.buffer.subarray(0, 1 + len));
      c.buffer = c.buffer.subarray(1 + len);
      const type = String.fromCharCode(msg[0]!);
      if (c.phase === 'password') {
        const given = type === 'p' ? msg.subarray(5, msg.length - 1).toString('utf8') : '';
        if (!timingSafeEqual(digest(given), expected)) {
          send(c, errorResponse('28P01', 'password authentication failed (the embedded database\'s URL is in its data folder)'));
          c.socket.end();
          return;
        }
        c.phase = 'ready';
        // PGlite answers the start-up itself (AuthenticationOk, parameters, ReadyForQuery)
        enqueue(c, c.startup!, true);
        continue;
      }
      if (type === 'X') {
        c.socket.end();
        return;
      }
      enqueue(c, msg, TURN_ENDERS.has(type));
    }
  }

  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const c: Client = { socket, buffer: Buffer.alloc(0), phase: 'startup', pending: [], closed: false };
    clients.add(c);
    socket.on('data', (data) => onData(c, data));
    socket.on('error', () => {});
    socket.on('close', () => {
      c.closed = true;
      c.pending = [];
      clients.delete(c);
      const at = waiting.indexOf(c);
      if (at >= 0) waiting.splice(at, 1);
      if (owner === c) void pump();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `postgresql://npr:${encodeURIComponent(options.password)}@${host}:${port}/postgres`,
    connections: () => clients.size,
    async close() {
      for (const c of clients) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // let a turn in progress finish before the caller closes PGlite
      while (pumping) await new Promise((r) => setTimeout(r, 10));
    },
  };
}
