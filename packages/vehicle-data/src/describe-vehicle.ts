import type { ObservedColour, Vehicle } from '@npr/contracts';
import type { RegisteredVehicle } from '@npr/db';
import { coloursCompatible, paletteColourOf } from './colour/palette';
import type { DvlaVehicle } from './dvla/dvla-client';
import { displayColour, normaliseFuelType } from './normalise';
import { normaliseVehicleType, vehicleTypeFromDvla } from './vehicle-type';

/** Below this confidence the camera's colour is neither reported as the car's colour nor compared. */
export const DEFAULT_MIN_COLOUR_CONFIDENCE = 0.35;

const orNull = <T>(v: T | undefined | null): T | null => (v === undefined || v === null || v === '' ? null : v);

/** The API's vehicle object from a DVLA answer. DVLA gives no model; it stays null. */
export function vehicleFromDvla(d: DvlaVehicle, fetchedAt: Date): Vehicle {
  return {
    make: orNull(d.make?.trim()),
    colour: displayColour(d.colour),
    year: Number.isInteger(d.yearOfManufacture) ? d.yearOfManufacture! : null,
    fuel_type: normaliseFuelType(d.fuelType),
    model: null,
    type: vehicleTypeFromDvla(d.typeApproval, d.wheelplan),
    tax_status: orNull(d.taxStatus),
    tax_due_date: orNull(d.taxDueDate),
    mot_status: orNull(d.motStatus),
    mot_expiry_date: orNull(d.motExpiryDate),
    co2_emissions: orNull(d.co2Emissions),
    engine_capacity: orNull(d.engineCapacity),
    month_of_first_registration: orNull(d.monthOfFirstRegistration),
    marked_for_export: orNull(d.markedForExport),
    type_approval: orNull(d.typeApproval?.trim()),
    wheelplan: orNull(d.wheelplan?.trim()),
    source: 'dvla',
    colour_source: d.colour ? 'dvla' : null,
    fetched_at: fetchedAt.toISOString(),
  };
}

/** The API's vehicle object from the operator's registry. */
export function vehicleFromRegistry(r: Pick<RegisteredVehicle, 'make' | 'model' | 'colour' | 'year' | 'fuelType' | 'type' | 'notes'>): Vehicle {
  return {
    make: r.make,
    colour: displayColour(r.colour),
    year: r.year,
    fuel_type: normaliseFuelType(r.fuelType),
    model: r.model,
    // validated on import; a value written to the table by other means is not passed on
    type: (r.type && normaliseVehicleType(r.type)) || null,
    notes: r.notes,
    source: 'operator',
    colour_source: r.colour ? 'operator' : null,
  };
}

/**
 * Adds what the camera saw: when the registry has no colour, the observed one (if confident enough)
 * with `colour_source: "camera"`; when both exist, `colour_match` (false = they disagree, a possible
 * cloned plate). With no registry answer at all, a camera-only vehicle carries just the colour.
 */
export function withObservedColour(vehicle: Vehicle | null, observed: ObservedColour | undefined, minConfidence = DEFAULT_MIN_COLOUR_CONFIDENCE): Vehicle | null {
  const usable = observed && observed.confidence >= minConfidence ? observed : undefined;
  if (!vehicle) {
    if (!usable) return null;
    return {
      make: null,
      colour: displayColour(usable.name),
      year: null,
      fuel_type: null,
      model: null,
      // no model in this repository estimates a body type from pixels; saying nothing beats guessing
      type: null,
      source: 'camera',
      colour_source: 'camera',
      colour_confidence: usable.confidence,
    };
  }
  if (!usable) return { ...vehicle, colour_match: null };
  if (!vehicle.colour) {
    return { ...vehicle, colour: displayColour(usable.name), colour_source: 'camera', colour_confidence: usable.confidence, colour_match: null };
  }
  const registered = paletteColourOf(vehicle.colour);
  return { ...vehicle, colour_match: registered ? coloursCompatible(registered, usable.name) : null };
}
