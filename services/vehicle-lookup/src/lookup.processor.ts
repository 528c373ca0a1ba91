import { errorBody, type ImageOutcome, type PlateResult } from '@npr/contracts';
import type { LookupHandler } from '@npr/queue';
import { observeStages, type Logger } from '@npr/runtime';
import { withObservedColour } from '@npr/vehicle-data';
import type { LookupVehicle } from './lookup-vehicle';

/**
 * Builds the lookup job handler: turns the recognition result into the client's per-image answer,
 * attaching `vehicle` to each plate. A failing vehicle source degrades that plate to
 * `vehicle: null`; it never fails the recognition.
 */
export function createLookupProcessor(deps: { lookupVehicle: LookupVehicle; logger: Logger; minColourConfidence?: number }): LookupHandler {
  return async (data, recognition): Promise<ImageOutcome> => {
    if (recognition.plates.length === 0) {
      return errorBody('NO_PLATES_FOUND', 'No number plates were detected in the image.');
    }
    const results: PlateResult[] = await Promise.all(
      recognition.plates.map(async (plate) => {
        let vehicle = null;
        const started = performance.now();
        try {
          vehicle = await deps.lookupVehicle(plate.plate, plate.region, { observedColour: plate.observed_colour });
        } catch (err) {
          deps.logger.warn({ err, requestId: data.requestId }, 'vehicle lookup failed; answering without vehicle data');
          // the camera's colour needs no database or network: still worth giving
          vehicle = withObservedColour(null, plate.observed_colour, deps.minColourConfidence);
        } finally {
          observeStages({ lookup: performance.now() - started });
        }
        return { ...plate, vehicle };
      }),
    );
    deps.logger.info({ requestId: data.requestId, plates: results.length, vehicles: results.filter((r) => r.vehicle).length }, 'looked up');
    return { success: true, results, processing_time_ms: recognition.processing_time_ms };
  };
}
