/** The lookup key of a plate: upper case letters and digits only ("ab12 cde" -> "AB12CDE"). */
export function normalisePlate(plate: string): string {
  return plate.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** Region codes are lower-case two-letter codes, as the recogniser reports them ("gb", "us"). */
export function normaliseRegion(region: string): string {
  return region.trim().toLowerCase();
}

/**
 * Fuel types in the API's lower-case words. DVLA's words (PETROL, ELECTRICITY, HYBRID ELECTRIC,
 * GAS BI-FUEL, ...) and operators' own map onto petrol, diesel, electric, hybrid, gas; anything
 * else is kept, lower-cased, rather than guessed.
 */
export function normaliseFuelType(value: string | null | undefined): string | null {
  const v = value?.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
  if (!v) return null;
  if (v.includes('hybrid') || v === 'electric diesel' || v === 'electric petrol' || v === 'phev' || v === 'hev') return 'hybrid';
  if (v === 'electricity' || v === 'electric' || v === 'ev' || v === 'bev') return 'electric';
  if (v === 'petrol' || v === 'gasoline') return 'petrol';
  if (v === 'diesel') return 'diesel';
  if (v.startsWith('gas') || v === 'lpg' || v === 'cng') return 'gas';
  return v;
}

/** "BLACK" / "dark blue" -> "Black" / "Dark Blue", as the API documents colours. */
export function displayColour(value: string | null | undefined): string | null {
  const v = value?.trim();
  if (!v) return null;
  return v.toLowerCase().replace(/(^|[\s-])([a-z])/g, (_, sep: string, ch: string) => sep + ch.toUpperCase());
}
