/** Test helper: CTC frame probabilities from a readable spec, for decode and rescoring tests. */
import { ALPHABET } from '../plate-formats';

export const C = ALPHABET.length + 1;

/**
 * One frame per entry: '-' is blank, a character is that class, and an object spreads the frame
 * over several classes (the rest of the mass goes evenly to every other class).
 */
export function frames(spec: Array<string | Record<string, number>>, peak = 0.995): Float32Array {
  const probs = new Float32Array(spec.length * C);
  spec.forEach((f, t) => {
    const dist: Record<string, number> = typeof f === 'string' ? { [f]: peak } : f;
    let used = 0;
    for (const p of Object.values(dist)) used += p;
    const rest = (1 - used) / (C - Object.keys(dist).length);
    for (let c = 0; c < C; c++) probs[t * C + c] = rest;
    for (const [k, p] of Object.entries(dist)) probs[t * C + (k === '-' ? 0 : ALPHABET.indexOf(k) + 1)] = p;
  });
  return probs;
}

/** Frames spelling `text` with a blank between characters, padded with blanks to T frames. */
export function spell(text: string, T = 32): string[] {
  const spec = ['-'];
  for (const ch of text) spec.push(ch, '-');
  while (spec.length < T) spec.push('-');
  return spec.slice(0, T);
}
