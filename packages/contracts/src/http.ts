import { z } from 'zod';
import { ErrorBodySchema } from './errors';
import { ImageOutcomeSchema, JobStatusSchema } from './jobs';

/** 200 body of POST /api/v1/batch: one entry per image, in upload order. */
export const BatchResponseSchema = z.object({
  success: z.literal(true),
  results: z.array(ImageOutcomeSchema),
  // echoed from the request when it gave them
  camera_id: z.string().optional(),
  timestamp: z.string().optional(),
});
export type BatchResponse = z.infer<typeof BatchResponseSchema>;

/** 202 body for async requests (and sync requests that outlived their bound). */
export const JobAcceptedSchema = z.object({
  success: z.literal(true),
  job_id: z.string(),
  status: JobStatusSchema,
  url: z.string(),
});
export type JobAccepted = z.infer<typeof JobAcceptedSchema>;

/**
 * GET /api/v1/jobs/:id. While pending: `{success, job_id, status, url}`. When done: the body the
 * synchronous call would have returned, plus `job_id` and `status`.
 */
export const JobStatusResponseSchema = z.union([
  JobAcceptedSchema,
  z.looseObject({ job_id: z.string(), status: JobStatusSchema, success: z.boolean() }),
  ErrorBodySchema,
]);

/** Rate-limit plans. Limits are per API key per window; an account may carry custom limits. */
export const PlanSchema = z.enum(['free', 'pro', 'enterprise']);
export type PlanName = z.infer<typeof PlanSchema>;
export const PLAN_LIMITS: Record<PlanName, { points: number; windowSeconds: number }> = {
  free: { points: 60, windowSeconds: 60 },
  pro: { points: 600, windowSeconds: 60 },
  enterprise: { points: 6000, windowSeconds: 60 },
};

/**
 * Images an account may have processed per calendar month (UTC), by plan; null = no monthly cap.
 * An operator sets another for any account (`npr accounts set-plan --monthly-quota N`).
 */
export const PLAN_MONTHLY_QUOTAS: Record<PlanName, number | null> = {
  free: 2500,
  pro: 100_000,
  enterprise: null,
};

/** Hard limits on uploads (the docs' promises). */
export const UPLOAD_LIMITS = {
  maxFileBytes: 10 * 1024 * 1024,
  maxBatchFiles: 20,
  minWidth: 320,
  minHeight: 240,
  // decompression-bomb guard: sharp refuses to decode more pixels than this
  maxPixels: 50_000_000,
} as const;
