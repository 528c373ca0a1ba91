import sharp from 'sharp';
import type { ObservedColour, PlateReading } from '@npr/contracts';
import { estimateVehicleColour, type RgbImage } from './estimate-vehicle-colour';

// Colour needs no detail: a capped decode (JPEG shrink-on-load) keeps this step to a few ms.
const MAX_SIDE = 1280;

/** A photo's pixels and their scale: image pixels per pixel of the plates' boxes. */
export type ColourPixels = { image: RgbImage; scale: number };

/** Decodes photo bytes to RGB (EXIF orientation applied, as the recogniser does), at most MAX_SIDE. */
export async function decodeForColour(bytes: Buffer): Promise<ColourPixels> {
  const meta = await sharp(bytes).metadata();
  const rotated = (meta.orientation ?? 1) >= 5;
  const fullWidth = (rotated ? meta.height : meta.width) ?? 0;
  const fullHeight = (rotated ? meta.width : meta.height) ?? 0;
  const { data, info } = await sharp(bytes)
    .rotate()
    .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const scale = fullWidth ? info.width / fullWidth : fullHeight ? info.height / fullHeight : 1;
  return { image: { data, width: info.width, height: info.height, channels: info.channels }, scale };
}

/**
 * Adds `observed_colour` to each plate read from `photo`: the body colour seen around the plate.
 * `photo` is the photo's bytes, or its pixels when the caller has them already (the recogniser
 * decoded the photo anyway; a second decode costs 5-100 ms). Plates whose surroundings are out of
 * the picture are returned unchanged.
 */
export async function addObservedColours<P extends PlateReading>(photo: Buffer | ColourPixels, plates: P[]): Promise<P[]> {
  if (plates.length === 0) return plates;
  const { image, scale } = Buffer.isBuffer(photo) ? await decodeForColour(photo) : photo;
  return plates.map((plate) => {
    const b = plate.bounding_box;
    const box = { x: Math.round(b.x * scale), y: Math.round(b.y * scale), width: Math.round(b.width * scale), height: Math.round(b.height * scale) };
    const observed: ObservedColour | null = estimateVehicleColour(image, box);
    return observed ? { ...plate, observed_colour: observed } : plate;
  });
}
