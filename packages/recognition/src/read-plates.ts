/**
 * The reader's side of the pipeline (MODEL_IO.md): rectified crops of every plate of a photo in one
 * batch, and the batch's outputs turned into scored readings per plate.
 */
import { softmaxFrames } from './ctc-decode';
import { scoreReadings, type Layout, type ScoredReading, type ScoringOptions } from './format-rescoring';
import { quadAspect, splitQuad, warpQuad, widenQuad, type Quad } from './perspective-warp';
import { REGIONS, type Region } from './plate-formats';

export const READER_WIDTH = 128;
export const READER_HEIGHT = 32;
const CROP_SIZE = 3 * READER_WIDTH * READER_HEIGHT;
/** how much the contract's crop widens the detector's quad about its centre (MODEL_IO.md) */
const CROP_WIDEN: [number, number] = [1.1, 1.25];

/** Which crop of which plate a row of the reader batch holds. */
export interface CropJob {
  plate: number;
  /** whole: the contract's crop; wide: the same, widened further (a second look when corners cut a character off) */
  part: 'whole' | 'wide' | 'upper' | 'lower';
}

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface ReaderBatch {
  input: Float32Array;
  jobs: CropJob[];
}

/**
 * The first look: each plate's widened quad and, for plates squarish enough to be two-line ones
 * (corner aspect below `twoLineAspect`), its two halves, from the full-resolution photo in one batch.
 */
export function buildReaderBatch(image: RgbImage, quads: Quad[], twoLineAspect: number): ReaderBatch {
  const planned: Array<{ job: CropJob; quad: Quad }> = [];
  quads.forEach((q, plate) => {
    const wide = widenQuad(q, ...CROP_WIDEN);
    planned.push({ job: { plate, part: 'whole' }, quad: wide });
    if (quadAspect(q) < twoLineAspect) planned.push(...halves(plate, wide));
  });
  return warpBatch(image, planned);
}

/**
 * The second look at doubtful plates: each quad widened by `wideCrop` [fx, fy] about its centre (null:
 * none), and the two halves of plates whose aspect lies in `halvesBetween` [from, to), which the
 * first look read whole only.
 */
export function buildSecondLook(
  image: RgbImage,
  quads: Quad[],
  plates: number[],
  wideCrop: readonly [number, number] | null,
  [from, to]: [number, number],
): ReaderBatch {
  const planned: Array<{ job: CropJob; quad: Quad }> = [];
  for (const plate of plates) {
    const q = quads[plate];
    if (wideCrop) planned.push({ job: { plate, part: 'wide' }, quad: widenQuad(q, wideCrop[0], wideCrop[1]) });
    const aspect = quadAspect(q);
    if (aspect >= from && aspect < to) planned.push(...halves(plate, widenQuad(q, ...CROP_WIDEN)));
  }
  return warpBatch(image, planned);
}

function halves(plate: number, wide: Quad): Array<{ job: CropJob; quad: Quad }> {
  const [upper, lower] = splitQuad(wide);
  return [
    { job: { plate, part: 'upper' }, quad: upper },
    { job: { plate, part: 'lower' }, quad: lower },
  ];
}

/** Two reader runs as one: rows of `b` after those of `a`. */
export function concatReaderOutputs(a: ReaderOutput, b: ReaderOutput): ReaderOutput {
  const [na, T, C] = a.logitsDims;
  const logits = new Float32Array(a.logits.length + b.logits.length);
  logits.set(a.logits);
  logits.set(b.logits, a.logits.length);
  const region = new Float32Array(a.region.length + b.region.length);
  region.set(a.region);
  region.set(b.region, a.region.length);
  const plate = new Float32Array(a.plate.length + b.plate.length);
  plate.set(a.plate);
  plate.set(b.plate, a.plate.length);
  return { logits, logitsDims: [na + b.logitsDims[0], T, C], region, plate };
}

function warpBatch(image: RgbImage, planned: Array<{ job: CropJob; quad: Quad }>): ReaderBatch {
  const input = new Float32Array(planned.length * CROP_SIZE);
  const jobs: CropJob[] = [];
  for (const { job, quad } of planned) {
    if (warpQuad(image.data, image.width, image.height, quad, input, jobs.length * CROP_SIZE, READER_WIDTH, READER_HEIGHT)) jobs.push(job);
  }
  return { input: jobs.length === planned.length ? input : input.subarray(0, jobs.length * CROP_SIZE), jobs };
}

export interface ReaderOutput {
  logits: Float32Array;
  /** [N, T, C] */
  logitsDims: readonly number[];
  region: Float32Array;
  /** [N]: logit of "this crop is a plate" */
  plate: Float32Array;
}

/**
 * The reader's own judgement, per plate, of whether its contract crop shows a plate at all (0..1): van
 * lettering, signs and badges can read as fluently as a plate, so the reading's confidence cannot tell.
 * 1 for plates without a crop (they have no readings either).
 */
export function plateChances(out: ReaderOutput, jobs: CropJob[], plateCount: number): number[] {
  const chances: number[] = new Array(plateCount).fill(1);
  jobs.forEach((j, row) => {
    if (j.part === 'whole') chances[j.plate] = 1 / (1 + Math.exp(-out.plate[row]));
  });
  return chances;
}

/** Scored readings for each of `plateCount` plates (empty where a plate had no crop). */
export function interpretReaderOutput(
  out: ReaderOutput,
  jobs: CropJob[],
  plateCount: number,
  hint: Region[],
  scoring: ScoringOptions,
  twoLinePrior: number,
  /** only these plates are scored (the others get no readings); default all */
  only?: ReadonlySet<number>,
): ScoredReading[][] {
  const [, T, C] = out.logitsDims;
  const R = REGIONS.length;
  const rows = new Map<string, number>();
  jobs.forEach((j, i) => rows.set(`${j.plate}:${j.part}`, i));
  const line = (row: number) => ({ probs: softmaxFrames(out.logits, row * T * C, T, C), T, C });
  const readings: ScoredReading[][] = [];
  for (let plate = 0; plate < plateCount; plate++) {
    const whole = rows.get(`${plate}:whole`);
    if (whole === undefined || (only && !only.has(plate))) {
      readings.push([]);
      continue;
    }
    const regionProbs = softmax(out.region.subarray(whole * R, whole * R + R));
    const layouts: Layout[] = [{ lines: [line(whole)], logPrior: 0 }];
    const wide = rows.get(`${plate}:wide`);
    if (wide !== undefined) layouts.push({ lines: [line(wide)], logPrior: 0 });
    const upper = rows.get(`${plate}:upper`);
    const lower = rows.get(`${plate}:lower`);
    if (upper !== undefined && lower !== undefined) layouts.push({ lines: [line(upper), line(lower)], logPrior: Math.log(twoLinePrior) });
    readings.push(scoreReadings(layouts, regionProbs, hint, scoring));
  }
  return readings;
}

function softmax(v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(v.length);
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) max = Math.max(max, v[i]);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += out[i] = Math.exp(v[i] - max);
  for (let i = 0; i < v.length; i++) out[i] /= sum;
  return out;
}
