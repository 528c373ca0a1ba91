// What a client sees of a batch when more than one worker takes recognition jobs: every image's
// answer, in the order the images were sent, whichever worker read it and whenever it finished; and
// the images of one batch are read at the same time by different workers, not one after another.
import type { PlateReading } from '@npr/contracts';
import { solidImage, topLeftColour } from '@npr/test-support';
import { startTestSystem, type TestSystem } from './test-system';

jest.setTimeout(60_000);

/** How long the first image waits for a second one to be taken by the other worker before giving up. */
const PARTNER_WAIT_MS = 15_000;

let sys: TestSystem;
let active = 0;
let mostAtOnce = 0;
let firstTaken = false;
let partnerArrived: () => void = () => {};

/**
 * A recogniser that reads each generated image's red channel as its plate number (so every answer
 * says which image it belongs to). The first image it is given waits until a second image is being
 * read at the same time (or PARTNER_WAIT_MS passes): with two workers taking one job each, that
 * happens at once; with the images queued behind one another it never does, and the test says so.
 */
const recogniser = {
  async recognise(bytes: Buffer): Promise<PlateReading[]> {
    active++;
    mostAtOnce = Math.max(mostAtOnce, active);
    try {
      if (!firstTaken) {
        firstTaken = true;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, PARTNER_WAIT_MS);
          partnerArrived = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      } else {
        partnerArrived();
      }
      const { r } = await topLeftColour(bytes);
      return [{ plate: `IMG ${r}`, confidence: 0.9, region: 'gb', bounding_box: { x: 1, y: 2, width: 100, height: 30 } }];
    } finally {
      active--;
    }
  },
  async close() {},
};

beforeAll(async () => {
  sys = await startTestSystem({ recogniser, recognitionWorkers: { count: 2, concurrency: 1 } });
});
afterAll(() => sys.close());

test('a batch of 4 on two workers (one job each at a time): all answers, in order, read two at a time', async () => {
  const { auth } = await sys.createKey({ limit: { requests: 100, windowSeconds: 60 } });
  const reds = [10, 60, 110, 160];
  let req = sys.http().post('/api/v1/batch').set(auth);
  for (const r of reds) req = req.attach('images[]', await solidImage({ width: 640, height: 480, colour: { r, g: 0, b: 0 }, format: 'png' }), `img-${r}.png`);
  const res = await req;
  expect(res.status).toBe(200);
  expect(res.body.results.map((e: any) => e.success && e.results.map((p: any) => p.plate))).toEqual(reds.map((r) => [`IMG ${r}`]));
  // each worker takes one job at a time, so two images read at once means both workers had one
  expect(mostAtOnce).toBe(2);
});
