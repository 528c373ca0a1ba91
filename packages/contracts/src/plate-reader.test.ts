import { AppError } from './errors';
import {
  PlateReaderRequestSchema,
  applyPlateReaderConfig,
  plateReaderStatus,
  recogniserRegions,
  toPlateReaderError,
  toPlateReaderResult,
} from './plate-reader';
import type { PlateResult } from './recognition';

const plate: PlateResult = {
  plate: 'AB12 CDE',
  confidence: 0.91,
  region: 'gb',
  bounding_box: { x: 10, y: 20, width: 100, height: 30 },
  detection_score: 0.8,
  candidates: [
    { plate: 'AB12 CDE', confidence: 0.91 },
    { plate: 'AB12CDE', confidence: 0.05 },
    { plate: 'AB12 CDF', confidence: 0.03 },
  ],
  vehicle: { make: 'FORD', colour: 'White', year: 2019, fuel_type: 'diesel', type: 'truck' },
};

describe('Plate Recognizer mapping', () => {
  test('a plate in their shape: corners, lower-case text, candidates de-duplicated after normalising, registry type in their words', () => {
    expect(toPlateReaderResult(plate)).toEqual({
      box: { xmin: 10, ymin: 20, xmax: 110, ymax: 50 },
      plate: 'ab12cde',
      region: { code: 'gb', score: null },
      score: 0.91,
      dscore: 0.8,
      candidates: [
        { score: 0.91, plate: 'ab12cde' },
        { score: 0.03, plate: 'ab12cdf' },
      ],
      vehicle: { score: null, type: 'Big Truck', box: null },
    });
  });

  test('nothing guessed: a car has no type of theirs, no vehicle data no type, no candidates the plate itself', () => {
    const { candidates: _c, detection_score: _d, ...bare } = plate;
    expect(toPlateReaderResult({ ...plate, vehicle: { ...plate.vehicle!, type: 'car' } }).vehicle.type).toBeNull();
    const result = toPlateReaderResult({ ...bare, vehicle: null });
    expect(result).toMatchObject({ dscore: null, candidates: [{ score: 0.91, plate: 'ab12cde' }], vehicle: { score: null, type: null, box: null } });
  });

  test('config thresholds and strict regions (their state codes count as the country)', () => {
    const results = [toPlateReaderResult(plate), toPlateReaderResult({ ...plate, plate: 'ABC 123', region: 'us', confidence: 0.5, detection_score: 0.3 })];
    const parse = (fields: Record<string, unknown>) => PlateReaderRequestSchema.parse(fields);
    const plates = (fields: Record<string, unknown>) => applyPlateReaderConfig(results, parse(fields)).map((r) => r.plate);
    expect(plates({})).toEqual(['ab12cde', 'abc123']);
    expect(plates({ config: '{"threshold_d": 0.5}' })).toEqual(['ab12cde']);
    expect(plates({ config: '{"threshold_o": "0.6"}' })).toEqual(['ab12cde']);
    expect(plates({ regions: ['us-ca'], config: '{"region": "strict"}' })).toEqual(['abc123']);
    expect(plates({ regions: 'gb,fr', config: '{"region": "strict", "mode": "fast"}' })).toEqual(['ab12cde']);
    expect(recogniserRegions(['us-ca', 'us-ny', 'gb'])).toEqual(['us', 'gb']);
  });

  test('request fields: regions repeatable or comma-separated, timestamp in UTC, bad config and timestamp refused', () => {
    expect(PlateReaderRequestSchema.parse({ regions: ['GB', 'fr,us-ca'], timestamp: '2026-12-02T15:04:05', camera_id: ' gate ' })).toMatchObject({
      regions: ['gb', 'fr', 'us-ca'],
      timestamp: '2026-12-02T15:04:05.000Z',
      camera_id: 'gate',
      config: {},
    });
    expect(PlateReaderRequestSchema.safeParse({ config: '{nope' }).success).toBe(false);
    expect(PlateReaderRequestSchema.safeParse({ config: '{"threshold_o": 2}' }).success).toBe(false);
    expect(PlateReaderRequestSchema.safeParse({ timestamp: '2026-13-45T99:00:00' }).success).toBe(false);
    expect(PlateReaderRequestSchema.safeParse({ regions: 'united kingdom' }).success).toBe(false);
  });

  test('their error statuses and bodies', () => {
    expect(plateReaderStatus('INVALID_API_KEY')).toBe(403);
    expect(toPlateReaderError(new AppError('INVALID_API_KEY', 'Bad key.'))).toEqual({ detail: 'Bad key.', status_code: 403, code: 'INVALID_API_KEY' });
    expect(toPlateReaderError(new AppError('RATE_LIMIT_EXCEEDED', 'Slow down.'))).toEqual({ detail: 'Slow down.', status_code: 429, code: 'RATE_LIMIT_EXCEEDED' });
    expect(toPlateReaderError(new AppError('IMAGE_TOO_LARGE', 'Too big.'))).toEqual({ error: 'Too big.', status_code: 413, code: 'IMAGE_TOO_LARGE' });
    expect(toPlateReaderError(new AppError('INVALID_IMAGE', 'Not an image.'))).toEqual({ error: 'Not an image.', status_code: 400, code: 'INVALID_IMAGE' });
    expect(toPlateReaderError(new AppError('SERVICE_UNAVAILABLE', 'Loading.'))).toEqual({ detail: 'Loading.', status_code: 503, code: 'SERVICE_UNAVAILABLE' });
  });
});
