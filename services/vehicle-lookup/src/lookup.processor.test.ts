import { createLogger } from '@npr/runtime';
import { createLookupProcessor } from './lookup.processor';

const logger = createLogger({ name: 'test', level: 'silent' });
const plate = { plate: 'AB12 CDE', confidence: 0.97, region: 'gb', bounding_box: { x: 1, y: 2, width: 3, height: 4 } };
const data = { requestId: 'r1', accountId: 'a1', imageKey: 'k' };

describe('lookup processor', () => {
  test('attaches vehicle data to each plate', async () => {
    const vehicle = { make: 'BMW', colour: 'Black', year: 2021, fuel_type: 'petrol' };
    const handle = createLookupProcessor({ lookupVehicle: async (p, region) => (p === 'AB12 CDE' && region === 'gb' ? vehicle : null), logger });
    const other = { ...plate, plate: 'XY99 ZZZ' };
    expect(await handle(data, { plates: [plate, other], processing_time_ms: 12 })).toEqual({
      success: true,
      results: [{ ...plate, vehicle }, { ...other, vehicle: null }],
      processing_time_ms: 12,
    });
  });

  test('no plates is NO_PLATES_FOUND', async () => {
    const handle = createLookupProcessor({ lookupVehicle: async () => null, logger });
    expect(await handle(data, { plates: [], processing_time_ms: 5 })).toMatchObject({ success: false, error: { code: 'NO_PLATES_FOUND' } });
  });

  test('a failing vehicle source degrades to vehicle: null and never fails recognition', async () => {
    const handle = createLookupProcessor({ lookupVehicle: async () => Promise.reject(new Error('DVLA down')), logger });
    expect(await handle(data, { plates: [plate], processing_time_ms: 5 })).toEqual({ success: true, results: [{ ...plate, vehicle: null }], processing_time_ms: 5 });
  });
});
