// POST /v1/plate-reader/: the request fields and answer of Plate Recognizer's Snapshot API as their public
// documentation describes them, and the one mapping between those and our own answer. Clients written for
// that API (NVR and home-automation plugins, parking systems) work by changing the base URL and the key.
import { z } from 'zod';
import { ERROR_CODES, type AppError, type ErrorCode } from './errors';
import { CaptureSchema, type PlateResult, type VehicleType } from './recognition';

const commaList = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean);

/** A number sent as a form field arrives as text. */
const score = z.coerce.number().min(0).max(1);

/**
 * The engine configuration (`config`, a JSON string). What we apply: `region: "strict"` (only plates of the
 * requested regions), `threshold_d` (least detection score) and `threshold_o` (least reading score). Accepted
 * and ignored: `mode: "fast"` (there is one speed), `detection_rule` and `detection_mode` (there is no
 * separate vehicle detector to relate plates to), and anything else they may add.
 */
export const PlateReaderConfigSchema = z.looseObject({
  region: z.string().optional(),
  threshold_d: score.optional(),
  threshold_o: score.optional(),
  mode: z.string().optional(),
  detection_rule: z.string().optional(),
  detection_mode: z.string().optional(),
});
export type PlateReaderConfig = z.infer<typeof PlateReaderConfigSchema>;

/** The form fields (or JSON body, or query string) of a request, besides the image itself. */
export const PlateReaderRequestSchema = z.object({
  // repeatable (`regions=gb&regions=fr`) or comma-separated; their state codes (`us-ca`) hint the country
  regions: z.unknown().optional().transform(commaList).pipe(z.array(z.string().regex(/^[a-z]{2}(-[a-z0-9]{1,3})?$/, 'a region is a code such as gb, fr or us-ca')).max(20)),
  // ISO 8601 (theirs is UTC when no offset is given), echoed
  ...CaptureSchema.shape,
  // make, model and colour are not read from the pixels here: accepted so that clients sending it are served
  mmc: z.unknown().optional(),
  config: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (!text) return {};
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'config must be a JSON object' });
        return z.NEVER;
      }
    })
    .pipe(PlateReaderConfigSchema),
});
export type PlateReaderRequest = z.infer<typeof PlateReaderRequestSchema>;

/** The two-letter hints our recogniser takes, from their region codes (`us-ca` -> `us`). */
export function recogniserRegions(regions: readonly string[]): string[] {
  return [...new Set(regions.map((r) => r.slice(0, 2)))];
}

const BoxSchema = z.object({ xmin: z.number().int(), ymin: z.number().int(), xmax: z.number().int(), ymax: z.number().int() });

export const PlateReaderResultSchema = z.object({
  box: BoxSchema,
  // lower case, letters and digits only, as theirs
  plate: z.string(),
  // no region score is computed here: null
  region: z.object({ code: z.string(), score: z.number().nullable() }),
  score: z.number().min(0).max(1),
  dscore: z.number().min(0).max(1).nullable(),
  candidates: z.array(z.object({ score: z.number(), plate: z.string() })),
  // there is no vehicle detector: `score` and `box` are null; `type` is what the vehicle registry says, in their words, or null
  vehicle: z.object({ score: z.number().nullable(), type: z.string().nullable(), box: BoxSchema.nullable() }),
});
export type PlateReaderResult = z.infer<typeof PlateReaderResultSchema>;

export const PlateReaderResponseSchema = z.object({
  processing_time: z.number().nonnegative(),
  results: z.array(PlateReaderResultSchema),
  filename: z.string().nullable(),
  version: z.literal(1),
  camera_id: z.string().nullable(),
  timestamp: z.string(),
});
export type PlateReaderResponse = z.infer<typeof PlateReaderResponseSchema>;

/**
 * Their error bodies: `{detail}` for authentication, throttling and server errors (their framework's
 * shape), `{error}` for a refused file; both with `status_code`. `code` is ours, for clients that want it.
 */
export const PlateReaderErrorSchema = z.object({
  detail: z.string().optional(),
  error: z.string().optional(),
  status_code: z.number().int(),
  code: z.string(),
});
export type PlateReaderError = z.infer<typeof PlateReaderErrorSchema>;

/** Their body types for our registry's (DVLA category) types where one means the same; others are not guessed. */
const VEHICLE_TYPE_WORDS: Partial<Record<VehicleType, string>> = { van: 'Van', bus: 'Bus', motorcycle: 'Motorcycle', truck: 'Big Truck' };

const plateText = (plate: string) => plate.toLowerCase().replace(/[^a-z0-9]/g, '');

/** One of our plates in their shape. */
export function toPlateReaderResult(plate: PlateResult): PlateReaderResult {
  const { x, y, width, height } = plate.bounding_box;
  const candidates: PlateReaderResult['candidates'] = [];
  for (const c of plate.candidates ?? [{ plate: plate.plate, confidence: plate.confidence }]) {
    const text = plateText(c.plate);
    if (!candidates.some((k) => k.plate === text)) candidates.push({ score: c.confidence, plate: text });
  }
  const type = plate.vehicle?.type ? (VEHICLE_TYPE_WORDS[plate.vehicle.type] ?? null) : null;
  return {
    box: { xmin: x, ymin: y, xmax: x + width, ymax: y + height },
    plate: plateText(plate.plate),
    region: { code: plate.region, score: null },
    score: plate.confidence,
    dscore: plate.detection_score ?? null,
    candidates,
    vehicle: { score: null, type, box: null },
  };
}

/** The plates the request's config keeps: above its thresholds, and of its regions when `region` is "strict". */
export function applyPlateReaderConfig(results: PlateReaderResult[], request: Pick<PlateReaderRequest, 'regions' | 'config'>): PlateReaderResult[] {
  const { threshold_d: minDetection, threshold_o: minReading, region } = request.config;
  const strict = region === 'strict' && request.regions.length > 0 ? new Set(recogniserRegions(request.regions)) : null;
  return results.filter(
    (r) =>
      (minDetection === undefined || r.dscore === null || r.dscore >= minDetection) &&
      (minReading === undefined || r.score >= minReading) &&
      (!strict || strict.has(r.region.code.slice(0, 2))),
  );
}

/** Their status for each of our codes where it differs: they answer a bad token with 403. */
const STATUS_OVERRIDES: Partial<Record<ErrorCode, number>> = { INVALID_API_KEY: 403 };

export function plateReaderStatus(code: ErrorCode): number {
  return STATUS_OVERRIDES[code] ?? ERROR_CODES[code].status;
}

export function toPlateReaderError(error: Pick<AppError, 'code' | 'message'>): PlateReaderError {
  const status = plateReaderStatus(error.code);
  const field = status === 400 || status === 413 ? 'error' : 'detail';
  return { [field]: error.message, status_code: status, code: error.code };
}
