import type { ObservedColour } from '@npr/contracts';

/** The colour names the camera's estimate uses (the inference worker names them from pixels). */
export type PaletteColour = ObservedColour['name'];

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
