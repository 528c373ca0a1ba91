import { z } from 'zod';
import { PlanSchema } from './http';

/** GET /api/v1/statistics: billed images this calendar month (UTC) and today, per key, and the plan's limits. */
export const StatisticsResponseSchema = z.object({
  success: z.literal(true),
  plan: z.object({
    name: PlanSchema,
    rate_limit: z.object({ images: z.number().int(), window_seconds: z.number().int() }),
    // null: no monthly cap
    monthly_quota: z.number().int().nullable(),
  }),
  month: z.object({
    start: z.string(),
    resets_at: z.string(),
    images: z.number().int().nonnegative(),
    remaining: z.number().int().nonnegative().nullable(),
  }),
  today: z.object({ date: z.string(), images: z.number().int().nonnegative() }),
  keys: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      prefix: z.string(),
      revoked: z.boolean(),
      month_images: z.number().int().nonnegative(),
      today_images: z.number().int().nonnegative(),
    }),
  ),
});
export type StatisticsResponse = z.infer<typeof StatisticsResponseSchema>;

/** GET /v1/statistics/: the same numbers in Plate Recognizer's documented shape. */
export const PlateRecognizerStatisticsSchema = z.object({
  usage: z.object({
    year: z.number().int(),
    month: z.number().int().min(1).max(12),
    calls: z.number().int().nonnegative(),
    resets_on: z.string(),
  }),
  // the month's allowance; null where the plan has no monthly cap
  total_calls: z.number().int().nullable(),
});
export type PlateRecognizerStatistics = z.infer<typeof PlateRecognizerStatisticsSchema>;
