// TEST DOUBLE: a local HTTP server that answers as the DVLA Vehicle Enquiry Service documents
// (POST /vehicle-enquiry/v1/vehicles, x-api-key, {"registrationNumber"}; errors shaped
// {"errors":[{"status","code","title","detail"}]}), with switches for slow answers and outages.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DvlaVehicle } from '../src/dvla/dvla-client';

export const DVLA_TEST_KEY = 'test-dvla-key';

export type FakeDvlaMode = 'normal' | 'down500' | 'down503' | 'rate-limited' | 'slow' | 'forbidden';
/** A forced status, or one with a Retry-After header value (seconds or an HTTP date), as DVLA's gateway may send. */
export type ScriptedAnswer = number | { status: 429 | 503; retryAfter: string };

const error = (status: number, code: string, title: string, detail?: string) => ({ errors: [{ status: String(status), code, title, ...(detail ? { detail } : {}) }] });

export async function startFakeDvla(vehicles: Record<string, DvlaVehicle> = {}) {
  let mode: FakeDvlaMode = 'normal';
  let slowMs = 5000;
  // per-request queue of forced statuses (e.g. [429, 500] then normal answers), optionally with a Retry-After header
  const scripted: ScriptedAnswer[] = [];
  const requests: { registrationNumber: string; apiKey: string | undefined }[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/vehicle-enquiry/v1/vehicles') return send(404, error(404, 'ENQ404', 'Not Found'));
      const apiKey = req.headers['x-api-key'] as string | undefined;
      let registrationNumber = '';
      try {
        registrationNumber = String(JSON.parse(raw).registrationNumber ?? '');
      } catch {
        return send(400, error(400, 'ENQ103', 'Bad Request', 'Invalid request body'));
      }
      requests.push({ registrationNumber, apiKey });
      const next = scripted.shift();
      const forced: { status: number; retryAfter?: string } | undefined = typeof next === 'number' ? { status: next } : next;
      const retryAfter: Record<string, string> = forced?.retryAfter ? { 'retry-after': forced.retryAfter } : {};
      const effective = forced?.status ?? (mode === 'down500' ? 500 : mode === 'down503' ? 503 : mode === 'rate-limited' ? 429 : mode === 'forbidden' ? 403 : 0);
      if (effective === 500) return send(500, error(500, 'ENQ500', 'Internal Server Error', 'System error occurred'));
      if (effective === 503) return send(503, error(503, 'ENQ503', 'Service Unavailable', 'The service is temporarily unavailable'), retryAfter);
      if (effective === 429) return send(429, { message: 'Too Many Requests' }, retryAfter);
      if (effective === 403 || apiKey !== DVLA_TEST_KEY) return send(403, { message: 'Forbidden' });
      const answer = () => {
        if (!/^[A-Z0-9]{1,7}$/.test(registrationNumber)) return send(400, error(400, 'ENQ103', 'Bad Request', 'Invalid format for field - vehicle registration number'));
        const v = vehicles[registrationNumber];
        if (!v) return send(404, error(404, 'ENQ109', 'Vehicle Not Found', 'Record for vehicle not found'));
        send(200, { registrationNumber, ...v });
      };
      if (mode === 'slow') timers.add(setTimeout(answer, slowMs));
      else answer();
    });
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    vehicles,
    setMode(m: FakeDvlaMode, options: { slowMs?: number } = {}) {
      mode = m;
      if (options.slowMs) slowMs = options.slowMs;
    },
    /** The next requests answer with these statuses (429/503 optionally with Retry-After), in order, before normal behaviour resumes. */
    script(...answers: ScriptedAnswer[]) {
      scripted.push(...answers);
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeDvla = Awaited<ReturnType<typeof startFakeDvla>>;

/** A documented-looking DVLA answer. */
export function dvlaVehicle(overrides: Partial<DvlaVehicle> = {}): DvlaVehicle {
  return {
    make: 'FORD',
    colour: 'BLUE',
    yearOfManufacture: 2019,
    fuelType: 'PETROL',
    taxStatus: 'Taxed',
    taxDueDate: '2026-09-01',
    motStatus: 'Valid',
    motExpiryDate: '2026-05-14',
    co2Emissions: 120,
    engineCapacity: 1499,
    monthOfFirstRegistration: '2019-03',
    markedForExport: false,
    typeApproval: 'M1',
    wheelplan: '2 AXLE RIGID BODY',
    ...overrides,
  };
}
