import type { PrismaClient, RegisteredVehicle } from '@npr/db';
import { normalisePlate, normaliseRegion } from './normalise';
import { parseRegistryCsv, type RegistryRow, type RowError } from './parse-registry-csv';

/** The operator's own record of a vehicle, or null. */
export function findRegisteredVehicle(prisma: PrismaClient, region: string, plate: string): Promise<RegisteredVehicle | null> {
  return prisma.registeredVehicle.findUnique({ where: { region_plate: { region: normaliseRegion(region), plate: normalisePlate(plate) } } });
}

export type ImportProgress = { done: number; total: number };
export type ImportResult = { imported: number; errors: RowError[]; replaced: number };

const BATCH = 500;

/**
 * Imports a registry CSV: validates every row first (problems come back by line number and nothing
 * is written), then upserts all rows in one transaction, so a failure half-way leaves the registry
 * as it was. `replace` empties the registry in the same transaction first.
 */
export async function importRegistryCsv(
  prisma: PrismaClient,
  text: string,
  options: { replace?: boolean; onProgress?: (p: ImportProgress) => void } = {},
): Promise<ImportResult> {
  const { rows, errors } = parseRegistryCsv(text);
  if (errors.length) return { imported: 0, errors, replaced: 0 };
  const replaced = await writeRows(prisma, rows, options);
  return { imported: rows.length, errors: [], replaced };
}

async function writeRows(prisma: PrismaClient, rows: RegistryRow[], options: { replace?: boolean; onProgress?: (p: ImportProgress) => void }): Promise<number> {
  return prisma.$transaction(
    async (tx) => {
      const replaced = options.replace ? await tx.$executeRaw`DELETE FROM "registered_vehicles"` : 0;
      options.onProgress?.({ done: 0, total: rows.length });
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH);
        // one statement per batch: row-by-row upserts take minutes for a national fleet list
        await tx.$executeRaw`
          INSERT INTO "registered_vehicles" ("id", "region", "plate", "make", "model", "colour", "year", "fuel_type", "type", "notes", "imported_at", "updated_at")
          SELECT gen_random_uuid(), r.region, r.plate, r.make, r.model, r.colour, r.year, r.fuel_type, r.type, r.notes, now(), now()
          FROM unnest(
            ${batch.map((r) => r.region)}::text[], ${batch.map((r) => r.plate)}::text[], ${batch.map((r) => r.make)}::text[],
            ${batch.map((r) => r.model)}::text[], ${batch.map((r) => r.colour)}::text[], ${batch.map((r) => r.year)}::int[],
            ${batch.map((r) => r.fuelType)}::text[], ${batch.map((r) => r.type)}::text[], ${batch.map((r) => r.notes)}::text[]
          ) AS r(region, plate, make, model, colour, year, fuel_type, type, notes)
          ON CONFLICT ("region", "plate") DO UPDATE SET
            "make" = EXCLUDED."make", "model" = EXCLUDED."model", "colour" = EXCLUDED."colour", "year" = EXCLUDED."year",
            "fuel_type" = EXCLUDED."fuel_type", "type" = EXCLUDED."type", "notes" = EXCLUDED."notes", "imported_at" = now(), "updated_at" = now()`;
        options.onProgress?.({ done: Math.min(i + BATCH, rows.length), total: rows.length });
      }
      return replaced;
    },
    // a large file is one transaction; Prisma's 5 s default would cut it short
    { timeout: 10 * 60_000, maxWait: 30_000 },
  );
}
