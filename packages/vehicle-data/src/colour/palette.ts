import type { ObservedColour } from '@npr/contracts';
import type { Lch } from './lab';

export type PaletteColour = ObservedColour['name'];

/**
 * Names the palette colour of one LCh colour. Thresholds are coarse on purpose: a car's paint
 * under daylight, shade and reflections spreads widely, and the palette is small.
 */
export function nameColour({ l, c, h }: Lch): PaletteColour {
  // black paint is neutral; dark blues keep a little chroma even in shade (sky reflections on
  // light paints add some too, hence the wider neutral band for blue hues when lighter)
  const bluish = h >= 200 && h < 300;
  const neutral = l < 30 ? c < (bluish ? 6 : 12) : c < (bluish ? 14 : 10);
  if (neutral) {
    if (l < 25) return 'black';
    if (l < 50) return 'grey';
    if (l < 74) return 'silver';
    return 'white';
  }
  if (h < 20 || h >= 330) return 'red';
  if (h < 50) return l < 40 && c < 35 ? 'brown' : 'red';
  if (h < 75) return c >= 35 ? 'orange' : l < 60 ? 'brown' : 'beige';
  if (h < 115) return c >= 35 ? 'yellow' : l < 60 ? 'brown' : 'beige';
  if (h < 185) return 'green';
  return 'blue';
}

// Registry colour words (DVLA's upper-case names, operators' own words) to the palette, for comparing
// a registry's colour with what the camera saw. Words that map to no palette colour compare as unknown.
const WORDS: Record<string, PaletteColour> = {
  black: 'black', white: 'white', cream: 'beige', ivory: 'beige', beige: 'beige', silver: 'silver', grey: 'grey', gray: 'grey',
  red: 'red', maroon: 'red', burgundy: 'red', pink: 'red', blue: 'blue', navy: 'blue', turquoise: 'blue', purple: 'blue',
  green: 'green', yellow: 'yellow', gold: 'beige', orange: 'orange', bronze: 'brown', brown: 'brown',
};

/** Maps a registry's colour name ("SILVER", "Dark Blue", "maroon") to the palette; null when unknown. */
export function paletteColourOf(word: string | null | undefined): PaletteColour | null {
  if (!word) return null;
  const tokens = word.toLowerCase().split(/[^a-z]+/).filter(Boolean);
  // the last known word is the colour: "dark blue", "metallic silver", "pearl white"
  for (let i = tokens.length - 1; i >= 0; i--) {
    const hit = WORDS[tokens[i]!];
    if (hit) return hit;
  }
  return null;
}

// Pairs that light, paint finish and the camera routinely swap; seeing one for the other is not a
// disagreement worth flagging as a possible cloned plate.
const NEIGHBOURS: ReadonlyArray<[PaletteColour, PaletteColour]> = [
  ['black', 'grey'], ['grey', 'silver'], ['silver', 'white'], ['white', 'beige'], ['beige', 'brown'], ['beige', 'yellow'],
  ['brown', 'orange'], ['orange', 'red'], ['orange', 'yellow'], ['yellow', 'green'], ['green', 'blue'], ['brown', 'red'],
  ['brown', 'grey'], ['beige', 'silver'], ['blue', 'grey'], ['blue', 'black'],
];

/** True when two palette colours are the same or neighbours that cameras routinely confuse. */
export function coloursCompatible(a: PaletteColour, b: PaletteColour): boolean {
  return a === b || NEIGHBOURS.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}
