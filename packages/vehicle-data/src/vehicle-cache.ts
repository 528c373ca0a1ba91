import type { PrismaClient } from '@npr/db';
import { normalisePlate, normaliseRegion } from './normalise';

export type CachedAnswer<T> = {
  /** false: the source said it has no such vehicle (a cached miss) */
  found: boolean;
  data: T | null;
  fetchedAt: Date;
  expiresAt: Date;
  /** past expiresAt: only good as a fallback while the source is unreachable */
  stale: boolean;
};

export type VehicleCacheOptions = {
  prisma: PrismaClient;
  /** how long a found vehicle is kept, ms */
  ttlMs: number;
  /** how long "no such vehicle" is kept, ms (shorter: a new registration should show up soon) */
  negativeTtlMs: number;
  now?: () => Date;
};

/**
 * The PostgreSQL cache of external answers, keyed by source, region and normalised plate. Expired
 * entries are kept (and overwritten on the next fetch) so an outage can still answer from them.
 */
export function createVehicleCache(options: VehicleCacheOptions) {
  const now = options.now ?? (() => new Date());
  const key = (source: string, region: string, plate: string) => ({ source, region: normaliseRegion(region), plate: normalisePlate(plate) });

  return {
    /** The cached answer, fresh or stale; null when never fetched. */
    async get<T>(source: string, region: string, plate: string): Promise<CachedAnswer<T> | null> {
      const row = await options.prisma.vehicleCacheEntry.findUnique({ where: { source_region_plate: key(source, region, plate) } });
      if (!row) return null;
      return { found: row.found, data: (row.data as T | null) ?? null, fetchedAt: row.fetchedAt, expiresAt: row.expiresAt, stale: row.expiresAt <= now() };
    },

    /** Stores an answer: `data` when found, null for "no such vehicle". */
    async put(source: string, region: string, plate: string, data: unknown): Promise<CachedAnswer<unknown>> {
      const fetchedAt = now();
      const found = data !== null && data !== undefined;
      const expiresAt = new Date(fetchedAt.getTime() + (found ? options.ttlMs : options.negativeTtlMs));
      const k = key(source, region, plate);
      // raw SQL: a Json? column set to SQL NULL needs Prisma.DbNull, a runtime import of the whole client
      await options.prisma.$executeRaw`
        INSERT INTO "vehicle_cache" ("source", "region", "plate", "found", "data", "fetched_at", "expires_at")
        VALUES (${k.source}, ${k.region}, ${k.plate}, ${found}, ${found ? JSON.stringify(data) : null}::jsonb, ${fetchedAt}, ${expiresAt})
        ON CONFLICT ("source", "region", "plate") DO UPDATE SET
          "found" = EXCLUDED."found", "data" = EXCLUDED."data", "fetched_at" = EXCLUDED."fetched_at", "expires_at" = EXCLUDED."expires_at"`;
      return { found, data, fetchedAt, expiresAt, stale: false };
    },

    /** Deletes entries that expired more than `olderThanMs` ago; returns how many. */
    async prune(olderThanMs: number): Promise<number> {
      const { count } = await options.prisma.vehicleCacheEntry.deleteMany({ where: { expiresAt: { lt: new Date(now().getTime() - olderThanMs) } } });
      return count;
    },
  };
}

export type VehicleCache = ReturnType<typeof createVehicleCache>;
