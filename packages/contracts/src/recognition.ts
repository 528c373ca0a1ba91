import { z } from 'zod';

export const BoundingBoxSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
});

/** The fixed palette of body colours the camera-side estimate names (packages/vehicle-data). */
export const OBSERVED_COLOURS = ['black', 'white', 'silver', 'grey', 'red', 'blue', 'green', 'yellow', 'orange', 'brown', 'beige'] as const;
export const ObservedColourSchema = z.object({
  name: z.enum(OBSERVED_COLOURS),
  confidence: z.number().min(0).max(1),
});
export type ObservedColour = z.infer<typeof ObservedColourSchema>;

/** Where vehicle data came from: the operator's registry, the DVLA, or only what the camera saw. */
export const VehicleSourceSchema = z.enum(['operator', 'dvla', 'camera']);
export type VehicleSource = z.infer<typeof VehicleSourceSchema>;

/**
 * Body types the API names (lower case). DVLA's EU type-approval category decides: M1 car, N1 van,
 * N2/N3 truck, M2/M3 bus, L1-L5 motorcycle, L6/L7 quadricycle (a Citroen Ami and a quad bike
 * alike: neither car nor motorcycle), T tractor, O trailer. An operator registry may give them too.
 */
export const VEHICLE_TYPES = ['car', 'van', 'truck', 'bus', 'motorcycle', 'quadricycle', 'tractor', 'trailer'] as const;
export const VehicleTypeSchema = z.enum(VEHICLE_TYPES);
export type VehicleType = z.infer<typeof VehicleTypeSchema>;

/**
 * Vehicle data attached by vehicle-lookup. The documented fields are always present (null when
 * unknown); the rest appear when the source gives them. `colour_match: false` means a registry's
 * colour disagrees with the colour the camera saw (a cloned-plate signal).
 */
export const VehicleSchema = z.looseObject({
  make: z.string().nullable(),
  colour: z.string().nullable(),
  year: z.number().int().nullable(),
  fuel_type: z.string().nullable(),
  model: z.string().nullable().optional(),
  // with colour_source "camera": how sure the camera-side estimate is of `colour`
  colour_confidence: z.number().min(0).max(1).optional(),
  // null when the source does not say; the camera never guesses it
  type: VehicleTypeSchema.nullable().optional(),
  source: VehicleSourceSchema.optional(),
  colour_source: VehicleSourceSchema.nullable().optional(),
  colour_match: z.boolean().nullable().optional(),
  tax_status: z.string().nullable().optional(),
  tax_due_date: z.string().nullable().optional(),
  mot_status: z.string().nullable().optional(),
  mot_expiry_date: z.string().nullable().optional(),
  // DVLA's own words, as given, for clients that need more than `type` (e.g. "N1", "2 AXLE RIGID BODY")
  type_approval: z.string().nullable().optional(),
  wheelplan: z.string().nullable().optional(),
});
export type Vehicle = z.infer<typeof VehicleSchema>;

/** One plate as the recogniser (packages/recognition) reports it, before vehicle lookup. */
export const PlateReadingSchema = z.looseObject({
  plate: z.string().min(1),
  confidence: z.number().min(0).max(1),
  region: z.string(),
  bounding_box: BoundingBoxSchema,
  detection_score: z.number().min(0).max(1).optional(),
  // the plate's four corners in image pixels (top-left, top-right, bottom-right, bottom-left); the box is their bounds
  corners: z.array(z.tuple([z.number(), z.number()])).length(4).optional(),
  candidates: z.array(z.looseObject({ plate: z.string(), confidence: z.number() })).optional(),
  // the body colour estimated from the pixels around the plate (inference worker); absent when no car body was visible
  observed_colour: ObservedColourSchema.optional(),
});
export type PlateReading = z.infer<typeof PlateReadingSchema>;

/** One plate in an API response. */
export const PlateResultSchema = PlateReadingSchema.extend({ vehicle: VehicleSchema.nullable() });
export type PlateResult = z.infer<typeof PlateResultSchema>;

/** ISO 8601, with or without an offset (UTC when none is given). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Where and when the photo was taken, as the client says (`camera_id`, `timestamp`): echoed in the answer. */
export const CaptureSchema = z.object({
  camera_id: z.string().trim().min(1).max(200).optional(),
  timestamp: z
    .string()
    .regex(ISO_8601, 'timestamp must be ISO 8601, e.g. 2026-12-02T15:04:05Z')
    .transform((t) => new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t : `${t}Z`))
    .refine((d) => !Number.isNaN(d.getTime()), 'timestamp is not a real date')
    .transform((d) => d.toISOString())
    .optional(),
});
export type Capture = z.infer<typeof CaptureSchema>;

/** 200 body of POST /api/v1/recognise (and each successful entry of a batch). */
export const RecognitionResponseSchema = z.object({
  success: z.literal(true),
  results: z.array(PlateResultSchema).min(1),
  processing_time_ms: z.number().nonnegative().optional(),
  // echoed from the request when it gave them
  camera_id: z.string().optional(),
  timestamp: z.string().optional(),
});
export type RecognitionResponse = z.infer<typeof RecognitionResponseSchema>;

/** Options a client may pass with an image (query string or form fields). */
export const RecogniseOptionsSchema = z.object({
  regions: z.array(z.string().regex(/^[a-z]{2}$/)).max(20).optional(),
  topN: z.number().int().min(1).max(10).optional(),
  // plates under these scores are left out (`threshold_detection`: the detector's, `threshold_read`: the reading's confidence)
  thresholdDetection: z.number().min(0).max(1).optional(),
  thresholdRead: z.number().min(0).max(1).optional(),
});
export type RecogniseOptions = z.infer<typeof RecogniseOptionsSchema>;
