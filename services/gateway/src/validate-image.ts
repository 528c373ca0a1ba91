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
 * Whether a JPEG's bytes run to its end-of-image marker: the marker segments are walked by their
 * lengths (so an EXIF thumbnail's own end marker inside APP1 is skipped, not mistaken for the photo's)
 * and each scan's entropy-coded data is scanned for the next marker (0xFF not followed by a stuffed
 * 0x00 or a restart marker). A file cut short anywhere ends before an EOI; bytes after EOI are allowed
 * (some cameras append data). No pixel is decoded: the worker's one decode finds corrupt scans.
 */
export function jpegIsWhole(b: Buffer): boolean {
  let i = 2; // after SOI
  while (i + 2 <= b.length) {
    if (b[i] !== 0xff) return false;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // a fill byte before the marker
      continue;
    }
    if (marker === 0xd9) return true;
    // markers without a length: TEM and the restart markers
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (i + 4 > b.length) return false;
    const length = b.readUInt16BE(i + 2);
    if (length < 2) return false;
    i += 2 + length;
    if (marker !== 0xda) continue;
    // start of scan: entropy-coded data up to the next real marker
    for (;;) {
      i = b.indexOf(0xff, i);
      if (i === -1 || i + 1 >= b.length) return false;
      const next = b[i + 1]!;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) i += 2;
      else if (next === 0xff) i += 1;
      else break;
    }
  }
  return false;
}

/**
 * Whether a WebP's bytes are as long as its RIFF header says, and its chunks (each a 4-byte type, a
 * little-endian length and the payload padded to an even length) fill exactly that length.
 */
export function webpIsWhole(b: Buffer): boolean {
  if (b.length < 20) return false;
  const end = 8 + b.readUInt32LE(4);
  if (end > b.length) return false;
  let i = 12;
  while (i + 8 <= end) {
    const size = b.readUInt32LE(i + 4);
    i += 8 + size + (size & 1);
  }
  return i === end;
}

/** Whether the bytes of a sniffed image are whole (not cut short), by their structure alone. */
export function isWhole(format: ImageInfo['format'], bytes: Buffer): boolean {
  switch (format) {
    case 'jpeg':
      return jpegIsWhole(bytes);
    case 'png':
      // libpng decodes every pixel of a PNG cut short just before its end chunk without a complaint
      return bytes.lastIndexOf(PNG_END) !== -1;
    case 'webp':
      return webpIsWhole(bytes);
  }
}

/**
 * Checks that the bytes are a whole JPEG/PNG/WebP of at least 320x240 and not a decompression
 * bomb. Throws INVALID_IMAGE otherwise. Nothing is decoded here: the size comes from the headers
 * (sharp's metadata) and truncation is found by the file's structure (isWhole), so the inference
 * worker's decode is the only one an image gets; a scan that is corrupt inside a whole file is its
 * INVALID_IMAGE.
 */
export async function validateImage(bytes: Buffer): Promise<ImageInfo> {
  const format = sniffImageFormat(bytes);
  if (!format) throw new AppError('INVALID_IMAGE', 'The file is not a supported image format (JPEG, PNG or WebP).');
  if (!isWhole(format, bytes)) throw new AppError('INVALID_IMAGE', 'The image is corrupt or truncated.');
  let width: number, height: number;
  try {
    const meta = await sharp(bytes, { limitInputPixels: UPLOAD_LIMITS.maxPixels }).metadata();
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
  return { format, width, height };
}
