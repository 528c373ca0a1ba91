import { applyHomography, quadAspect, solveHomography, splitQuad, warpQuad, widenQuad, type Quad } from './perspective-warp';

const rect = (x: number, y: number, w: number, h: number): Quad => [
  [x, y],
  [x + w, y],
  [x + w, y + h],
  [x, y + h],
];

describe('perspective warp', () => {
  it('solves a homography that maps each corner exactly', () => {
    const from = rect(0, 0, 128, 32);
    const to: Quad = [
      [10, 20],
      [200, 35],
      [190, 90],
      [5, 70],
    ];
    const h = solveHomography(from, to)!;
    from.forEach((p, i) => {
      const [x, y] = applyHomography(h, p[0], p[1]);
      expect(x).toBeCloseTo(to[i][0], 6);
      expect(y).toBeCloseTo(to[i][1], 6);
    });
  });

  it('returns null for a degenerate quad', () => {
    expect(solveHomography(rect(0, 0, 128, 32), [[1, 1], [1, 1], [1, 1], [1, 1]])).toBeNull();
  });

  it('samples an axis-aligned crop at pixel centres, box-averaging when shrinking 2x', () => {
    // red channel = x, so the expected value of an output pixel is the mean x under it
    const W = 256;
    const H = 64;
    const img = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img[(y * W + x) * 3] = x;
    const out = new Float32Array(3 * 128 * 32);
    expect(warpQuad(img, W, H, rect(0, 0, 256, 64), out, 0)).toBe(true);
    for (const ox of [0, 10, 63, 100, 127]) expect(out[5 * 128 + ox] * 255).toBeCloseTo(2 * ox + 0.5, 3);
    expect(out[128 * 32 + 5]).toBe(0); // green plane untouched
  });

  it('follows the corner order: a quad given right-to-left mirrors the crop', () => {
    const W = 100;
    const H = 20;
    const img = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img[(y * W + x) * 3 + (x < 50 ? 0 : 2)] = 255; // red | blue
    const out = new Float32Array(3 * 128 * 32);
    const mirrored: Quad = [
      [100, 0],
      [0, 0],
      [0, 20],
      [100, 20],
    ];
    warpQuad(img, W, H, mirrored, out, 0);
    const plane = 128 * 32;
    expect(out[16 * 128 + 5 + 2 * plane]).toBeCloseTo(1, 5); // left of the crop: blue
    expect(out[16 * 128 + 120]).toBeCloseTo(1, 5); // right: red
  });

  it('clamps samples outside the photo to its edge', () => {
    const img = new Uint8Array(4 * 4 * 3).fill(200);
    const out = new Float32Array(3 * 128 * 32);
    warpQuad(img, 4, 4, rect(-10, -10, 30, 30), out, 0);
    expect(Math.min(...out)).toBeCloseTo(200 / 255, 5);
  });

  it('writes at the batch offset it is given', () => {
    const img = new Uint8Array(8 * 8 * 3).fill(255);
    const out = new Float32Array(2 * 3 * 128 * 32);
    warpQuad(img, 8, 8, rect(0, 0, 8, 8), out, 3 * 128 * 32);
    expect(out[0]).toBe(0);
    expect(out[3 * 128 * 32]).toBeCloseTo(1, 5);
  });

  it('widens a quad by 1.10 along the plate and 1.25 across it, also when the plate is rotated', () => {
    expect(widenQuad(rect(0, 0, 100, 20))).toEqual(rect(-5, -2.5, 110, 25).map(([x, y]) => [expect.closeTo(x, 9), expect.closeTo(y, 9)]));
    // the same plate rotated 90 degrees: its width now runs down the image
    const rotated: Quad = [
      [20, 0],
      [20, 100],
      [0, 100],
      [0, 0],
    ];
    const w = widenQuad(rotated);
    expect(w[0][1]).toBeCloseTo(-5, 9);
    expect(w[0][0]).toBeCloseTo(22.5, 9);
  });

  it('splits a quad into upper and lower halves and measures its aspect', () => {
    const [upper, lower] = splitQuad(rect(0, 0, 60, 40));
    expect(upper).toEqual(rect(0, 0, 60, 20));
    expect(lower).toEqual(rect(0, 20, 60, 20));
    expect(quadAspect(rect(0, 0, 520, 111))).toBeCloseTo(4.68, 2);
  });
});
