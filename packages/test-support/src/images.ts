import sharp from 'sharp';

type Format = 'jpeg' | 'png' | 'webp';
type Rgb = { r: number; g: number; b: number };

/** A plain image generated at test time (no third-party photos in the repository). */
export async function solidImage(options: { width?: number; height?: number; colour?: Rgb; format?: Format } = {}): Promise<Buffer> {
  const { width = 640, height = 480, colour = { r: 128, g: 128, b: 128 }, format = 'jpeg' } = options;
  return sharp({ create: { width, height, channels: 3, background: colour } })[format]().toBuffer();
}

/** The colour of an image's top-left pixel (test doubles of the recogniser key their answers on it). */
export async function topLeftColour(bytes: Buffer): Promise<Rgb> {
  const { data } = await sharp(bytes).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
  return { r: data[0]!, g: data[1]!, b: data[2]! };
}

/** An image whose pixels are random (incompressible), to reach a given file size. */
export async function noiseImage(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (Math.random() * 256) | 0;
  return sharp(raw, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
}
