import { solidImage } from '@npr/test-support';
import { sniffImageFormat, validateImage } from './validate-image';

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
});
