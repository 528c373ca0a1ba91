import type { BoundingBox } from './detect-plates';
import type { Region } from './plate-formats';

// plain object types rather than interfaces: they must fit the contracts' open (looseObject) plate
// schema, which an interface, having no index signature, never does

/** One alternative reading of a plate. */
export type PlateCandidate = {
  plate: string;
  confidence: number;
};

/** One plate found in a photo, in the shape the API returns. */
export type PlateResult = {
  /** as the region prints it, e.g. `AB12 CDE` (gb), `ABC1D23` (br) */
  plate: string;
  /** 0..1; the reading's posterior among its candidates times the detection's belief that it is a plate */
  confidence: number;
  region: Region;
  /** axis-aligned box of the corners, integers, original-image pixels */
  bounding_box: BoundingBox;
  /** the detector's heatmap peak, 0..1 */
  detection_score: number;
  /** top-left, top-right, bottom-right, bottom-left in original-image pixels */
  corners: Array<[number, number]>;
  /** best readings first (the first is `plate`), at most topN; alternatives under 0.00005 are left out */
  candidates: PlateCandidate[];
};

/** Milliseconds spent per stage of one photo. */
export interface StageTimings {
  decode: number;
  detect: number;
  read: number;
  total: number;
}

export interface RecogniseOptions {
  /** region hint (`gb`, `us`, ...): bias the reading toward these regions' formats */
  regions?: string[] | string;
  /** how many candidate readings to return per plate (default 5) */
  topN?: number;
}

export interface RecogniseWithTimingsOptions extends RecogniseOptions {
  /**
   * also return the decoded pixels (`RecogniseOutcome.pixels`), so that a caller that looks at the
   * photo again (the worker's colour estimate) need not decode it a second time
   */
  keepPixels?: boolean;
}

/**
 * The photo as the recogniser decoded it: RGB, 3 bytes per pixel, rows top to bottom, EXIF
 * orientation applied. Its pixels share the results' coordinate system scaled by
 * `width / RecogniseOutcome.width`: 1 except for photos whose longer side is above `maxSourceSide`
 * (2560), which are decoded at that size.
 */
export interface DecodedPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

export interface RecogniseOutcome {
  results: PlateResult[];
  timings: StageTimings;
  /** size of the photo after EXIF orientation, in pixels */
  width: number;
  height: number;
  /** only when asked for with `keepPixels` */
  pixels?: DecodedPixels;
}
