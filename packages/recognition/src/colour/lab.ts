// sRGB (8-bit) to CIE L*a*b* (D65) and its polar form, LCh: a perceptual space in which distances
// and thresholds mean roughly the same everywhere (RGB distances do not).

const LINEAR = new Float64Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  LINEAR[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (t * 24389) / 27 / 116 + 16 / 116);

export type Lab = [number, number, number];
export type Lch = { l: number; c: number; h: number };

/** Converts an 8-bit sRGB colour to CIE L*a*b* (L 0..100). */
export function rgbToLab(r: number, g: number, b: number): Lab {
  const R = LINEAR[r]!, G = LINEAR[g]!, B = LINEAR[b]!;
  const x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const fy = f(y);
  return [116 * fy - 16, 500 * (f(x) - fy), 200 * (fy - f(z))];
}

/** L*a*b* to lightness, chroma and hue angle (degrees, 0..360). */
export function labToLch([l, a, b]: Lab): Lch {
  const h = (Math.atan2(b, a) * 180) / Math.PI;
  return { l, c: Math.hypot(a, b), h: h < 0 ? h + 360 : h };
}
