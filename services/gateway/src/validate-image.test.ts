import sharp from 'sharp';
import { noiseImage, solidImage } from '@npr/test-support';
import { isWhole, jpegIsWhole, sniffImageFormat, validateImage, webpIsWhole } from './validate-image';

describe('validateImage', () => {
  test.each(['jpeg', 'png', 'webp'] as const)('accepts a %s of 320x240 or more', async (format) => {
    expect(await validateImage(await solidImage({ width: 320, height: 240, format }))).toEqual({ format, width: 320, height: 240 });
  });

  test('accepts portrait photos (240x320)', async () => {
    await expect(validateImage(await solidImage({ width: 240, height: 320 }))).resolves.toMatchObject({ width: 240 });
  });

  test.each([
    ['too narrow', { width: 319, height: 240 }],
    ['too short', { width: 640, height: 200 }],
  ])('rejects images %s', async (_, size) => {
    await expect(validateImage(await solidImage(size))).rejects.toMatchObject({ code: 'INVALID_IMAGE', status: 400 });
  });

  test('rejects other formats and junk by their bytes', async () => {
    await expect(validateImage(Buffer.from('GIF89a......'))).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    await expect(validateImage(Buffer.alloc(0))).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    // a JPEG signature followed by garbage
    await expect(validateImage(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 7)]))).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
  });

  test.each(['jpeg', 'png', 'webp'] as const)('rejects a %s cut short anywhere, even by its last byte', async (format) => {
    const whole = await solidImage({ width: 640, height: 480, format });
    for (const cut of [1, 2, 8, 12, Math.floor(whole.length / 2)]) {
      await expect(validateImage(whole.subarray(0, whole.length - cut))).rejects.toMatchObject({ code: 'INVALID_IMAGE', status: 400 });
    }
  });

  test('rejects decompression bombs without decoding them', async () => {
    // a 10000x10000 PNG is tiny on disk but 100 megapixels: over the limit
    const sharp = (await import('sharp')).default;
    const bomb = await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#000' } }).png().toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expect(validateImage(bomb)).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
  });

  test('sniffs formats by magic bytes', () => {
    expect(sniffImageFormat(Buffer.from([0xff, 0xd8, 0xff, 0xdb]))).toBe('jpeg');
    expect(sniffImageFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'))).toBe('webp');
    expect(sniffImageFormat(Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1'))).toBeNull();
  });

  describe('finds truncation by structure, without decoding', () => {
    // noise makes entropy-coded data full of 0xFF bytes (stuffed as FF 00), the case a naive scan gets wrong
    let noise: Buffer;
    beforeAll(async () => {
      noise = await noiseImage(400, 300);
    });
    const jpegs = () => ({
      baseline: sharp(noise).jpeg({ quality: 90 }).toBuffer(),
      progressive: sharp(noise).jpeg({ quality: 90, progressive: true }).toBuffer(),
    });

    test.each(['baseline', 'progressive'] as const)('a whole %s JPEG is whole; cut anywhere in its scans it is not', async (kind) => {
      const whole = await jpegs()[kind];
      expect(jpegIsWhole(whole)).toBe(true);
      for (const keep of [0.1, 0.3, 0.5, 0.7, 0.9, 0.999]) {
        const cut = whole.subarray(0, Math.floor(whole.length * keep));
        expect(jpegIsWhole(cut)).toBe(false);
        await expect(validateImage(cut)).rejects.toMatchObject({ code: 'INVALID_IMAGE', status: 400 });
      }
    });

    test('an end-of-image marker inside an application segment (an EXIF thumbnail) does not make a cut JPEG whole', async () => {
      const photo = await jpegs().baseline;
      const thumbnail = await solidImage({ width: 16, height: 16 });
      // SOI, then an APP15 segment carrying a complete JPEG (FF D8 ... FF D9), then the photo's own segments
      const app = Buffer.concat([Buffer.from([0xff, 0xef]), Buffer.alloc(2), thumbnail]);
      app.writeUInt16BE(app.length - 2, 2);
      const withThumbnail = Buffer.concat([photo.subarray(0, 2), app, photo.subarray(2)]);
      expect(jpegIsWhole(withThumbnail)).toBe(true);
      await expect(validateImage(withThumbnail)).resolves.toMatchObject({ format: 'jpeg', width: 400, height: 300 });
      const cut = withThumbnail.subarray(0, withThumbnail.length - 100);
      expect(cut.includes(Buffer.from([0xff, 0xd9]))).toBe(true);
      expect(jpegIsWhole(cut)).toBe(false);
    });

    test('bytes after a JPEG end-of-image marker are allowed (cameras append data there)', async () => {
      const whole = await jpegs().baseline;
      await expect(validateImage(Buffer.concat([whole, Buffer.from('trailer data')]))).resolves.toMatchObject({ format: 'jpeg' });
    });

    test.each([
      ['lossy', { quality: 80 }],
      ['lossless', { lossless: true }],
    ] as const)('a whole %s WebP is whole; cut anywhere, or with a RIFF length past its end, it is not', async (_, options) => {
      const whole = await sharp(noise).webp(options).toBuffer();
      expect(webpIsWhole(whole)).toBe(true);
      for (const keep of [0.2, 0.5, 0.9, 0.999]) {
        const cut = whole.subarray(0, Math.floor(whole.length * keep));
        expect(webpIsWhole(cut)).toBe(false);
        await expect(validateImage(cut)).rejects.toMatchObject({ code: 'INVALID_IMAGE', status: 400 });
      }
      const longer = Buffer.from(whole);
      longer.writeUInt32LE(longer.readUInt32LE(4) + 2, 4);
      expect(webpIsWhole(longer)).toBe(false);
    });

    test('a whole file whose scan data is damaged passes here: the worker decode is the one that finds it', async () => {
      const whole = await jpegs().baseline;
      const damaged = Buffer.from(whole);
      // overwrite the middle of the scan with bytes that are not markers
      damaged.fill(0x55, Math.floor(damaged.length * 0.4), Math.floor(damaged.length * 0.6));
      expect(isWhole('jpeg', damaged)).toBe(true);
      await expect(validateImage(damaged)).resolves.toMatchObject({ format: 'jpeg' });
    });
  });
});
