/**
 * `npr recognise [--jsonl] [--regions gb,us] [--top-n N] [--vehicle] [--allow-empty] [--models-dir DIR] IMAGE...`:
 * reads plates with the local models, without a server. With --jsonl, stdout carries exactly one
 * JSON line per image (what shared/eval/evaluate.mjs parses; a photo without a plate is
 * `"results": []`, as the evaluator records the API's 422); everything else goes to stderr.
 * Options are checked with the API's own schema, so the CLI refuses what the API refuses.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { RecogniseOptionsSchema, errorBody as apiErrorBody, PlateReadingSchema, type PlateResult as ApiPlateResult } from '@npr/contracts';
import type { Database } from '@npr/db';
import {
  addObservedColours,
  createRecogniser,
  recogniserOptionsFromEnv,
  RecognitionError,
  type ColourPixels,
  type PlateResult,
  type Recogniser,
  type RecogniserOptions,
} from '@npr/recognition';
import { ConfigError } from '@npr/runtime';
import { findRegisteredVehicle, vehicleFromRegistry, withObservedColour } from '@npr/vehicle-data';

/** Exit codes: 0 every image had a plate (or --allow-empty), 1 an image could not be read, 2 usage or a bad variable, 3 no plate in an image. */
export const EXIT_NO_PLATES = 3;

export class RecogniseUsageError extends Error {}

type Options = { jsonl: boolean; vehicle: boolean; allowEmpty: boolean; regions?: string[]; topN?: number; modelsDir?: string; files: string[] };

export function parseRecogniseArgs(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      jsonl: { type: 'boolean' },
      vehicle: { type: 'boolean' },
      'allow-empty': { type: 'boolean' },
      regions: { type: 'string' },
      'top-n': { type: 'string' },
      'models-dir': { type: 'string' },
    },
  });
  // the API's schema and limits (regions: two-letter codes, at most 20; top_n: 1 to 10)
  const regions = values.regions?.split(',').map((r) => r.trim().toLowerCase()).filter(Boolean);
  const topN = values['top-n'] === undefined ? undefined : Number(values['top-n']);
  const parsed = RecogniseOptionsSchema.safeParse({ regions, topN });
  if (!parsed.success) {
    const topNMax = RecogniseOptionsSchema.shape.topN.unwrap().maxValue;
    throw new RecogniseUsageError(`invalid options (as the API answers 400 BAD_REQUEST): --regions takes two-letter codes (gb,de), --top-n 1 to ${topNMax}`);
  }
  if (!positionals.length) throw new RecogniseUsageError('give at least one image file');
  return {
    jsonl: values.jsonl ?? false,
    vehicle: values.vehicle ?? false,
    allowEmpty: values['allow-empty'] ?? false,
    ...parsed.data,
    modelsDir: values['models-dir'],
    files: positionals,
  };
}

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof RecognitionError) return { code: err.code, message: err.message };
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR') return { code: 'FILE_NOT_READABLE', message: e.message };
  return { code: 'INTERNAL', message: String((err as Error)?.message ?? err) };
}

function describe(r: PlateResult | ApiPlateResult): string {
  const extra: string[] = [r.region, r.confidence.toFixed(2)];
  const plate = r as ApiPlateResult;
  if (plate.observed_colour) extra.push(`camera: ${plate.observed_colour.name} ${plate.observed_colour.confidence.toFixed(2)}`);
  if (plate.vehicle) {
    const v = plate.vehicle;
    const what = [v.colour, v.make, v.model, v.year].filter((x) => x !== null && x !== undefined).join(' ');
    extra.push(`vehicle (${v.source}): ${what || 'unknown'}`);
  }
  return `${r.plate} (${extra.join(', ')})`;
}

/**
 * Runs `npr recognise`; resolves to the exit code. `openDatabase` is called only with --vehicle
 * (the operator registry lives in the database the services use).
 */
export async function runRecogniseCommand(options: Options, deps: { openDatabase: () => Promise<Database> }): Promise<number> {
  const print = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');

  // the recogniser's variables, read as the inference worker reads them: a bad one stops here, named
  let settings: RecogniserOptions;
  try {
    settings = recogniserOptionsFromEnv();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`npr recognise: ${err.message}\n`);
    return 2;
  }
  let recogniser: Recogniser;
  try {
    recogniser = await createRecogniser({ ...settings, modelsDir: options.modelsDir ?? settings.modelsDir });
  } catch (err) {
    const body = errorOf(err);
    process.stderr.write(`npr recognise: ${body.message}\n`);
    // still one line per image, so a scorer sees why every image failed
    if (options.jsonl) for (const file of options.files) print({ file, error: body });
    return 1;
  }
  process.stderr.write(`npr recognise: models loaded from ${recogniser.info.modelsDir} in ${Math.round(recogniser.info.loadMs)} ms (${recogniser.info.device}, ${recogniser.info.threads} thread(s))\n`);

  const db = options.vehicle ? await deps.openDatabase() : null;
  let failed = 0;
  let empty = 0;
  try {
    for (const file of options.files) {
      const started = performance.now();
      try {
        const bytes = await readFile(file);
        const outcome = await recogniser.recogniseWithTimings(bytes, { regions: options.regions, topN: options.topN, keepPixels: options.vehicle });
        let results: (PlateResult | ApiPlateResult)[] = outcome.results;
        if (db) {
          // as the services do: the camera's colour from the recogniser's own decode, then the registry, then that colour
          const pixels: ColourPixels | Buffer = outcome.pixels && outcome.width ? { image: outcome.pixels, scale: outcome.pixels.width / outcome.width } : bytes;
          // the recogniser's results as the contract's readings (what the inference worker passes on)
          const seen = await addObservedColours(pixels, PlateReadingSchema.array().parse(outcome.results));
          results = await Promise.all(
            seen.map(async (p) => {
              const registered = await findRegisteredVehicle(db.prisma, p.region, p.plate);
              return { ...p, vehicle: withObservedColour(registered ? vehicleFromRegistry(registered) : null, p.observed_colour) };
            }),
          );
        }
        const ms = Math.round((performance.now() - started) * 10) / 10;
        if (!results.length) {
          empty++;
          const body = apiErrorBody('NO_PLATES_FOUND', 'No number plates were detected in the image.').error;
          if (!options.allowEmpty) process.stderr.write(`npr recognise: ${file}: ${body.code}: ${body.message}\n`);
        }
        if (options.jsonl) print({ file, results, processing_time_ms: ms });
        else process.stdout.write(`${file}: ${results.map(describe).join(', ') || 'no plate'}  [${ms} ms]\n`);
      } catch (err) {
        failed++;
        const body = errorOf(err);
        if (options.jsonl) print({ file, error: body });
        else process.stdout.write(`${file}: error ${body.code}: ${body.message}\n`);
        process.stderr.write(`npr recognise: ${file}: ${body.code}: ${body.message}\n`);
      }
    }
  } finally {
    await recogniser.close();
    await db?.close();
  }
  if (failed) return 1;
  return empty && !options.allowEmpty ? EXIT_NO_PLATES : 0;
}
