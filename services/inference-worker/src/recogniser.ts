import type { PlateReading } from '@npr/contracts';

/** The recogniser as this worker uses it (implemented by @npr/recognition's createRecogniser). */
export type Recogniser = {
  recognise(bytes: Buffer, options?: { regions?: string[]; topN?: number }): Promise<PlateReading[]>;
  /**
   * The same with per-stage timings in ms (used for /metrics when the recogniser offers it) and,
   * with `keepPixels`, the photo as it decoded it (RGB, EXIF orientation applied; `pixels.width /
   * width` pixels per pixel of the boxes) for the colour estimate.
   */
  recogniseWithTimings?(
    bytes: Buffer,
    options?: { regions?: string[]; topN?: number; keepPixels?: boolean },
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
 * Loads the real recogniser (ONNX models) from @npr/recognition. Imported lazily so that a missing
 * or broken model package is reported as "not ready" instead of crashing the process at import.
 */
export async function loadRecogniser(options: Record<string, unknown> = {}): Promise<Recogniser> {
  // a variable specifier keeps the type checker from requiring the package's sources to exist yet
  const specifier = '@npr/recognition';
  const mod = (await import(specifier)) as {
    createRecogniser?: (options?: Record<string, unknown>) => Promise<Recogniser>;
  };
  if (typeof mod.createRecogniser !== 'function') {
    throw new Error('@npr/recognition does not export createRecogniser (yet)');
  }
  return mod.createRecogniser(options);
}
