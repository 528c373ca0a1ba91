import { decodeDetections, iou, letterbox, needsPadding, nonMaxSuppression, padDetectorInput, quadBox, samePlate } from './detect-plates';

describe('detector pre- and post-processing', () => {
  it('resizes the long side to the detector size and pads to multiples of 32', () => {
    expect(letterbox(1280, 720, 640)).toEqual({ resizedWidth: 640, resizedHeight: 360, inputWidth: 640, inputHeight: 384, scaleX: 0.5, scaleY: 0.5 });
    expect(letterbox(720, 1280, 640)).toMatchObject({ resizedWidth: 360, resizedHeight: 640, inputWidth: 384, inputHeight: 640 });
    // by default small photos are enlarged (the 800 px second look); without `enlarge` (the first
    // pass) they keep their own size and are only padded
    expect(letterbox(500, 300, 640)).toMatchObject({ resizedWidth: 640, resizedHeight: 384, inputWidth: 640, inputHeight: 384 });
    expect(letterbox(500, 300, 640, false)).toMatchObject({ resizedWidth: 500, resizedHeight: 300, inputWidth: 512, inputHeight: 320, scaleX: 1, scaleY: 1 });
    expect(letterbox(1280, 720, 640, false)).toMatchObject({ resizedWidth: 640, resizedHeight: 360 });
  });

  it('pads the RGB rows with zeros right and bottom to the input size', () => {
    const lb = letterbox(40, 20, 40); // 40x20 -> input 64x32
    expect(needsPadding(lb)).toBe(true);
    const rgb = new Uint8Array(40 * 20 * 3).map((_, i) => 100 + (i % 100));
    const out = padDetectorInput(rgb, lb, new Uint8Array(64 * 32 * 3).fill(7));
    expect(Array.from(out.subarray(0, 40 * 3))).toEqual(Array.from(rgb.subarray(0, 40 * 3))); // first row
    expect(out[40 * 3]).toBe(0); // right padding
    expect(Array.from(out.subarray(19 * 64 * 3, 19 * 64 * 3 + 120))).toEqual(Array.from(rgb.subarray(19 * 120, 20 * 120))); // last row
    expect(out[20 * 64 * 3]).toBe(0); // bottom padding
    expect(out.includes(7)).toBe(false); // nothing of the reused buffer is left
    // only the bottom to pad (a 16:9 photo): the rows are copied whole
    const wide = letterbox(1280, 720, 640);
    const full = padDetectorInput(new Uint8Array(640 * 360 * 3).fill(9), wide, new Uint8Array(640 * 384 * 3).fill(7));
    expect(full[640 * 360 * 3 - 1]).toBe(9);
    expect(full[640 * 360 * 3]).toBe(0);
    expect(needsPadding(letterbox(640, 384, 640))).toBe(false);
  });

  it('decodes a heatmap peak into corners in original pixels', () => {
    const fh = 4;
    const fw = 6;
    const plane = fh * fw;
    const heat = new Float32Array(plane);
    heat[1 * fw + 2] = 0.9; // the peak
    heat[1 * fw + 3] = 0.6; // its neighbour: not a local maximum
    heat[3 * fw + 5] = 0.2; // below threshold
    const geom = new Float32Array(10 * plane);
    const at = (ch: number, v: number) => (geom[ch * plane + 1 * fw + 2] = v);
    at(0, 0.5);
    at(1, 0.5); // centre (20, 12) in input pixels
    const corners = [-2, -0.5, 2, -0.5, 2, 0.5, -2, 0.5]; // 64 x 16 px around it
    corners.forEach((v, k) => at(2 + k, v));
    const lb = letterbox(96, 64, 48); // scale 0.5: original = input * 2
    const dets = decodeDetections(heat, geom, fh, fw, lb, { threshold: 0.3, nmsIou: 0.3, maxDetections: 10, imageWidth: 96, imageHeight: 64 });
    expect(dets).toHaveLength(1);
    expect(dets[0].score).toBeCloseTo(0.9, 6);
    expect(dets[0].quad).toEqual([
      [-24, 8],
      [104, 8],
      [104, 40],
      [-24, 40],
    ]);
    expect(dets[0].box).toEqual({ x: 0, y: 8, width: 96, height: 32 }); // clamped to the photo
  });

  it('suppresses overlapping and nested detections, strongest first', () => {
    const d = (score: number, x: number, y: number, width: number, height: number) => ({ score, box: { x, y, width, height } });
    const kept = nonMaxSuppression(
      [d(0.5, 2, 0, 100, 30), d(0.9, 0, 0, 100, 30), d(0.8, 10, 5, 40, 10), d(0.7, 300, 300, 50, 20)],
      0.3,
    );
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7]);
  });

  it('takes overlapping or nested boxes for the same plate, and apart ones for two', () => {
    const plate = { x: 0, y: 0, width: 100, height: 30 };
    expect(samePlate(plate, { x: 20, y: 0, width: 100, height: 30 }, 0.3)).toBe(true);
    expect(samePlate(plate, { x: 10, y: 5, width: 40, height: 10 }, 0.3)).toBe(true); // one line of it
    expect(samePlate(plate, { x: 80, y: 0, width: 100, height: 30 }, 0.3)).toBe(false);
    expect(samePlate(plate, { x: 300, y: 300, width: 50, height: 20 }, 0.3)).toBe(false);
  });

  it('measures IoU and boxes around quads', () => {
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(50 / 150, 9);
    expect(quadBox([[1.2, 2.7], [10.5, 2], [10, 8.1], [1, 8]], 100, 100)).toEqual({ x: 1, y: 2, width: 10, height: 7 });
  });
});
