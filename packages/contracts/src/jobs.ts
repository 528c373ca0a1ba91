import { z } from 'zod';
import { ErrorBodySchema } from './errors';
import { PlateReadingSchema, RecognitionResponseSchema, RecogniseOptionsSchema } from './recognition';

/**
 * Queue names: the recognition child (inference-worker), the lookup parent (vehicle-lookup), the
 * job-finished grandparent that runs once every image of a request is done (billing, webhooks), and
 * webhook deliveries.
 */
export const QUEUE_NAMES = { recognition: 'recognition', vehicleLookup: 'vehicle-lookup', jobFinished: 'job-finished', webhookDelivery: 'webhook-delivery' } as const;

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
  // the key the images are billed to (absent on records written before billing moved to the job's end)
  apiKeyId: z.string().optional(),
  // a one-off URL the request asked its result to be POSTed to
  webhookUrl: z.string().optional(),
  entries: z.array(z.union([z.object({ flowId: z.string() }), z.object({ outcome: ErrorBodySchema })])).min(1),
  createdAt: z.string(),
  // the request's camera_id / timestamp, echoed in the answer (also when polled)
  capture: z.object({ camera_id: z.string().optional(), timestamp: z.string().optional() }).optional(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

export const JobStatusSchema = z.enum(['queued', 'processing', 'completed', 'failed']);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/**
 * Images a request is billed for: those the recogniser processed, plates found or not. Rejected
 * uploads (4xx) and our own failures (5xx) are not billed.
 */
export function billableImages(outcomes: ImageOutcome[]): number {
  return outcomes.filter((o) => o.success || o.error.code === 'NO_PLATES_FOUND').length;
}
