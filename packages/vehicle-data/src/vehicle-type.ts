import { VEHICLE_TYPES, type VehicleType } from '@npr/contracts';

/**
 * The API's vehicle type from DVLA's `typeApproval` (EU category), else its `wheelplan`; null when
 * neither says. L6/L7 are quadricycles: the category holds both car-like microcars (Citroen Ami,
 * Renault Twizy) and quad bikes, so calling them cars or motorcycles would be wrong for half of them.
 */
export function vehicleTypeFromDvla(typeApproval: string | null | undefined, wheelplan: string | null | undefined): VehicleType | null {
  // "M1", "N1G" (off-road), "L3e": the letter and first digit decide
  const category = typeApproval?.trim().toUpperCase().match(/^([MNLTO])(\d)/);
  if (category) {
    const n = Number(category[2]);
    switch (category[1]) {
      case 'M':
        if (n === 1) return 'car';
        if (n === 2 || n === 3) return 'bus';
        break;
      case 'N':
        if (n === 1) return 'van';
        if (n === 2 || n === 3) return 'truck';
        break;
      case 'L':
        if (n >= 1 && n <= 5) return 'motorcycle';
        if (n === 6 || n === 7) return 'quadricycle';
        break;
      case 'T':
        return 'tractor';
      case 'O':
        return 'trailer';
    }
  }
  // a wheelplan such as "2 AXLE RIGID BODY" fits cars, vans and lorries alike; only its
  // motorcycle wording ("2-WHEELED MOTORCYCLE", "2 WHEEL & SIDECAR") names a type
  if (wheelplan && /MOTOR ?CYCLE|SIDECAR|\b2[- ]?WHEEL/i.test(wheelplan)) return 'motorcycle';
  return null;
}

// words operators' own fleet lists use for the API's types
const TYPE_SYNONYMS: Record<string, VehicleType> = {
  lorry: 'truck',
  hgv: 'truck',
  motorbike: 'motorcycle',
  moped: 'motorcycle',
  scooter: 'motorcycle',
  coach: 'bus',
  minibus: 'bus',
  quad: 'quadricycle',
};

/** An operator's type word as one of the API's types ("Lorry" -> "truck"); undefined when it is none of them. */
export function normaliseVehicleType(value: string): VehicleType | undefined {
  const v = value.trim().toLowerCase();
  return (VEHICLE_TYPES as readonly string[]).includes(v) ? (v as VehicleType) : TYPE_SYNONYMS[v];
}
