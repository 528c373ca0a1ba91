/**
 * The detector's side of the pipeline (MODEL_IO.md): letterbox geometry, the float input, and
 * decoding the heatmap + geometry maps into scored plate quadrilaterals in original-image pixels.
 */
import type { Quad } from './perspective-warp';

export const DETECTOR_STRIDE = 8;
/** corner offsets are predicted in units of 16 input pixels */
export const CORNER_UNIT = 16;

export interface Letterbox {
  /** the photo resized (aspect kept) so its longer side is the detector size, or as it is (see `letterbox`) */
  resizedWidth: number;
  resizedHeight: number;
  /** the model input: resized photo padded right/bottom with zeros to multiples of 32 */
  inputWidth: number;
  inputHeight: number;
  /** resized / original, per axis (rounding makes them differ slightly) */
  scaleX: number;
  scaleY: number;
}

/**
 * Where a width x height photo lands in the detector input of the given size. With `enlarge` false a
 * photo smaller than the size keeps its own pixels (only padded): see `PRIMARY_ENLARGES` in image-input.ts.
 */
export function letterbox(width: number, height: number, detectorSize: number, enlarge = true): Letterbox {
  const fit = detectorSize / Math.max(width, height);
  const s = enlarge ? fit : Math.min(1, fit);
  const resizedWidth = Math.max(1, Math.round(width * s));
  const resizedHeight = Math.max(1, Math.round(height * s));
  return {
    resizedWidth,
    resizedHeight,
    inputWidth: Math.ceil(resizedWidth / 32) * 32,
    inputHeight: Math.ceil(resizedHeight / 32) * 32,
    scaleX: resizedWidth / width,
    scaleY: resizedHeight / height,
  };
}

/** Whether the resized pixels must be padded to become the detector's input. */
export function needsPadding(lb: Letterbox): boolean {
  return lb.resizedWidth !== lb.inputWidth || lb.resizedHeight !== lb.inputHeight;
}

/**
 * The detector's input (MODEL_IO.md: uint8 RGB rows, [1, H, W, 3]) in `out`: the resized pixels,
 * padded right and bottom with zeros to the input size.
 */
export function padDetectorInput(rgb: Uint8Array, lb: Letterbox, out: Uint8Array): Uint8Array {
  const { resizedWidth: rw, resizedHeight: rh, inputWidth: W, inputHeight: H } = lb;
  if (rgb.length !== rw * rh * 3) throw new Error('resized pixels do not match the letterbox');
  if (out.length !== W * H * 3) throw new Error('detector input buffer has the wrong size');
  if (rw === W) {
    out.set(rgb);
    out.fill(0, rgb.length);
    return out;
  }
  out.fill(0);
  for (let y = 0; y < rh; y++) out.set(rgb.subarray(y * rw * 3, (y + 1) * rw * 3), y * W * 3);
  return out;
}

export interface BoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection {
  /** heatmap peak (0..1) */
  score: number;
  /** corners in original-image pixels: top-left, top-right, bottom-right, bottom-left */
  quad: Quad;
  /** axis-aligned box of the corners, integers, clamped to the image */
  box: BoundingBox;
}

export interface DecodeOptions {
  threshold: number;
  /** IoU above which the weaker of two overlapping detections is dropped */
  nmsIou: number;
  maxDetections: number;
  imageWidth: number;
  imageHeight: number;
}

/** Turns the detector maps into detections: 3x3 local maxima above threshold, corners, NMS. */
export function decodeDetections(
  heatmap: Float32Array,
  geometry: Float32Array,
  fh: number,
  fw: number,
  lb: Letterbox,
  opts: DecodeOptions,
): Detection[] {
  const plane = fh * fw;
  const peaks: Array<{ score: number; idx: number }> = [];
  for (let row = 0; row < fh; row++) {
    for (let col = 0; col < fw; col++) {
      const v = heatmap[row * fw + col];
      if (v < opts.threshold) continue;
      let isMax = true;
      for (let dy = -1; dy <= 1 && isMax; dy++) {
        const r = row + dy;
        if (r < 0 || r >= fh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const c = col + dx;
          if ((dx === 0 && dy === 0) || c < 0 || c >= fw) continue;
          if (heatmap[r * fw + c] > v) {
            isMax = false;
            break;
          }
        }
      }
      if (isMax) peaks.push({ score: v, idx: row * fw + col });
    }
  }
  peaks.sort((a, b) => b.score - a.score);
  const dets: Detection[] = [];
  for (const { score, idx } of peaks.slice(0, opts.maxDetections * 4)) {
    const row = Math.floor(idx / fw);
    const col = idx % fw;
    const cx = (col + geometry[idx]) * DETECTOR_STRIDE;
    const cy = (row + geometry[plane + idx]) * DETECTOR_STRIDE;
    const quad = [0, 1, 2, 3].map((k) => [
      (cx + geometry[(2 + 2 * k) * plane + idx] * CORNER_UNIT) / lb.scaleX,
      (cy + geometry[(3 + 2 * k) * plane + idx] * CORNER_UNIT) / lb.scaleY,
    ]) as Quad;
    const box = quadBox(quad, opts.imageWidth, opts.imageHeight);
    if (box.width < 2 || box.height < 2) continue;
    dets.push({ score, quad, box });
  }
  return nonMaxSuppression(dets, opts.nmsIou).slice(0, opts.maxDetections);
}

/** Axis-aligned integer box around a quad, clamped to the image. */
export function quadBox(q: Quad, imageWidth: number, imageHeight: number): BoundingBox {
  const xs = q.map((p) => p[0]);
  const ys = q.map((p) => p[1]);
  const x1 = clamp(Math.floor(Math.min(...xs)), 0, imageWidth);
  const y1 = clamp(Math.floor(Math.min(...ys)), 0, imageHeight);
  const x2 = clamp(Math.ceil(Math.max(...xs)), 0, imageWidth);
  const y2 = clamp(Math.ceil(Math.max(...ys)), 0, imageHeight);
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Intersection over union of two boxes. */
export function iou(a: BoundingBox, b: BoundingBox): number {
  const inter = intersection(a, b);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

function intersection(a: BoundingBox, b: BoundingBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Greedy NMS, strongest first. Also drops a box lying mostly inside a stronger one: a second peak
 * on the same plate (say on one line of a two-line plate) predicts a smaller box with a low IoU.
 */
export function nonMaxSuppression<T extends { score: number; box: BoundingBox }>(dets: T[], iouThreshold: number): T[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const d of sorted) {
    if (!kept.some((k) => samePlate(k.box, d.box, iouThreshold))) kept.push(d);
  }
  return kept;
}

/** Whether two boxes are taken for the same plate: IoU above the threshold, or one mostly inside the other. */
export function samePlate(a: BoundingBox, b: BoundingBox, iouThreshold: number): boolean {
  if (iou(a, b) > iouThreshold) return true;
  return intersection(a, b) > 0.7 * Math.min(a.width * a.height, b.width * b.height);
}
