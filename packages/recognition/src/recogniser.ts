/**
 * The recogniser: both ONNX models loaded once and warmed up, then photo bytes -> plates.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Ort from 'onnxruntime-node';
import sharp from 'sharp';
import { decodeDetections, needsPadding, nonMaxSuppression, padDetectorInput, samePlate, type Detection } from './detect-plates';
import { RecognitionError } from './errors';
import { RECOGNISER_DEFAULTS, recogniserOptionsFromEnv } from './recogniser-config';
import { DEFAULT_SCORING, type ScoringOptions } from './format-rescoring';
import { decodePhoto, detectorView, type DecodedPhoto, type DetectorView } from './image-input';
import type { Quad } from './perspective-warp';
import { parseRegions, type Region } from './plate-formats';
import { READER_HEIGHT, READER_WIDTH, buildReaderBatch, buildSecondLook, concatReaderOutputs, interpretReaderOutput, plateChances } from './read-plates';
import type { PlateResult, RecogniseOptions, RecogniseOutcome, RecogniseWithTimingsOptions } from './types';

export interface RecogniserOptions {
  /** folder holding detector.onnx and reader.onnx (default: the repository's models/) */
  modelsDir?: string;
  /** cpu, or cuda for ONNX Runtime's CUDA provider */
  device?: 'cpu' | 'cuda';
  /** ONNX Runtime intra-op threads per model */
  threads?: number;
  /**
   * libvips threads for decoding and resizing photos. sharp's own
   * default on glibc Linux is 1; decoding is on every photo's critical path, and a second thread cut the
   * dev photos' p95 from ~138 to ~128 ms on 2 cores. It is a process-wide sharp setting.
   */
  decodeThreads?: number;
  /** the detector input's longer side (the training scale) */
  detectorSize?: number;
  /**
   * second-look detector passes at these longer sides ([] for no second look), run only when the first pass found no plate or read one below
   * `rescanBelow`; the better reading of each plate wins. Small, distant plates (US parking lots:
   * ~90 px wide in 1280 px photos) are found and cornered far better at a larger scale: on the dev
   * photos with the 14:25 models, exact reads went from 69.0 % to 74.6 % (US 51.7 % to 60.7 %) with no
   * more false plates, both at 800 and at 960 (earlier models: 960 ahead); 800 costs less
   */
  detectorExtraSizes?: readonly number[];
  /** confidence under which a plate of the first pass triggers the second look */
  rescanBelow?: number;
  /** heatmap peak needed for a detection */
  detectionThreshold?: number;
  /** plates whose final confidence is below this are not reported */
  minConfidence?: number;
  /** detections the reader gives less than this chance of being a plate at all are not reported; see plateChanceFactor for the others */
  minPlateChance?: number;
  /** at most this many plates per photo */
  maxPlates?: number;
  /** photos with a longer side above this are decoded at this size for the crops */
  maxSourceSide?: number;
  /**
   * plates whose corner quad is narrower than this width/height ratio may be two-line ones and are
   * also read as two halves when their one-line reading is doubtful
   */
  twoLineAspect?: number;
  /**
   * plates narrower than this are read as two halves at once (1.7: between two-line plates,
   * about 1.1-1.4, and US plates, 2.0, which are read whole first and split only when doubtful)
   */
  squareAspect?: number;
  /** prior of the two-line reading against the one-line one */
  twoLinePrior?: number;
  /**
   * also read doubtful plates from their quads widened [fx, fy] about the centre, scored together with
   * the first crop: a second look where the detector's corners cut a character off or sit off the plate
   * (null: off; on the dev photos [1.3, 1.45] added ~3 points of exact reads, mostly US, for ~1
   * reader crop more per doubtful plate)
   */
  wideCrop?: readonly [number, number] | null;
  /** the wider crop is read only for plates whose first reading's confidence is below this (readings above 0.9 were right 79 times out of 79 on the dev photos) */
  wideBelow?: number;
  scoring?: Partial<ScoringOptions>;
}

export interface RecogniserInfo {
  modelsDir: string;
  device: 'cpu' | 'cuda';
  threads: number;
  detectorSize: number;
  /** milliseconds to load and warm both models */
  loadMs: number;
}

/** A loaded recogniser; reuse one per process. */
export interface Recogniser {
  /** Finds and reads every plate of a photo (JPEG, PNG, WebP, ... bytes). */
  recognise(bytes: Uint8Array, opts?: RecogniseOptions): Promise<PlateResult[]>;
  /** The same, with per-stage timings and the photo's size (and its decoded pixels with `keepPixels`). */
  recogniseWithTimings(bytes: Uint8Array, opts?: RecogniseWithTimingsOptions): Promise<RecogniseOutcome>;
  readonly info: RecogniserInfo;
  /** Releases the ONNX sessions. */
  close(): Promise<void>;
}

/** The repository's models/ folder, found relative to this package. */
export function defaultModelsDir(): string {
  return resolve(__dirname, '..', '..', '..', 'models');
}

/** IoU above which the weaker of two overlapping detections is dropped */
const NMS_IOU = 0.3;

/**
 * Loads detector.onnx and reader.onnx, warms them up and returns the recogniser. Rejects with
 * RecognitionError MODELS_MISSING when a model file is absent (it never guesses plates without them).
 */
export async function createRecogniser(options: RecogniserOptions = {}): Promise<Recogniser> {
  const started = performance.now();
  const o = { ...RECOGNISER_DEFAULTS, ...definedOnly(options) };
  const modelsDir = resolve(options.modelsDir ?? defaultModelsDir());
  const { device, threads, detectorSize, rescanBelow, maxPlates, maxSourceSide, twoLineAspect, twoLinePrior, wideBelow, minConfidence, minPlateChance } = o;
  sharp.concurrency(o.decodeThreads);
  const extraSizes: readonly number[] = o.detectorExtraSizes;
  const detectorSizes = [detectorSize, ...extraSizes];
  const threshold = o.detectionThreshold;
  const squareAspect = Math.min(o.squareAspect, twoLineAspect);
  const wideCrop: readonly [number, number] | null = o.wideCrop;
  const scoring: ScoringOptions = { ...DEFAULT_SCORING, ...options.scoring };

  const detectorPath = join(modelsDir, 'detector.onnx');
  const readerPath = join(modelsDir, 'reader.onnx');
  const missing = [detectorPath, readerPath].filter((p) => !existsSync(p));
  if (missing.length) {
    throw new RecognitionError('MODELS_MISSING', `model file(s) not found: ${missing.join(', ')} (train and export them, see training/, or set MODELS_DIR)`);
  }

  // ONNX Runtime loads with the first recogniser, not with this package: importing @npr/recognition
  // for its types, config schema or errors costs nothing, and a broken runtime install is reported
  // as a load failure (the worker stays up, not ready) rather than a crash at import
  let ort: typeof Ort;
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    throw new RecognitionError('MODEL_LOAD_FAILED', `ONNX Runtime (onnxruntime-node) could not be loaded: ${(err as Error).message}`, { cause: err });
  }
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3, // errors only: stdout/stderr belong to the caller
  };
  let detector: Ort.InferenceSession;
  let reader: Ort.InferenceSession;
  try {
    detector = await ort.InferenceSession.create(detectorPath, sessionOptions);
    reader = await ort.InferenceSession.create(readerPath, sessionOptions);
  } catch (err) {
    throw new RecognitionError('MODEL_LOAD_FAILED', `ONNX Runtime could not load the models from ${modelsDir} on ${device}: ${(err as Error).message}`, { cause: err });
  }
  expectNames(detector, 'detector.onnx', ['image'], ['heatmap', 'geometry']);
  expectNames(reader, 'reader.onnx', ['image'], ['logits', 'region', 'plate']);

  // padded detector inputs are large; reuse one buffer per input shape rather than allocating per photo
  const pool = new Map<string, Uint8Array[]>();
  const takeBuffer = (len: number, key: string) => pool.get(key)?.pop() ?? new Uint8Array(len);
  const giveBuffer = (buf: Uint8Array, key: string) => {
    const list = pool.get(key) ?? [];
    if (list.length < 4) list.push(buf);
    pool.set(key, list);
  };

  async function runDetector(input: Uint8Array, w: number, h: number) {
    const out = await detector.run({ image: new ort.Tensor('uint8', input, [1, h, w, 3]) });
    const heat = out.heatmap;
    return { heatmap: heat.data as Float32Array, geometry: out.geometry.data as Float32Array, fh: heat.dims[2], fw: heat.dims[3] };
  }
  async function runReader(input: Float32Array, n: number) {
    const out = await reader.run({ image: new ort.Tensor('float32', input, [n, 3, READER_HEIGHT, READER_WIDTH]) });
    return { logits: out.logits.data as Float32Array, logitsDims: out.logits.dims, region: out.region.data as Float32Array, plate: out.plate.data as Float32Array };
  }

  // warm-up: the first run of a shape allocates and plans; do it before taking real work
  try {
    for (const size of detectorSizes) {
      // the commonest shapes: 16:9 landscape and square
      for (const [w, h] of [[size, Math.ceil((size * 9) / 16 / 32) * 32], [Math.ceil(size / 32) * 32, Math.ceil(size / 32) * 32]]) {
        await runDetector(new Uint8Array(3 * w * h), w, h);
      }
    }
    await runReader(new Float32Array(3 * 3 * READER_WIDTH * READER_HEIGHT), 3);
  } catch (err) {
    throw new RecognitionError('MODEL_LOAD_FAILED', `the models loaded but failed their warm-up run: ${(err as Error).message}`, { cause: err });
  }

  /** Runs the detector on one view of the photo: plates in original-image pixels. */
  async function detect(view: DetectorView, photo: DecodedPhoto): Promise<Detection[]> {
    const lb = view.letterbox;
    const key = `${lb.inputWidth}x${lb.inputHeight}`;
    // the decoded pixels are the input as they are unless they need padding to multiples of 32
    const padded = needsPadding(lb) ? takeBuffer(3 * lb.inputWidth * lb.inputHeight, key) : null;
    try {
      const input = padded ? padDetectorInput(view.rgb, lb, padded) : view.rgb;
      const maps = await inference(() => runDetector(input, lb.inputWidth, lb.inputHeight));
      return decodeDetections(maps.heatmap, maps.geometry, maps.fh, maps.fw, lb, {
        threshold,
        nmsIou: NMS_IOU,
        maxDetections: maxPlates,
        imageWidth: photo.width,
        imageHeight: photo.height,
      });
    } finally {
      if (padded) giveBuffer(padded, key);
    }
  }

  /** Reads every detection in one reader batch; plates below minConfidence are left out. */
  async function read(detections: Detection[], photo: DecodedPhoto, hint: Region[], topN: number): Promise<PlateResult[]> {
    const results: PlateResult[] = [];
    if (!detections.length) return results;
    const s = photo.sourceScale;
    const sourceQuads = detections.map((d) => d.quad.map(([x, y]) => [x * s, y * s]) as Quad);
    const batch = buildReaderBatch(photo.source, sourceQuads, squareAspect);
    if (!batch.jobs.length) return results;
    const out = await inference(() => runReader(batch.input, batch.jobs.length));
    const readings = interpretReaderOutput(out, batch.jobs, detections.length, hint, scoring, twoLinePrior);
    // what the reader takes for no plate (lettering, signs, badges) gets no reading at all
    const chances = plateChances(out, batch.jobs, detections.length);
    chances.forEach((c, i) => {
      if (c < minPlateChance) readings[i] = [];
    });
    // a second look at the plates read doubtfully: a wider crop, and the two halves of squarish plates
    // read whole only so far; all views are scored together and the likeliest reading wins. Readings
    // under the reporting floor get none: the reader sees no plate there (on the dev photos this
    // dropped two false plates and one wrong reading, and no right one)
    const doubtful = readings.flatMap((r, i) => (r.length && r[0].confidence >= minConfidence && (wideBelow >= 1 || r[0].confidence < wideBelow) ? [i] : []));
    const more = doubtful.length ? buildSecondLook(photo.source, sourceQuads, doubtful, wideCrop, [squareAspect, twoLineAspect]) : null;
    if (more?.jobs.length) {
      const moreOut = await inference(() => runReader(more.input, more.jobs.length));
      const again = interpretReaderOutput(concatReaderOutputs(out, moreOut), [...batch.jobs, ...more.jobs], detections.length, hint, scoring, twoLinePrior, new Set(doubtful));
      for (const i of doubtful) readings[i] = again[i];
    }
    detections.forEach((det, i) => {
      const best = readings[i][0];
      if (!best) return;
      const detFactor = detectionFactor(det.score);
      const plateFactor = plateChanceFactor(chances[i]);
      const confidence = best.confidence * detFactor * plateFactor;
      if (confidence < minConfidence) return;
      const candidates: PlateResult['candidates'] = [];
      for (const r of readings[i]) {
        if (candidates.length >= topN) break;
        const c = round4(r.confidence * detFactor * plateFactor);
        // an alternative the decoder gives no measurable chance tells a client nothing
        if (candidates.length && c === 0) break;
        if (!candidates.some((k) => k.plate === r.plate)) candidates.push({ plate: r.plate, confidence: c });
      }
      results.push({
        plate: best.plate,
        confidence: round4(confidence),
        region: best.region,
        bounding_box: det.box,
        detection_score: round4(det.score),
        corners: det.quad.map(([x, y]) => [round1(x), round1(y)] as [number, number]),
        candidates,
      });
    });
    return results;
  }

  async function recogniseWithTimings(bytes: Uint8Array, opts: RecogniseWithTimingsOptions = {}): Promise<RecogniseOutcome> {
    const hint = parseRegions(opts.regions);
    const topN = Math.max(1, opts.topN ?? 5);
    const timings = { decode: 0, detect: 0, read: 0, total: 0 };
    let t = performance.now();
    const lap = (stage: 'decode' | 'detect' | 'read') => {
      const now = performance.now();
      timings[stage] += now - t;
      t = now;
    };

    const photo = await decodePhoto(bytes, detectorSize, maxSourceSide);
    lap('decode');
    const detections = await detect(photo.detector, photo);
    lap('detect');
    let results = await read(detections, photo, hint, topN);
    lap('read');

    // a second look at larger scales only where the first found nothing or read something doubtfully:
    // small, distant plates; the better reading of each plate wins
    if (extraSizes.length && (!results.length || results.some((r) => r.confidence < rescanBelow))) {
      for (const size of extraSizes) {
        const view = await detectorView(photo.source, photo.width, photo.height, size);
        lap('decode');
        // plates the first pass already read confidently are not read again: that reading would stand
        const confident = results.filter((r) => r.confidence >= rescanBelow);
        const more = (await detect(view, photo)).filter((d) => !confident.some((r) => samePlate(r.bounding_box, d.box, NMS_IOU)));
        lap('detect');
        results.push(...(await read(more, photo, hint, topN)));
        lap('read');
      }
      results = nonMaxSuppression(
        results.map((r) => ({ r, score: r.confidence, box: r.bounding_box })),
        NMS_IOU,
      )
        .map((k) => k.r)
        .slice(0, maxPlates);
    }
    timings.total = timings.decode + timings.detect + timings.read;
    const outcome: RecogniseOutcome = { results, timings, width: photo.width, height: photo.height };
    // the crops' own buffer, not a copy: nothing writes to it once the photo is read
    if (opts.keepPixels) outcome.pixels = { data: photo.source.data, width: photo.source.width, height: photo.source.height, channels: 3 };
    return outcome;
  }

  // a whole synthetic photo through every stage (decode, both detector scales, a reading): the first
  // real photo otherwise pays for JIT compilation and first-use setup (~150 ms measured)
  try {
    const grey = await sharp({ create: { width: 1280, height: 720, channels: 3, background: { r: 120, g: 120, b: 120 } } }).jpeg().toBuffer();
    const photo = await decodePhoto(grey, detectorSize, maxSourceSide);
    await detect(photo.detector, photo);
    for (const size of extraSizes) await detect(await detectorView(photo.source, photo.width, photo.height, size), photo);
    const quad: Quad = [[500, 330], [780, 330], [780, 390], [500, 390]];
    const squarish: Quad = [[560, 300], [720, 300], [720, 420], [560, 420]];
    for (let i = 0; i < 3; i++) await read([quad, squarish].map((q) => ({ score: 1, quad: q, box: { x: 0, y: 0, width: 1, height: 1 } })), photo, [], 5);
  } catch (err) {
    throw new RecognitionError('MODEL_LOAD_FAILED', `the models loaded but failed their warm-up run: ${(err as Error).message}`, { cause: err });
  }

  const info: RecogniserInfo = { modelsDir, device, threads, detectorSize, loadMs: performance.now() - started };
  return {
    info,
    recogniseWithTimings,
    recognise: async (bytes, opts) => (await recogniseWithTimings(bytes, opts)).results,
    close: async () => {
      await detector.release();
      await reader.release();
    },
  };
}

/**
 * How much a detection's heatmap peak vouches for a plate: peaks of 0.5 and above count fully, weaker
 * ones scale the reading's confidence down (square root: the heatmap is trained with focal loss and
 * runs low, so its raw value would understate real plates).
 */
export function detectionFactor(score: number): number {
  return Math.sqrt(Math.min(1, Math.max(0, score) / 0.5));
}

/**
 * How much the reader's plate head vouches for a plate: chances of 0.9 and above count fully, lower ones
 * (down to MIN_PLATE_CHANCE, under which nothing is reported) scale the reading's confidence down. The
 * head learns from rendered and cropped plates, so on real photos it rarely says 1 even for a plain
 * plate (0.95-1.0 on the dev photos' plates); its raw value would understate them.
 */
export function plateChanceFactor(chance: number): number {
  return Math.min(1, Math.max(0, chance) / 0.9);
}

async function inference<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new RecognitionError('INFERENCE_FAILED', `ONNX Runtime failed: ${(err as Error).message}`, { cause: err });
  }
}

function expectNames(session: Ort.InferenceSession, file: string, inputs: string[], outputs: string[]): void {
  const missing = [...inputs.filter((n) => !session.inputNames.includes(n)), ...outputs.filter((n) => !session.outputNames.includes(n))];
  if (missing.length) {
    throw new RecognitionError('MODEL_LOAD_FAILED', `${file} does not follow training/MODEL_IO.md: missing ${missing.join(', ')} (has inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`);
  }
}

/** The options that were given (an `undefined` one takes its default; `null` is a value: "off"). */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
const round1 = (v: number) => Math.round(v * 10) / 10;

let defaultInstance: Promise<Recogniser> | null = null;

/** Recognises plates with a process-wide recogniser created on first use (options from the environment, see recogniser-config.ts). */
export async function recognise(bytes: Uint8Array, opts?: RecogniseOptions): Promise<PlateResult[]> {
  return (await getDefaultRecogniser()).recognise(bytes, opts);
}

/** The process-wide recogniser (created on first call; a failed creation is retried on the next call). */
export function getDefaultRecogniser(): Promise<Recogniser> {
  if (!defaultInstance) {
    defaultInstance = createRecogniser(recogniserOptionsFromEnv());
    defaultInstance.catch(() => {
      defaultInstance = null;
    });
  }
  return defaultInstance;
}

/** Closes the process-wide recogniser if one was created. */
export async function closeDefaultRecogniser(): Promise<void> {
  const instance = defaultInstance;
  defaultInstance = null;
  if (instance) await (await instance.catch(() => null))?.close();
}
