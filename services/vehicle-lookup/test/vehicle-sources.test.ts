// The lookup's sources in order, on a real PostgreSQL cache/registry and a local DVLA double:
// registry > DVLA (through the cache) > what the camera saw.
import { createLogger } from '@npr/runtime';
import { createTestDatabase } from '@npr/test-support';
import { createDvlaClient, createVehicleCache, importRegistryCsv, type DvlaClient } from '@npr/vehicle-data';
import { DVLA_TEST_KEY, dvlaVehicle, startFakeDvla, type FakeDvla } from '@npr/vehicle-data/test/fake-dvla-server';
import { createVehicleLookup } from '../src/lookup-vehicle';

const logger = createLogger({ name: 'test', level: 'silent' });
const HOUR = 3600_000;

let t: Awaited<ReturnType<typeof createTestDatabase>>;
let dvla: FakeDvla;
let clock: Date;
let client: DvlaClient;

function lookup(options: { dvla?: DvlaClient | null } = {}) {
  const cache = createVehicleCache({ prisma: t.db.prisma, ttlMs: 24 * HOUR, negativeTtlMs: HOUR, now: () => clock });
  return createVehicleLookup({ prisma: t.db.prisma, cache, dvla: options.dvla === undefined ? client : options.dvla, logger });
}

beforeAll(async () => {
  t = await createTestDatabase();
  dvla = await startFakeDvla({
    AB12CDE: dvlaVehicle(),
    CL0N3DX: dvlaVehicle({ make: 'VAUXHALL', colour: 'WHITE', fuelType: 'DIESEL' }),
    VN21VAN: dvlaVehicle({ make: 'FORD', typeApproval: 'N1', wheelplan: '2 AXLE RIGID BODY' }),
    // DVLA leaves typeApproval out for many older vehicles
    MC05BKE: dvlaVehicle({ make: 'HONDA', typeApproval: undefined, wheelplan: '2-WHEELED MOTORCYCLE' }),
    NO51GNS: dvlaVehicle({ make: 'ROVER', typeApproval: undefined, wheelplan: undefined }),
  });
}, 60_000);
afterAll(async () => {
  await dvla.close();
  await t.drop();
});
beforeEach(async () => {
  clock = new Date('2026-01-01T12:00:00Z');
  dvla.setMode('normal');
  dvla.requests.length = 0;
  client = createDvlaClient({ apiKey: DVLA_TEST_KEY, baseUrl: dvla.baseUrl, timeoutMs: 300, maxAttempts: 2, backoffMs: 10, breakerThreshold: 3, breakerOpenMs: 60_000 });
  await t.db.prisma.vehicleCacheEntry.deleteMany();
  await t.db.prisma.registeredVehicle.deleteMany();
});

test('a UK plate is filled from DVLA in the documented shape, lower-case fuel type, source and tax/MOT extras', async () => {
  expect(await lookup()('AB12 CDE', 'gb')).toEqual({
    make: 'FORD',
    colour: 'Blue',
    year: 2019,
    fuel_type: 'petrol',
    model: null,
    type: 'car',
    tax_status: 'Taxed',
    tax_due_date: '2026-09-01',
    mot_status: 'Valid',
    mot_expiry_date: '2026-05-14',
    co2_emissions: 120,
    engine_capacity: 1499,
    month_of_first_registration: '2019-03',
    marked_for_export: false,
    type_approval: 'M1',
    wheelplan: '2 AXLE RIGID BODY',
    source: 'dvla',
    colour_source: 'dvla',
    // nothing observed to compare with
    colour_match: null,
    fetched_at: clock.toISOString(),
  });
});

test('vehicle type: from the type-approval category (M1 car, N1 van), a motorcycle wheelplan without one, else null', async () => {
  const find = lookup();
  expect(await find('AB12CDE', 'gb')).toMatchObject({ make: 'FORD', type: 'car', type_approval: 'M1' });
  expect(await find('VN21 VAN', 'gb')).toMatchObject({ type: 'van', type_approval: 'N1', wheelplan: '2 AXLE RIGID BODY' });
  expect(await find('MC05BKE', 'gb')).toMatchObject({ make: 'HONDA', type: 'motorcycle', type_approval: null, wheelplan: '2-WHEELED MOTORCYCLE' });
  expect(await find('NO51GNS', 'gb')).toMatchObject({ make: 'ROVER', type: null, type_approval: null, wheelplan: null });
});

test('a cached DVLA answer gives the type too, fresh or (during an outage) expired', async () => {
  const find = lookup();
  await find('VN21VAN', 'gb');
  dvla.setMode('down500');
  expect(await find('VN21VAN', 'gb')).toMatchObject({ type: 'van', type_approval: 'N1', source: 'dvla' });
  expect(dvla.requests).toHaveLength(1);
  clock = new Date(clock.getTime() + 48 * HOUR);
  expect(await find('VN21VAN', 'gb')).toMatchObject({ type: 'van', stale: true });
});

test('cache hit: the same car within the TTL costs no DVLA request; after expiry it is fetched again', async () => {
  const find = lookup();
  await find('AB12CDE', 'gb');
  clock = new Date(clock.getTime() + 23 * HOUR);
  expect(await find('ab12 cde', 'gb')).toMatchObject({ make: 'FORD' });
  expect(dvla.requests).toHaveLength(1);
  clock = new Date(clock.getTime() + 2 * HOUR);
  dvla.vehicles.AB12CDE = dvlaVehicle({ taxStatus: 'Untaxed' });
  expect(await find('AB12CDE', 'gb')).toMatchObject({ tax_status: 'Untaxed', fetched_at: clock.toISOString() });
  expect(dvla.requests).toHaveLength(2);
  dvla.vehicles.AB12CDE = dvlaVehicle();
});

test('negative caching: "no such vehicle" is remembered for the shorter TTL', async () => {
  const find = lookup();
  expect(await find('NEW1REG', 'gb')).toBeNull();
  clock = new Date(clock.getTime() + 50 * 60_000);
  expect(await find('NEW1REG', 'gb')).toBeNull();
  expect(dvla.requests).toHaveLength(1);
  const row = await t.db.prisma.vehicleCacheEntry.findFirstOrThrow({ where: { plate: 'NEW1REG' } });
  expect(row).toMatchObject({ found: false, data: null });
  expect(row.expiresAt.getTime() - row.fetchedAt.getTime()).toBe(HOUR);
  clock = new Date(clock.getTime() + 20 * 60_000);
  await find('NEW1REG', 'gb');
  expect(dvla.requests).toHaveLength(2);
});

test('registry precedence: the operator\'s record wins and DVLA is not asked', async () => {
  await importRegistryCsv(t.db.prisma, 'plate,region,make,model,colour,year,fuel_type,notes\nAB12CDE,gb,Ford,Focus ST,Orange,2020,petrol,pool car\n');
  expect(await lookup()('AB12 CDE', 'gb')).toEqual({
    make: 'Ford', model: 'Focus ST', type: null, colour: 'Orange', year: 2020, fuel_type: 'petrol', notes: 'pool car', source: 'operator', colour_source: 'operator', colour_match: null,
  });
  expect(dvla.requests).toHaveLength(0);
});

test('a registry with a type column gives the type; DVLA\'s is not mixed in', async () => {
  await importRegistryCsv(t.db.prisma, 'plate,region,make,model,colour,year,fuel_type,notes,type\nVN21VAN,gb,Ford,Transit Custom,White,2021,diesel,,van\nAB12CDE,gb,Ford,Focus,,2019,petrol,,\n');
  expect(await lookup()('VN21VAN', 'gb')).toMatchObject({ model: 'Transit Custom', type: 'van', source: 'operator' });
  expect(await lookup()('AB12CDE', 'gb')).toMatchObject({ model: 'Focus', type: null, source: 'operator' });
  expect(dvla.requests).toHaveLength(0);
});

test('the registry serves other regions too; no DVLA for non-UK plates', async () => {
  await importRegistryCsv(t.db.prisma, 'plate,region,make,model,colour,year,fuel_type,notes\nABC1234,us,Chevrolet,Malibu,,2012,gasoline,\n');
  expect(await lookup()('ABC 1234', 'us')).toMatchObject({ make: 'Chevrolet', colour: null, fuel_type: 'petrol', source: 'operator', colour_source: null });
  expect(await lookup()('ZZZ9999', 'us')).toBeNull();
  expect(dvla.requests).toHaveLength(0);
});

test('an outage degrades quickly: to expired cached data when there is some, else to null, never an error', async () => {
  const find = lookup();
  await find('AB12CDE', 'gb');
  clock = new Date(clock.getTime() + 48 * HOUR);
  dvla.setMode('down500');
  expect(await find('AB12CDE', 'gb')).toMatchObject({ make: 'FORD', source: 'dvla', stale: true });
  const started = Date.now();
  expect(await find('UNK1OWN', 'gb')).toBeNull();
  expect(Date.now() - started).toBeLessThan(2000);
});

test('a slow DVLA: the per-attempt timeout bounds the lookup', async () => {
  dvla.setMode('slow', { slowMs: 5000 });
  const started = Date.now();
  expect(await lookup()('AB12CDE', 'gb')).toBeNull();
  expect(Date.now() - started).toBeLessThan(2000);
});

test('without DVLA_API_KEY (no client) UK plates get registry and camera data only', async () => {
  expect(await lookup({ dvla: null })('AB12CDE', 'gb')).toBeNull();
  expect(await lookup({ dvla: null })('AB12CDE', 'gb', { observedColour: { name: 'blue', confidence: 0.7 } })).toMatchObject({ colour: 'Blue', source: 'camera' });
  expect(dvla.requests).toHaveLength(0);
});

test('what the camera saw: colour when nobody knows the car, colour_match when a registry does', async () => {
  const find = lookup();
  expect(await find('UNK1OWN', 'gb', { observedColour: { name: 'silver', confidence: 0.6 } })).toEqual({
    make: null, colour: 'Silver', year: null, fuel_type: null, model: null, type: null, source: 'camera', colour_source: 'camera', colour_confidence: 0.6,
  });
  // too unsure to say anything
  expect(await find('UNK1OWN', 'gb', { observedColour: { name: 'silver', confidence: 0.2 } })).toBeNull();
  // DVLA says white; the camera saw red: a cloned-plate signal
  expect(await find('CL0N3DX', 'gb', { observedColour: { name: 'red', confidence: 0.8 } })).toMatchObject({ colour: 'White', colour_source: 'dvla', colour_match: false });
  // silver is what a white car in shade looks like: no alarm
  expect(await find('CL0N3DX', 'gb', { observedColour: { name: 'silver', confidence: 0.8 } })).toMatchObject({ colour: 'White', colour_match: true });
  // a registry entry without colour takes the camera's
  await importRegistryCsv(t.db.prisma, 'plate,region,make,model,colour,year,fuel_type,notes\nGH78IJK,gb,Kia,Picanto,,2017,petrol,\n');
  expect(await find('GH78IJK', 'gb', { observedColour: { name: 'green', confidence: 0.5 } })).toMatchObject({ make: 'Kia', colour: 'Green', colour_source: 'camera', colour_match: null });
});
