import { z } from 'zod';

export const BoundingBoxSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
});

/** Vehicle data attached by vehicle-lookup; documented fields always present, extras welcome. */
export const VehicleSchema = z.looseObject({
  make: z.string().nullable(),
  colour: z.string().nullable(),
  year: z.number().int().nullable(),
  fuel_type: z.string().nullable(),
});
export type Vehicle = z.infer<typeof VehicleSchema>;

/** One plate as the recogniser (packages/recognition) reports it, before vehicle lookup. */
export const PlateReadingSchema = z.looseObject({
  plate: z.string().min(1),
  confidence: z.number().min(0).max(1),
  region: z.string(),
  bounding_box: BoundingBoxSchema,
  detection_score: z.number().min(0).max(1).optional(),
  candidates: z.array(z.looseObject({ plate: z.string(), confidence: z.number() })).optional(),
});
export type PlateReading = z.infer<typeof PlateReadingSchema>;

/** One plate in an API response. */
export const PlateResultSchema = PlateReadingSchema.extend({ vehicle: VehicleSchema.nullable() });
export type PlateResult = z.infer<typeof PlateResultSchema>;

/** 200 body of POST /api/v1/recognise (and each successful entry of a batch). */
export const RecognitionResponseSchema = z.object({
  success: z.literal(true),
  results: z.array(PlateResultSchema).min(1),
  processing_time_ms: z.number().nonnegative().optional(),
});
export type RecognitionResponse = z.infer<typeof RecognitionResponseSchema>;

/** Options a client may pass with an image (query string or form fields). */
export const RecogniseOptionsSchema = z.object({
  regions: z.array(z.string().regex(/^[a-z]{2}$/)).max(20).optional(),
  topN: z.number().int().min(1).max(10).optional(),
});
export type RecogniseOptions = z.infer<typeof RecogniseOptionsSchema>;
