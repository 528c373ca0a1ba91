import { z } from 'zod';
import { ErrorBodySchema } from './errors';
import { PlateReadingSchema, RecognitionResponseSchema, RecogniseOptionsSchema } from './recognition';

/** Queue names: the recognition child (inference-worker) and the lookup parent (vehicle-lookup). */
export const QUEUE_NAMES = { recognition: 'recognition', vehicleLookup: 'vehicle-lookup' } as const;

/** Data of a recognition job; the image bytes live in Redis under `imageKey` (with a TTL), not here. */
export const RecognitionJobDataSchema = z.object({
  requestId: z.string(),
  accountId: z.string(),
  imageKey: z.string(),
  options: RecogniseOptionsSchema.default({}),
});
export type RecognitionJobData = z.infer<typeof RecognitionJobDataSchema>;

/** What the inference worker returns for one image. An empty `plates` list is a valid answer. */
export const RecognitionJobResultSchema = z.object({
  plates: z.array(PlateReadingSchema),
  processing_time_ms: z.number().nonnegative(),
  image: z.object({ width: z.number().int(), height: z.number().int(), format: z.string() }).optional(),
});
export type RecognitionJobResult = z.infer<typeof RecognitionJobResultSchema>;

/** Data of a lookup (parent) job. */
export const LookupJobDataSchema = z.object({
  requestId: z.string(),
  accountId: z.string(),
  imageKey: z.string(),
});
export type LookupJobData = z.infer<typeof LookupJobDataSchema>;

/**
 * The final per-image outcome, returned by the lookup job: exactly the body the client gets for a
 * single image (success with results, or an error such as NO_PLATES_FOUND).
 */
export const ImageOutcomeSchema = z.union([RecognitionResponseSchema, ErrorBodySchema]);
export type ImageOutcome = z.infer<typeof ImageOutcomeSchema>;

/**
 * What the gateway remembers about a submitted request (Redis, TTL), for polling and isolation:
 * one entry per image, either the flow that processes it or the error it was rejected with.
 */
export const JobRecordSchema = z.object({
  id: z.string(),
  kind: z.enum(['single', 'batch']),
  accountId: z.string(),
  entries: z.array(z.union([z.object({ flowId: z.string() }), z.object({ outcome: ErrorBodySchema })])).min(1),
  createdAt: z.string(),
  // the request's camera_id / timestamp, echoed in the answer (also when polled)
  capture: z.object({ camera_id: z.string().optional(), timestamp: z.string().optional() }).optional(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

export const JobStatusSchema = z.enum(['queued', 'processing', 'completed', 'failed']);
export type JobStatus = z.infer<typeof JobStatusSchema>;
