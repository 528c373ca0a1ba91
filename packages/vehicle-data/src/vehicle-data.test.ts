import { coloursCompatible, paletteColourOf } from './colour/palette';
import { withObservedColour } from './describe-vehicle';
import { parseRetryAfter } from './dvla/dvla-client';
import { displayColour, normaliseFuelType, normalisePlate } from './normalise';
import { csvRecords } from './parse-registry-csv';
import { normaliseVehicleType, vehicleTypeFromDvla } from './vehicle-type';

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
