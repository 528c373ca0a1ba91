import { AppError, type RecognitionJobResult } from '@npr/contracts';
import type { RecognitionHandler } from '@npr/queue';
import { addObservedColours, type ColourPixels } from '@npr/recognition';
import { observeStages, type Logger } from '@npr/runtime';
import type { Recogniser } from './recogniser';
import { recognitionFailure } from './recognition-failure';

export type RecogniserState =
  | { status: 'loading' }
  | { status: 'ready'; recogniser: Recogniser }
  | { status: 'failed'; reason: string };

/**
 * Builds the recognition job handler. The recogniser comes in as a state so that a worker whose
 * models failed to load answers every job with a clear SERVICE_UNAVAILABLE instead of inventing
 * plates or hanging.
 */
export function createRecognitionProcessor(deps: {
  recogniser: () => RecogniserState;
  logger: Logger;
  now?: () => number;
  /**
   * adds `observed_colour` (the car's body colour seen around each plate) from the recogniser's
   * decoded pixels, or from the bytes when it has none; default: @npr/recognition's addObservedColours
   */
  observeColours?: (photo: Buffer | ColourPixels, plates: RecognitionJobResult['plates']) => Promise<RecognitionJobResult['plates']>;
}): RecognitionHandler {
  const now = deps.now ?? (() => performance.now());
  const observeColours = deps.observeColours ?? addObservedColours;
  return async (data, image, job): Promise<RecognitionJobResult> => {
    const state = deps.recogniser();
    if (state.status !== 'ready') {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        state.status === 'loading'
          ? 'The recognition models are still loading; try again shortly.'
          : 'Recognition is unavailable: the worker could not load its models.',
      );
    }
    const started = now();
    const r = state.recogniser;
    let plates: RecognitionJobResult['plates'];
    let stages: Record<string, number> | undefined;
    // the recogniser's own decode of the photo, reused by the colour step instead of decoding again
    let pixels: ColourPixels | undefined;
    try {
      if (r.recogniseWithTimings) {
        const out = await r.recogniseWithTimings(image, { ...data.options, keepPixels: true });
        plates = out.results;
        stages = { decode: out.timings.decode, detect: out.timings.detect, read: out.timings.read };
        observeStages(stages, r.info?.device);
        // the boxes are in the oriented photo's pixels; very large photos are decoded smaller
        if (out.pixels && out.width) pixels = { image: out.pixels, scale: out.pixels.width / out.width };
      } else {
        plates = await r.recognise(image, data.options);
      }
    } catch (err) {
      throw recognitionFailure(err);
    }
    // the client's thresholds: a plate under either is not reported (none left is NO_PLATES_FOUND, as for any photo)
    const { thresholdDetection, thresholdRead } = data.options;
    plates = plates.filter(
      (p) => (thresholdDetection === undefined || (p.detection_score ?? 1) >= thresholdDetection) && (thresholdRead === undefined || p.confidence >= thresholdRead),
    );
    const colourStarted = performance.now();
    try {
      plates = await observeColours(pixels ?? image, plates);
    } catch (err) {
      // a colour estimate is an extra: its failure must never fail the recognition
      deps.logger.warn({ err, requestId: data.requestId }, 'colour estimate failed; answering without observed_colour');
    }
    if (stages) stages.colour = performance.now() - colourStarted;
    const processing_time_ms = Math.round((now() - started) * 10) / 10;
    deps.logger.info({ requestId: data.requestId, jobId: job.id, plates: plates.length, processing_time_ms, stages }, 'recognised');
    return { plates, processing_time_ms };
  };
}
