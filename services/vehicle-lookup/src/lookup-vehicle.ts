import type { Vehicle } from '@npr/contracts';

/**
 * Finds what is known about the vehicle carrying `plate` (as read, region code such as "gb").
 * null means nothing is known. Issue 4 replaces the default with cache -> registry -> DVLA.
 */
export type LookupVehicle = (plate: string, region: string) => Promise<Vehicle | null>;

/** The default until a real source exists: nothing is known, and nothing is invented. */
export const noVehicleData: LookupVehicle = async () => null;
