// End to end: real dev photos in through the gateway's HTTP API, the real BullMQ flow on Redis, the
// real inference-worker processor (with its colour step on the photo's pixels) and the real
// vehicle-lookup processor on PostgreSQL with a local DVLA double. Only the plate reader is a
// test double: it answers each photo's hand-labelled plate and box (the trained models are not in
// the repository yet), so what is tested here is everything after the reading.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { createApiKeyForEmail } from '@npr/db';
import { createRecognitionFlow, startLookupWorker, startRecognitionWorker } from '@npr/queue';
import { createLogger } from '@npr/runtime';
import { DEV_PLATES_DIR, HAS_DEV_PHOTOS, createTestDatabase, createTestRedisPrefix, devLabels } from '@npr/test-support';
import type { PlateReading } from '@npr/contracts';
import { createDvlaClient, createVehicleCache, importRegistryCsv } from '@npr/vehicle-data';
import { DVLA_TEST_KEY, dvlaVehicle, startFakeDvla } from '@npr/vehicle-data/test/fake-dvla-server';
import { createApp } from '../../gateway/src/app';
import { createRedisRateLimiter } from '../../gateway/src/rate-limiter';
import { createRecognitionProcessor } from '../../inference-worker/src/recognition.processor';
import { createLookupProcessor } from '../src/lookup.processor';
import { createVehicleLookup } from '../src/lookup-vehicle';

if (!HAS_DEV_PHOTOS) console.warn(`vehicle end-to-end: SKIPPED, the dev photos are not at ${DEV_PLATES_DIR}`);
const describeIf = HAS_DEV_PHOTOS ? describe : describe.skip;

// photos whose car colour is clear (our annotation in packages/vehicle-data/test/fixtures)
const PHOTOS = {
  red: 'gb-openvino_detection-images-frame-003525-vehicles-1', // red, LB22XTY
  yellow: 'gb-anpr-dashcam-anpr-7', // yellow, W113HBT
  blue: 'gb-bv-ml-cv-praktikum-images-cars252', // blue, DAN54P
  white: 'openalpr-br-JOG9221', // white, Brazilian
};

describeIf('a photo in, a response with vehicle data from each source', () => {
  const logger = createLogger({ name: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const byHash = new Map<string, PlateReading>();
  const bytes: Record<string, Buffer> = {};
  let system: Awaited<ReturnType<typeof start>>;

  async function start() {
    const rows = new Map(devLabels().map((r) => [r.id, r]));
    for (const [key, id] of Object.entries(PHOTOS)) {
      const row = rows.get(id)!;
      const image = fs.readFileSync(path.join(DEV_PLATES_DIR, row.file));
      bytes[key] = image;
      const p = row.plates[0];
      byHash.set(createHash('sha256').update(image).digest('hex'), { plate: p.text, confidence: 0.95, region: row.region === 'gb' ? 'gb' : row.country ?? row.region, bounding_box: p.box! });
    }
    const reader = {
      async recognise(image: Buffer) {
        const hit = byHash.get(createHash('sha256').update(image).digest('hex'));
        return hit ? [hit] : [];
      },
      async close() {},
    };
    const database = await createTestDatabase();
    const redis = createTestRedisPrefix();
    const dvla = await startFakeDvla({
      LB22XTY: dvlaVehicle({ make: 'PORSCHE', colour: 'RED', fuelType: 'ELECTRICITY', yearOfManufacture: 2022 }),
      // the DVLA says this plate belongs to a white car; the photo shows a blue one
      DAN54P: dvlaVehicle({ make: 'BMW', colour: 'WHITE', fuelType: 'PETROL', yearOfManufacture: 2008 }),
    });
    const flow = await createRecognitionFlow({ redisUrl: redis.redisUrl, prefix: redis.prefix, imageTtlSeconds: 120, resultTtlSeconds: 600 });
    const settings = { redisUrl: redis.redisUrl, prefix: redis.prefix, concurrency: 2 };
    const recognitionWorker = startRecognitionWorker(settings, createRecognitionProcessor({ recogniser: () => ({ status: 'ready', recogniser: reader }), logger }));
    const dvlaClient = createDvlaClient({ apiKey: DVLA_TEST_KEY, baseUrl: dvla.baseUrl, timeoutMs: 500, maxAttempts: 2, backoffMs: 20, breakerThreshold: 2, breakerOpenMs: 60_000 });
    const lookupVehicle = createVehicleLookup({
      prisma: database.db.prisma,
      cache: createVehicleCache({ prisma: database.db.prisma, ttlMs: 3600_000, negativeTtlMs: 600_000 }),
      dvla: dvlaClient,
      logger,
    });
    const lookupWorker = startLookupWorker(settings, createLookupProcessor({ lookupVehicle, logger }));
    const app = createApp({
      prisma: database.db.prisma,
      flow,
      limiter: createRedisRateLimiter({ redis: flow.redis, keyPrefix: `${redis.prefix}:rl` }),
      logger,
      syncTimeoutMs: 60_000, checkWebhookUrl: async () => {},
    });
    const { key } = await createApiKeyForEmail(database.db.prisma, { email: 'e2e@example.com', name: 'e2e' });
    return {
      database,
      dvla,
      async recognise(image: Buffer) {
        const res = await request(app).post('/api/v1/recognise').set('Authorization', `Bearer ${key}`).attach('upload', image, 'photo.jpg');
        expect(res.status).toBe(200);
        return res.body;
      },
      async close() {
        await Promise.allSettled([recognitionWorker.close(), lookupWorker.close()]);
        await flow.close();
        await dvla.close();
        await redis.cleanup();
        await database.drop();
      },
    };
  }

  beforeAll(async () => {
    system = await start();
  }, 60_000);
  afterAll(() => system?.close());

  test('DVLA: a UK car the DVLA knows, colours agreeing', async () => {
    const body = await system.recognise(bytes.red!);
    expect(body.results[0]).toMatchObject({
      plate: 'LB22XTY',
      observed_colour: { name: 'red', confidence: expect.any(Number) },
      vehicle: { make: 'PORSCHE', colour: 'Red', year: 2022, fuel_type: 'electric', type: 'car', source: 'dvla', colour_source: 'dvla', colour_match: true },
    });
  }, 60_000);

  test('DVLA colour disagreeing with the camera: colour_match false', async () => {
    const body = await system.recognise(bytes.blue!);
    expect(body.results[0]).toMatchObject({
      plate: 'DAN54P',
      observed_colour: { name: 'blue' },
      vehicle: { make: 'BMW', colour: 'White', source: 'dvla', colour_match: false },
    });
  }, 60_000);

  test('operator registry: wins over the DVLA', async () => {
    await importRegistryCsv(system.database.db.prisma, 'plate,region,make,model,colour,year,fuel_type,notes\nW113 HBT,gb,Mercedes-Benz,SLK 230,Yellow,1999,petrol,club car\n');
    const before = system.dvla.requests.length;
    const body = await system.recognise(bytes.yellow!);
    expect(body.results[0]).toMatchObject({
      plate: 'W113HBT',
      observed_colour: { name: 'yellow' },
      vehicle: { make: 'Mercedes-Benz', model: 'SLK 230', colour: 'Yellow', year: 1999, fuel_type: 'petrol', source: 'operator', colour_match: true },
    });
    expect(system.dvla.requests.length).toBe(before);
  }, 60_000);

  test('camera only: no registry knows a Brazilian car, so the colour comes from the image and says so', async () => {
    const body = await system.recognise(bytes.white!);
    expect(body.results[0]).toMatchObject({
      plate: 'JOG9221',
      // no model here estimates a body type, so the camera says nothing about it
      vehicle: { make: null, colour: 'White', year: null, fuel_type: null, type: null, source: 'camera', colour_source: 'camera' },
    });
  }, 60_000);

  test('a DVLA outage never fails recognition: the answer comes quickly, with the camera colour', async () => {
    await system.database.db.prisma.vehicleCacheEntry.deleteMany();
    system.dvla.setMode('down503');
    const started = Date.now();
    const body = await system.recognise(bytes.red!);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(body.results[0]).toMatchObject({ plate: 'LB22XTY', vehicle: { make: null, colour: 'Red', source: 'camera' } });
    system.dvla.setMode('normal');
  }, 60_000);
});
