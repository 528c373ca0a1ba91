/**
 * Photo bytes to pixels: one decode (EXIF orientation applied) to RGB at full resolution for the
 * plate crops, and the detector's view of them: a downscaled copy, or the pixels themselves for a
 * photo no larger than the detector size.
 */
import sharp from 'sharp';
import { letterbox, type Letterbox } from './detect-plates';
import { RecognitionError } from './errors';
import type { RgbImage } from './read-plates';

export interface DecodedPhoto {
  /** size after EXIF orientation: the coordinate system of every result */
  width: number;
  height: number;
  /** pixels for the crops; smaller than width x height only for photos above `maxSourceSide` */
  source: RgbImage;
  /** source pixels per photo pixel (1 unless the photo was capped) */
  sourceScale: number;
  /** the photo resized for the detector at its main size */
  detector: DetectorView;
}

/** The photo resized for one detector size: RGB HWC, letterbox.resizedWidth x resizedHeight. */
export interface DetectorView {
  rgb: Uint8Array;
  letterbox: Letterbox;
}

/**
 * Whether the first detector pass enlarges photos smaller than its size. It does not: the detector
 * finds plates at their own scale (trained on plates 18-300 px wide), and sharp's enlargement (an affine
 * bicubic) took 8-16 ms per small photo, more than decoding it. On the dev photos, 50 of 199 are
 * smaller than 640 px; not enlarging them read the same plates (exact 91.4 %) with as many reads that
 * match no labelled plate (24 in all), and cut the p50 time from ~61 to ~55 ms. The second look at
 * 800 px still enlarges: that is what it is for.
 */
export const PRIMARY_ENLARGES = false;

/** Resizes the decoded pixels for a detector input of the given size (`enlarge`: see `letterbox`). */
export async function detectorView(source: RgbImage, width: number, height: number, size: number, enlarge = true): Promise<DetectorView> {
  const lb = letterbox(width, height, size, enlarge);
  // a photo at its own size is the input as it is
  if (lb.resizedWidth === source.width && lb.resizedHeight === source.height) return { rgb: source.data, letterbox: lb };
  const rgb = await sharp(source.data, { raw: { width: source.width, height: source.height, channels: 3 } })
    // the detector was trained on OpenCV INTER_AREA reductions (training/npr_train/scenes.py); of
    // sharp's kernels cubic came closest to it on dev photos (1.2 grey levels mean difference; an
    // exact area filter in JS cost 3x the time) and is cheaper than the default lanczos3
    .resize(lb.resizedWidth, lb.resizedHeight, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return { rgb, letterbox: lb };
}

/** Decodes and orients a photo; rejects with INVALID_IMAGE when the bytes are not an image. */
export async function decodePhoto(bytes: Uint8Array, detectorSize: number, maxSourceSide: number): Promise<DecodedPhoto> {
  try {
    // one decode (EXIF orientation applied; very large photos capped, which for JPEG is a cheap
    // shrink-on-load); the photo's own size is read separately only when the cap may have applied
    const full = await sharp(bytes, { failOn: 'error' })
      .rotate()
      .resize({ width: maxSourceSide, height: maxSourceSide, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (full.info.channels !== 3) throw new Error(`decoded to ${full.info.channels} channels`);
    const source: RgbImage = { data: full.data, width: full.info.width, height: full.info.height };
    let width = source.width;
    let height = source.height;
    if (Math.max(width, height) >= maxSourceSide) {
      const meta = await sharp(bytes).metadata();
      if (!meta.width || !meta.height) throw new Error('no image dimensions');
      // orientations 5-8 swap width and height
      const swap = (meta.orientation ?? 1) >= 5;
      width = swap ? meta.height : meta.width;
      height = swap ? meta.width : meta.height;
    }
    const primary = await detectorView(source, width, height, detectorSize, PRIMARY_ENLARGES);
    return { width, height, source, sourceScale: source.width / width, detector: primary };
  } catch (err) {
    if (err instanceof RecognitionError) throw err;
    throw new RecognitionError('INVALID_IMAGE', `the bytes could not be decoded as an image: ${(err as Error).message}`, { cause: err });
  }
}
