/**
 * Rectifying a plate: the homography from the reader's 128 x 32 rectangle to the plate's
 * quadrilateral in the photo, and a bilinear warp straight from the decoded RGB bytes into the
 * reader's float input (CHW, pixel / 255). Coordinates are continuous: pixel i covers [i, i + 1).
 */

export type Point = [number, number];
/** Corners in the order top-left, top-right, bottom-right, bottom-left. */
export type Quad = [Point, Point, Point, Point];

/** The 3x3 homography (row-major) that maps each `from[i]` onto `to[i]`; null if degenerate. */
export function solveHomography(from: Quad, to: Quad): Float64Array | null {
  // 8 unknowns (h33 = 1), two equations per correspondence; Gaussian elimination with pivoting
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i];
    const [u, v] = to[i];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (Math.abs(a[pivot][col]) < 1e-12) return null;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      if (f === 0) continue;
      for (let k = col; k < 9; k++) a[r][k] -= f * a[col][k];
    }
  }
  const h = new Float64Array(9);
  for (let i = 0; i < 8; i++) h[i] = a[i][8] / a[i][i];
  h[8] = 1;
  return h;
}

/** Applies a homography to a point. */
export function applyHomography(h: ArrayLike<number>, x: number, y: number): Point {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

/**
 * Widens a quad about its centre, by `fx` along the plate's width and `fy` along its height
 * (MODEL_IO.md: 1.10 and 1.25). Each corner's offset from the centre is written in the plate's own
 * axes (mean top/bottom edge, mean left/right edge) and those two components are scaled, which is
 * exact for parallelograms and keeps the perspective of general quads.
 */
export function widenQuad(q: Quad, fx = 1.1, fy = 1.25): Quad {
  const cx = (q[0][0] + q[1][0] + q[2][0] + q[3][0]) / 4;
  const cy = (q[0][1] + q[1][1] + q[2][1] + q[3][1]) / 4;
  const ux = (q[1][0] - q[0][0] + q[2][0] - q[3][0]) / 2;
  const uy = (q[1][1] - q[0][1] + q[2][1] - q[3][1]) / 2;
  const vx = (q[3][0] - q[0][0] + q[2][0] - q[1][0]) / 2;
  const vy = (q[3][1] - q[0][1] + q[2][1] - q[1][1]) / 2;
  const det = ux * vy - uy * vx;
  if (Math.abs(det) < 1e-9) return q.map(([x, y]) => [cx + (x - cx) * fx, cy + (y - cy) * fy]) as Quad;
  return q.map(([x, y]) => {
    const dx = x - cx;
    const dy = y - cy;
    // solve d = a*u + b*v
    const a = (dx * vy - dy * vx) / det;
    const b = (ux * dy - uy * dx) / det;
    return [cx + fx * a * ux + fy * b * vx, cy + fx * a * uy + fy * b * vy];
  }) as Quad;
}

/** The upper and lower halves of a quad, cut along its height (for two-line plates). */
export function splitQuad(q: Quad): [Quad, Quad] {
  const midL: Point = [(q[0][0] + q[3][0]) / 2, (q[0][1] + q[3][1]) / 2];
  const midR: Point = [(q[1][0] + q[2][0]) / 2, (q[1][1] + q[2][1]) / 2];
  return [
    [q[0], q[1], midR, midL],
    [midL, midR, q[2], q[3]],
  ];
}

/** Mean width over mean height of a quad (the plate's aspect ratio as the detector saw it). */
export function quadAspect(q: Quad): number {
  const d = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const w = (d(q[0], q[1]) + d(q[3], q[2])) / 2;
  const h = (d(q[0], q[3]) + d(q[1], q[2])) / 2;
  return h > 0 ? w / h : Infinity;
}

/**
 * Warps `quad` of an RGB image (HWC bytes) to an outW x outH rectangle, written as CHW floats in
 * [0, 1] at `outOffset` of `out`. Bilinear, edges clamped; when the plate is much larger than the
 * output, n x n bilinear samples per output pixel are averaged so that thin strokes do not alias.
 * Returns false (and writes nothing) for a degenerate quad.
 */
export function warpQuad(
  rgb: Uint8Array,
  width: number,
  height: number,
  quad: Quad,
  out: Float32Array,
  outOffset: number,
  outW = 128,
  outH = 32,
): boolean {
  const h = solveHomography(
    [
      [0, 0],
      [outW, 0],
      [outW, outH],
      [0, outH],
    ],
    quad,
  );
  if (!h) return false;
  const d = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const scale = Math.max(Math.max(d(quad[0], quad[1]), d(quad[3], quad[2])) / outW, Math.max(d(quad[0], quad[3]), d(quad[1], quad[2])) / outH);
  const n = Math.min(4, Math.max(1, Math.round(scale)));
  const plane = outW * outH;
  const maxX = width - 1;
  const maxY = height - 1;
  const norm = 1 / (255 * n * n);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < n; sy++) {
        const dy = y + (sy + 0.5) / n;
        for (let sx = 0; sx < n; sx++) {
          const dx = x + (sx + 0.5) / n;
          const w = h[6] * dx + h[7] * dy + h[8];
          // back to pixel-centre coordinates for interpolation
          let px = (h[0] * dx + h[1] * dy + h[2]) / w - 0.5;
          let py = (h[3] * dx + h[4] * dy + h[5]) / w - 0.5;
          if (px < 0) px = 0;
          else if (px > maxX) px = maxX;
          if (py < 0) py = 0;
          else if (py > maxY) py = maxY;
          const x0 = px | 0;
          const y0 = py | 0;
          const x1 = x0 < maxX ? x0 + 1 : x0;
          const y1 = y0 < maxY ? y0 + 1 : y0;
          const fx = px - x0;
          const fy = py - y0;
          const i00 = (y0 * width + x0) * 3;
          const i01 = (y0 * width + x1) * 3;
          const i10 = (y1 * width + x0) * 3;
          const i11 = (y1 * width + x1) * 3;
          const w00 = (1 - fx) * (1 - fy);
          const w01 = fx * (1 - fy);
          const w10 = (1 - fx) * fy;
          const w11 = fx * fy;
          r += rgb[i00] * w00 + rgb[i01] * w01 + rgb[i10] * w10 + rgb[i11] * w11;
          g += rgb[i00 + 1] * w00 + rgb[i01 + 1] * w01 + rgb[i10 + 1] * w10 + rgb[i11 + 1] * w11;
          b += rgb[i00 + 2] * w00 + rgb[i01 + 2] * w01 + rgb[i10 + 2] * w10 + rgb[i11 + 2] * w11;
        }
      }
      const o = outOffset + y * outW + x;
      out[o] = r * norm;
      out[o + plane] = g * norm;
      out[o + 2 * plane] = b * norm;
    }
  }
  return true;
}
