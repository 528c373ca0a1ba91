/**
 * The recogniser's settings: their defaults (the one place they are written) and the environment
 * variables an operator sets them with, validated by zod. The inference worker's config schema
 * includes RecogniserConfigSchema; `npr recognise` loads the same schema.
 */
import { z } from 'zod';
import { env, loadConfig } from '@npr/runtime';
import type { RecogniserOptions } from './recogniser';

/** Every option's default, the one place they are written: createRecogniser and the variables below use them. */
export const RECOGNISER_DEFAULTS = {
  device: 'cpu',
  threads: 1,
  decodeThreads: 2,
  detectorSize: 640,
  detectorExtraSizes: [800],
  rescanBelow: 0.5,
  detectionThreshold: 0.3,
  minConfidence: 0.05,
  minPlateChance: 0.5,
  maxPlates: 16,
  maxSourceSide: 2560,
  twoLineAspect: 2.5,
  squareAspect: 1.7,
  twoLinePrior: 0.3,
  wideCrop: [1.3, 1.45],
  wideBelow: 0.9,
} as const satisfies Omit<Required<RecogniserOptions>, 'modelsDir' | 'scoring'>;

const fraction = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);

/** "none" turns a list off; else comma-separated values, each checked by `item`. */
const listOrNone = <T extends z.ZodType>(item: T, message: string) =>
  z
    .string()
    .transform((raw, ctx): z.infer<T>[] | null => {
      if (raw.trim() === 'none') return null;
      const parsed = raw.split(',').map((v) => item.safeParse(v.trim()));
      if (parsed.some((p) => !p.success)) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return parsed.map((p) => p.data as z.infer<T>);
    });

/**
 * The recogniser's environment variables (empty or unset: the default). Each maps to one option of
 * createRecogniser; see recogniserOptions.
 */
export const RecogniserConfigSchema = z.object({
  MODELS_DIR: z.string().optional(),
  INFERENCE_DEVICE: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['cpu', 'cuda']))
    .default(RECOGNISER_DEFAULTS.device),
  INFERENCE_THREADS: env.int(RECOGNISER_DEFAULTS.threads, 1),
  DECODE_THREADS: env.int(RECOGNISER_DEFAULTS.decodeThreads, 1),
  DETECTOR_SIZE: env.int(RECOGNISER_DEFAULTS.detectorSize, 64),
  DETECTOR_EXTRA_SIZES: listOrNone(z.coerce.number().int().min(64), 'must be "none" or a comma-separated list of integers >= 64')
    .transform((sizes) => sizes ?? [])
    .default([...RECOGNISER_DEFAULTS.detectorExtraSizes]),
  RESCAN_BELOW: fraction(RECOGNISER_DEFAULTS.rescanBelow),
  DETECTION_THRESHOLD: fraction(RECOGNISER_DEFAULTS.detectionThreshold),
  MIN_PLATE_CONFIDENCE: fraction(RECOGNISER_DEFAULTS.minConfidence),
  MIN_PLATE_CHANCE: fraction(RECOGNISER_DEFAULTS.minPlateChance),
  READER_WIDE_CROP: listOrNone(z.coerce.number().min(1), 'must be "none" or "fx,fy" with both >= 1')
    .refine((f) => f === null || f.length === 2, 'must be "none" or "fx,fy" with both >= 1')
    .transform((f) => (f ? ([f[0], f[1]] as [number, number]) : null))
    .default([...RECOGNISER_DEFAULTS.wideCrop]),
  READER_WIDE_BELOW: fraction(RECOGNISER_DEFAULTS.wideBelow),
});
export type RecogniserConfig = z.infer<typeof RecogniserConfigSchema>;

/** createRecogniser's options from validated variables (a service's config that includes the schema). */
export function recogniserOptions(config: RecogniserConfig): RecogniserOptions {
  return {
    modelsDir: config.MODELS_DIR,
    device: config.INFERENCE_DEVICE,
    threads: config.INFERENCE_THREADS,
    decodeThreads: config.DECODE_THREADS,
    detectorSize: config.DETECTOR_SIZE,
    detectorExtraSizes: config.DETECTOR_EXTRA_SIZES,
    rescanBelow: config.RESCAN_BELOW,
    detectionThreshold: config.DETECTION_THRESHOLD,
    minConfidence: config.MIN_PLATE_CONFIDENCE,
    minPlateChance: config.MIN_PLATE_CHANCE,
    wideCrop: config.READER_WIDE_CROP,
    wideBelow: config.READER_WIDE_BELOW,
  };
}

/**
 * createRecogniser's options from the process environment; throws ConfigError naming each bad
 * variable (for commands and benchmarks; services load the schema as part of their own).
 */
export function recogniserOptionsFromEnv(environment: NodeJS.ProcessEnv = process.env): RecogniserOptions {
  return recogniserOptions(loadConfig(RecogniserConfigSchema, environment));
}
