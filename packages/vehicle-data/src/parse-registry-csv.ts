import { VEHICLE_TYPES, type VehicleType } from '@npr/contracts';
import { normaliseFuelType, normalisePlate, normaliseRegion } from './normalise';
import { normaliseVehicleType } from './vehicle-type';

/** The documented header of `npr vehicles import` files, in this order. */
export const REGISTRY_CSV_COLUMNS = ['plate', 'region', 'make', 'model', 'colour', 'year', 'fuel_type', 'notes', 'type'] as const;
// files written before `type` existed stay valid
const OPTIONAL_COLUMNS: readonly string[] = ['notes', 'type'];

export type RegistryRow = {
  plate: string;
  region: string;
  make: string | null;
  model: string | null;
  colour: string | null;
  year: number | null;
  fuelType: string | null;
  type: VehicleType | null;
  notes: string | null;
};

export type RowError = { line: number; message: string };

/**
 * Splits CSV text (RFC 4180: quoted fields may hold commas, quotes as "" and line breaks) into
 * records, each with the line number it starts on.
 */
export function* csvRecords(text: string): Generator<{ line: number; fields: string[] }> {
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 BOM from spreadsheet exports
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    for (;;) {
      if (i >= text.length) {
        fields.push(field);
        break;
      }
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
        else if (ch === '"') (quoted = false), i++;
        else {
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
      } else if (ch === '"' && field === '') (quoted = true), i++;
      else if (ch === ',') fields.push(field), (field = ''), i++;
      else if (ch === '\r' || ch === '\n') {
        fields.push(field);
        i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        break;
      } else (field += ch), i++;
    }
    // blank lines carry no record
    if (!(fields.length === 1 && fields[0]!.trim() === '')) yield { line: start, fields };
  }
}

const currentYear = () => new Date().getUTCFullYear();

/**
 * Parses and validates a registry CSV. Every problem is reported with its line number; rows are
 * returned only when there is none (an import is all or nothing).
 */
export function parseRegistryCsv(text: string): { rows: RegistryRow[]; errors: RowError[] } {
  const rows: RegistryRow[] = [];
  const errors: RowError[] = [];
  const records = csvRecords(text);
  const first = records.next();
  if (first.done) return { rows, errors: [{ line: 1, message: `the file is empty; the first line must be the header ${REGISTRY_CSV_COLUMNS.join(',')}` }] };
  const header = first.value.fields.map((h) => h.trim().toLowerCase());
  const missing = REGISTRY_CSV_COLUMNS.filter((c) => !OPTIONAL_COLUMNS.includes(c) && !header.includes(c));
  const unknown = header.filter((h) => !(REGISTRY_CSV_COLUMNS as readonly string[]).includes(h));
  if (missing.length || unknown.length) {
    const parts = [missing.length ? `missing column(s) ${missing.join(', ')}` : '', unknown.length ? `unknown column(s) ${unknown.join(', ')}` : ''].filter(Boolean);
    return { rows, errors: [{ line: first.value.line, message: `bad header: ${parts.join('; ')} (expected ${REGISTRY_CSV_COLUMNS.join(',')})` }] };
  }
  const col = (fields: string[], name: string) => {
    const k = header.indexOf(name);
    const v = k >= 0 ? fields[k]?.trim() : undefined;
    return v ? v : null;
  };
  const seen = new Map<string, number>();
  for (const { line, fields } of records) {
    const problems: string[] = [];
    if (fields.length !== header.length) problems.push(`expected ${header.length} fields, found ${fields.length}`);
    const rawPlate = col(fields, 'plate');
    const plate = rawPlate ? normalisePlate(rawPlate) : '';
    if (!plate) problems.push('plate is empty');
    else if (plate.length > 12) problems.push(`plate "${rawPlate}" is longer than 12 characters`);
    const rawRegion = col(fields, 'region');
    const region = rawRegion ? normaliseRegion(rawRegion) : '';
    if (!/^[a-z]{2}$/.test(region)) problems.push(`region must be a two-letter code such as gb (got "${rawRegion ?? ''}")`);
    const rawYear = col(fields, 'year');
    let year: number | null = null;
    if (rawYear !== null) {
      year = Number(rawYear);
      if (!/^\d{4}$/.test(rawYear) || year < 1885 || year > currentYear() + 1) problems.push(`year "${rawYear}" is not a year between 1885 and ${currentYear() + 1}`);
    }
    const rawType = col(fields, 'type');
    const type = rawType === null ? null : normaliseVehicleType(rawType);
    if (type === undefined) problems.push(`type "${rawType}" is not one of ${VEHICLE_TYPES.join(', ')}`);
    if (plate && region && problems.length === 0) {
      const key = `${region}:${plate}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) problems.push(`${region} ${plate} is already on line ${earlier}`);
      else seen.set(key, line);
    }
    if (problems.length) {
      errors.push({ line, message: problems.join('; ') });
      continue;
    }
    rows.push({
      plate,
      region,
      make: col(fields, 'make'),
      model: col(fields, 'model'),
      colour: col(fields, 'colour'),
      year,
      fuelType: normaliseFuelType(col(fields, 'fuel_type')),
      type: type ?? null,
      notes: col(fields, 'notes'),
    });
  }
  return { rows, errors };
}
