import type { PlateReading, RecogniseOptions } from '@npr/contracts';
import type { RecogniserOptions } from '@npr/recognition';

/**
 * What the recognition processor needs of a recogniser: @npr/recognition's (loadRecogniser below
 * returns one, so the compiler checks that it fits) or a test double that only answers `recognise`.
 */
export type Recogniser = {
  recognise(bytes: Buffer, options?: RecogniseOptions): Promise<PlateReading[]>;
  /**
   * The same with per-stage timings in ms (used for /metrics when the recogniser offers it) and,
   * with `keepPixels`, the photo as it decoded it (RGB, EXIF orientation applied; `pixels.width /
   * width` pixels per pixel of the boxes) for the colour estimate.
   */
  recogniseWithTimings?(
    bytes: Buffer,
    options?: RecogniseOptions & { keepPixels?: boolean },
  ): Promise<{
    results: PlateReading[];
    timings: { decode: number; detect: number; read: number; total: number };
    /** the photo's size after EXIF orientation: the boxes' coordinate system */
    width?: number;
    pixels?: { data: Uint8Array; width: number; height: number; channels: number };
  }>;
  info?: { device?: string };
  close(): Promise<void>;
};

/**
 * Loads the real recogniser: both ONNX models, warmed up. @npr/recognition is imported on first use
 * so that the tests that pass a test double (and the worker's health server) never wait for it.
 */
export async function loadRecogniser(options: RecogniserOptions = {}): Promise<Recogniser> {
  const { createRecogniser } = await import('@npr/recognition');
  return createRecogniser(options);
}
