import type { ObservedColour, Vehicle } from '@npr/contracts';
import type { PrismaClient } from '@npr/db';
import type { Logger } from '@npr/runtime';
import {
  DEFAULT_MIN_COLOUR_CONFIDENCE,
  DvlaUnavailableError,
  findRegisteredVehicle,
  normaliseRegion,
  vehicleFromDvla,
  vehicleFromRegistry,
  withObservedColour,
  type DvlaClient,
  type DvlaVehicle,
  type CachedAnswer,
  type VehicleCache,
} from '@npr/vehicle-data';

/**
 * Finds what is known about the vehicle carrying `plate` (as read, region code such as "gb").
 * `observedColour` is what the camera saw around the plate. null means nothing is known.
 */
export type LookupVehicle = (plate: string, region: string, context?: { observedColour?: ObservedColour }) => Promise<Vehicle | null>;

export type VehicleLookupDeps = {
  prisma: PrismaClient;
  cache: VehicleCache;
  /** null when DVLA_API_KEY is unset: UK plates then get registry and camera data only */
  dvla: DvlaClient | null;
  logger: Logger;
  minColourConfidence?: number;
};

const DVLA = 'dvla';

/**
 * The sources in order: the operator's registry (their data wins), then for UK plates the DVLA
 * through the cache (fresh answers, misses included, are not fetched again; when the DVLA cannot
 * answer, an expired answer is better than none), then what the camera saw.
 */
export function createVehicleLookup(deps: VehicleLookupDeps): LookupVehicle {
  const { logger } = deps;

  async function fromDvla(plate: string, cachedAnswer: Promise<CachedAnswer<DvlaVehicle> | null>): Promise<Vehicle | null> {
    const cached = await cachedAnswer;
    if (cached && !cached.stale) return cached.found && cached.data ? vehicleFromDvla(cached.data, cached.fetchedAt) : null;
    if (!deps.dvla) return null;
    try {
      const answer = await deps.dvla.lookup(plate);
      const stored = await deps.cache.put(DVLA, 'gb', plate, answer.found ? answer.vehicle : null);
      return answer.found ? vehicleFromDvla(answer.vehicle, stored.fetchedAt) : null;
    } catch (err) {
      if (!(err instanceof DvlaUnavailableError)) throw err;
      logger.warn({ err: err.message, circuit: deps.dvla.circuit, cachedAnswer: Boolean(cached) }, 'DVLA unavailable; answering from what is cached');
      if (cached?.found && cached.data) return { ...vehicleFromDvla(cached.data, cached.fetchedAt), stale: true };
      return null;
    }
  }

  return async (plate, region, context = {}) => {
    const r = normaliseRegion(region);
    let vehicle: Vehicle | null = null;
    // a UK plate's cached DVLA answer is read alongside the registry (two queries at once, not one after
    // the other: the lookup is on every answer's critical path); it is used only when the registry has none
    const cachedDvla = r === 'gb' ? deps.cache.get<DvlaVehicle>(DVLA, 'gb', plate) : null;
    cachedDvla?.catch(() => {});
    const registered = await findRegisteredVehicle(deps.prisma, r, plate);
    if (registered) vehicle = vehicleFromRegistry(registered);
    else if (cachedDvla) vehicle = await fromDvla(plate, cachedDvla);
    return withObservedColour(vehicle, context.observedColour, deps.minColourConfidence ?? DEFAULT_MIN_COLOUR_CONFIDENCE);
  };
}
