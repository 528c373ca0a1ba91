import sharp from 'sharp';
import { decodePhoto, detectorView } from './image-input';

/** A 400x300 grey photo, upright, with a red block in its lower-left corner (x 40..120, y 200..260). */
async function uprightPhoto(): Promise<Buffer> {
  const red = await sharp({ create: { width: 80, height: 60, channels: 3, background: { r: 220, g: 20, b: 20 } } }).png().toBuffer();
  return sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite([{ input: red, left: 40, top: 200 }])
    .png()
    .toBuffer();
}

function pixelAt(rgb: { data: Uint8Array; width: number }, x: number, y: number): number[] {
  const i = (y * rgb.width + x) * 3;
  return [...rgb.data.subarray(i, i + 3)];
}

const isRed = ([r, g, b]: number[]) => r > 180 && g < 70 && b < 70;

describe('decodePhoto', () => {
  // Boxes are found in the oriented photo, and the recogniser hands its decoded pixels on (keepPixels)
  // for the colour estimate around those boxes: the pixels must be upright too. Each photo here is
  // stored turned and tagged with the EXIF orientation that turns it back.
  it.each([
    [3, 180],
    [6, -90],
    [8, 90],
  ])('applies EXIF orientation %i to the pixels as to the size', async (orientation, storedTurn) => {
    const stored = await sharp(await uprightPhoto()).rotate(storedTurn).withMetadata({ orientation }).jpeg({ quality: 95 }).toBuffer();
    const photo = await decodePhoto(stored, 640, 2560);
    expect({ width: photo.width, height: photo.height }).toEqual({ width: 400, height: 300 });
    expect({ width: photo.source.width, height: photo.source.height, scale: photo.sourceScale }).toEqual({ width: 400, height: 300, scale: 1 });
    expect(isRed(pixelAt(photo.source, 80, 230))).toBe(true); // the block, where the upright photo has it
    for (const [x, y] of [[320, 70], [320, 230], [80, 70]]) expect(isRed(pixelAt(photo.source, x, y))).toBe(false);
  });

  it('gives the detector a small photo at its own size and reduces a large one to the detector size', async () => {
    const small = await decodePhoto(await uprightPhoto(), 640, 2560);
    expect(small.detector.letterbox).toMatchObject({ resizedWidth: 400, resizedHeight: 300, inputWidth: 416, inputHeight: 320, scaleX: 1, scaleY: 1 });
    expect(small.detector.rgb).toBe(small.source.data);
    const large = await decodePhoto(await sharp({ create: { width: 1280, height: 720, channels: 3, background: { r: 9, g: 9, b: 9 } } }).jpeg().toBuffer(), 640, 2560);
    expect(large.detector.letterbox).toMatchObject({ resizedWidth: 640, resizedHeight: 360, scaleX: 0.5 });
    expect(large.detector.rgb.length).toBe(640 * 360 * 3);
  });

  it('enlarges a small photo for the second look, whose larger scale is the point of it', async () => {
    const photo = await decodePhoto(await uprightPhoto(), 640, 2560);
    const view = await detectorView(photo.source, photo.width, photo.height, 800);
    expect(view.letterbox).toMatchObject({ resizedWidth: 800, resizedHeight: 600, scaleX: 2 });
    expect(view.rgb.length).toBe(800 * 600 * 3);
    expect(isRed(pixelAt({ data: view.rgb, width: 800 }, 160, 460))).toBe(true); // the block, twice as far in
  });

  it('decodes photos above maxSourceSide at that size, with the scale to the photo', async () => {
    const big = await sharp({ create: { width: 3000, height: 1000, channels: 3, background: { r: 10, g: 20, b: 30 } } }).jpeg().toBuffer();
    const photo = await decodePhoto(big, 640, 2560);
    expect({ width: photo.width, height: photo.height }).toEqual({ width: 3000, height: 1000 });
    expect({ width: photo.source.width, height: photo.source.height }).toEqual({ width: 2560, height: 853 });
    expect(photo.sourceScale).toBeCloseTo(2560 / 3000, 6);
  });
});
