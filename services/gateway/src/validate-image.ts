import sharp from 'sharp';
import { AppError, UPLOAD_LIMITS } from '@npr/contracts';

export type ImageInfo = { format: 'jpeg' | 'png' | 'webp'; width: number; height: number };

/** Recognises JPEG, PNG and WebP by their first bytes; the file name and declared type are ignored. */
export function sniffImageFormat(bytes: Buffer): ImageInfo['format'] | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

// the IEND chunk's type and its fixed CRC: the last 8 bytes of every whole PNG
const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/**
 * Checks that the bytes are a whole JPEG/PNG/WebP of at least 320x240 and not a decompression
 * bomb. Throws INVALID_IMAGE otherwise. Decoding at a reduced size catches truncated files cheaply
 * (JPEG shrink-on-load) without holding a full-size bitmap in the gateway.
 */
export async function validateImage(bytes: Buffer): Promise<ImageInfo> {
  const format = sniffImageFormat(bytes);
  if (!format) throw new AppError('INVALID_IMAGE', 'The file is not a supported image format (JPEG, PNG or WebP).');
  // libpng decodes every pixel of a PNG cut short just before its end chunk without a complaint
  if (format === 'png' && bytes.lastIndexOf(PNG_END) === -1) throw new AppError('INVALID_IMAGE', 'The image is corrupt or truncated.');
  const options = { limitInputPixels: UPLOAD_LIMITS.maxPixels, failOn: 'truncated' as const };
  let width: number, height: number;
  try {
    const meta = await sharp(bytes, options).metadata();
    if (meta.format !== format || !meta.width || !meta.height) throw new Error('format mismatch');
    ({ width, height } = meta);
  } catch {
    throw new AppError('INVALID_IMAGE', 'The uploaded file is not a valid image.');
  }
  if (width * height > UPLOAD_LIMITS.maxPixels) {
    throw new AppError('INVALID_IMAGE', `The image has too many pixels (at most ${UPLOAD_LIMITS.maxPixels}).`);
  }
  const [long, short] = width >= height ? [width, height] : [height, width];
  if (long < UPLOAD_LIMITS.minWidth || short < UPLOAD_LIMITS.minHeight) {
    throw new AppError('INVALID_IMAGE', `The image is ${width}x${height}; the minimum resolution is ${UPLOAD_LIMITS.minWidth}x${UPLOAD_LIMITS.minHeight}.`);
  }
  try {
    await sharp(bytes, options).resize(64, 64, { fit: 'inside' }).raw().toBuffer();
  } catch {
    throw new AppError('INVALID_IMAGE', 'The image is corrupt or truncated.');
  }
  return { format, width, height };
}
