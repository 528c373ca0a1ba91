// TEST DOUBLE (tests only): stands in for @npr/recognition until the real models are in models/.
// It answers by the image's top-left colour so each test controls the outcome with a generated image.
import type { PlateReading } from '@npr/contracts';
import { topLeftColour } from '@npr/test-support';

export const COLOURS = {
  plate: { r: 220, g: 20, b: 20 }, // red: one plate, AB12 CDE
  noPlates: { r: 20, g: 20, b: 220 }, // blue: no plates
  crash: { r: 20, g: 220, b: 20 }, // green: the recogniser throws (transient failure, retried, then 500)
  slow: { r: 230, g: 230, b: 20 }, // yellow: one plate after SLOW_MS
};
export const SLOW_MS = 6000; // well past the 1 s bound of jobs.test.ts, even on a busy machine

const near = (a: { r: number; g: number; b: number }, b: { r: number; g: number; b: number }) =>
  Math.abs(a.r - b.r) + Math.abs(a.g - b.g) + Math.abs(a.b - b.b) < 60;

export const PLATE: PlateReading = {
  plate: 'AB12 CDE',
  confidence: 0.97,
  region: 'gb',
  bounding_box: { x: 120, y: 340, width: 200, height: 60 },
};

export function createFakeRecogniser() {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async recognise(bytes: Buffer): Promise<PlateReading[]> {
      calls++;
      const c = await topLeftColour(bytes);
      if (near(c, COLOURS.noPlates)) return [];
      if (near(c, COLOURS.crash)) throw new Error('simulated recogniser crash');
      if (near(c, COLOURS.slow)) await new Promise((r) => setTimeout(r, SLOW_MS));
      return [PLATE];
    },
    async close() {},
  };
}
