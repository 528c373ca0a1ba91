import { estimateVehicleColour } from './colour/estimate-vehicle-colour';
import { addObservedColours } from './colour/observe-colours';
import { coloursCompatible, nameColour, paletteColourOf } from './colour/palette';
import { labToLch, rgbToLab } from './colour/lab';
import { withObservedColour } from './describe-vehicle';
import { parseRetryAfter } from './dvla/dvla-client';
import { displayColour, normaliseFuelType, normalisePlate } from './normalise';
import { csvRecords } from './parse-registry-csv';
import { normaliseVehicleType, vehicleTypeFromDvla } from './vehicle-type';

const named = (r: number, g: number, b: number) => nameColour(labToLch(rgbToLab(r, g, b)));

test('palette names of typical paints', () => {
  expect(named(15, 15, 17)).toBe('black');
  expect(named(245, 245, 245)).toBe('white');
  expect(named(165, 168, 172)).toBe('silver');
  expect(named(90, 92, 95)).toBe('grey');
  expect(named(180, 20, 25)).toBe('red');
  expect(named(20, 50, 140)).toBe('blue');
  expect(named(20, 110, 40)).toBe('green');
  expect(named(240, 200, 20)).toBe('yellow');
  expect(named(240, 120, 20)).toBe('orange');
  expect(named(100, 65, 40)).toBe('brown');
  expect(named(215, 200, 165)).toBe('beige');
});

test('registry colour words map onto the palette; neighbours are not a mismatch', () => {
  expect(paletteColourOf('DARK BLUE')).toBe('blue');
  expect(paletteColourOf('Maroon')).toBe('red');
  expect(paletteColourOf('MULTI-COLOUR')).toBeNull();
  expect(coloursCompatible('white', 'silver')).toBe(true);
  expect(coloursCompatible('white', 'red')).toBe(false);
});

test('plates, fuel types and colours are normalised', () => {
  expect(normalisePlate(' ab12-cde ')).toBe('AB12CDE');
  expect(normaliseFuelType('HYBRID ELECTRIC')).toBe('hybrid');
  expect(normaliseFuelType('ELECTRICITY')).toBe('electric');
  expect(normaliseFuelType('GAS BI-FUEL')).toBe('gas');
  expect(normaliseFuelType('STEAM')).toBe('steam');
  expect(normaliseFuelType('')).toBeNull();
  expect(displayColour('DARK BLUE')).toBe('Dark Blue');
});

test('CSV records keep their starting line numbers across quoted line breaks', () => {
  expect([...csvRecords('\uFEFFa,b\r\n"x\ny",2\n\n3,"q""q"\n')]).toEqual([
    { line: 1, fields: ['a', 'b'] },
    { line: 2, fields: ['x\ny', '2'] },
    { line: 5, fields: ['3', 'q"q'] },
  ]);
});

function scene(body: [number, number, number]) {
  // a 400x300 photo: dark road below, a car body in the middle, a white plate on it
  const width = 400, height = 300, data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const c = y > 220 ? [40, 40, 40] : x > 150 && x < 250 && y > 150 && y < 172 ? [240, 240, 235] : body;
      data.set(c, (y * width + x) * 3);
    }
  return { data, width, height, channels: 3 };
}

test('the colour estimate reads the body around the plate, not the plate', () => {
  const box = { x: 150, y: 150, width: 100, height: 22 };
  expect(estimateVehicleColour(scene([170, 20, 25]), box)).toEqual({ name: 'red', confidence: expect.any(Number) });
  expect(estimateVehicleColour(scene([170, 20, 25]), box)!.confidence).toBeGreaterThan(0.8);
  expect(estimateVehicleColour(scene([20, 40, 130]), box)!.name).toBe('blue');
  // a plate filling the frame leaves no car to look at
  expect(estimateVehicleColour(scene([170, 20, 25]), { x: 0, y: 0, width: 400, height: 300 })).toBeNull();
});

test('observed colours come from pixels already decoded, scaled to the boxes, without decoding bytes', async () => {
  const plate = { plate: 'AB12CDE', confidence: 0.9, region: 'gb', bounding_box: { x: 300, y: 300, width: 200, height: 44 } };
  // boxes in a photo twice the size of the pixels (a photo decoded capped); no bytes to decode at all
  const [seen] = await addObservedColours({ image: scene([20, 40, 130]), scale: 0.5 }, [plate]);
  expect(seen).toEqual({ ...plate, observed_colour: { name: 'blue', confidence: expect.any(Number) } });
});

test('camera colour is used only when confident enough', () => {
  expect(withObservedColour(null, { name: 'red', confidence: 0.2 })).toBeNull();
  expect(withObservedColour(null, { name: 'red', confidence: 0.5 })).toMatchObject({ colour: 'Red', source: 'camera' });
});

test('vehicle type from the DVLA type-approval category first, the wheelplan only for motorcycles', () => {
  const byCategory = Object.fromEntries(['M1', 'N1', 'N2', 'N3', 'M2', 'M3', 'L1e', 'L3', 'L5', 'L6', 'L7e', 'T1', 'O2', 'N1G', ' m1 '].map((c) => [c, vehicleTypeFromDvla(c, undefined)]));
  expect(byCategory).toEqual({
    M1: 'car', N1: 'van', N2: 'truck', N3: 'truck', M2: 'bus', M3: 'bus', L1e: 'motorcycle', L3: 'motorcycle', L5: 'motorcycle',
    L6: 'quadricycle', L7e: 'quadricycle', T1: 'tractor', O2: 'trailer', N1G: 'van', ' m1 ': 'car',
  });
  expect(vehicleTypeFromDvla(undefined, '2-WHEELED MOTORCYCLE')).toBe('motorcycle');
  expect(vehicleTypeFromDvla('', '2 WHEEL & SIDECAR')).toBe('motorcycle');
  expect(vehicleTypeFromDvla('N1', '2-WHEELED MOTORCYCLE')).toBe('van');
  // says nothing about the body: not guessed
  expect(vehicleTypeFromDvla(undefined, '2 AXLE RIGID BODY')).toBeNull();
  expect(vehicleTypeFromDvla('X9', '3 WHEELS')).toBeNull();
  expect(vehicleTypeFromDvla(undefined, undefined)).toBeNull();
});

test('operator type words: the API types in any case and a few fleet-list synonyms, nothing else', () => {
  expect(normaliseVehicleType(' Van ')).toBe('van');
  expect(normaliseVehicleType('LORRY')).toBe('truck');
  expect(normaliseVehicleType('motorbike')).toBe('motorcycle');
  expect(normaliseVehicleType('spaceship')).toBeUndefined();
});

test('Retry-After: delay-seconds or an HTTP date, as ms from now', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  expect(parseRetryAfter('1', now)).toBe(1000);
  expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
  expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
  expect(parseRetryAfter('soon', now)).toBeUndefined();
  expect(parseRetryAfter(null, now)).toBeUndefined();
});
