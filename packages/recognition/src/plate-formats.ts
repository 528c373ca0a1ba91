/**
 * Plate formats per region, as data. A format is a small pattern: a character class followed by an
 * optional count (`A{2}`, `9{1,4}`), with a space or dash where the region prints one. The same
 * pattern drives matching (is this reading a valid plate of that region?), repair (which positions
 * must be a letter or a digit?) and display (`AB12CDE` -> `AB12 CDE`).
 */

/** Region classes of the reader's region head, in the model's output order (MODEL_IO.md). */
export const REGIONS = ['gb', 'de', 'fr', 'nl', 'pl', 'sk', 'cz', 'it', 'es', 'eu', 'us', 'br'] as const;
export type Region = (typeof REGIONS)[number];

/** The reader's alphabet: class i + 1 is ALPHABET[i]; class 0 is the CTC blank. */
export const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

/** Character classes usable in patterns. Narrow classes (UK, Spain) make repair decisions sharper. */
const CLASSES: Record<string, string> = {
  A: LETTERS,
  '9': DIGITS,
  X: LETTERS + DIGITS,
  // UK current and dateless series never issue I or Q in the random letters
  L: LETTERS.replace(/[IQ]/g, ''),
  // UK prefix/suffix year letters: I, O, Q, U and Z were never used
  P: LETTERS.replace(/[IOQUZ]/g, ''),
  // Spanish national series: consonants only, no Q (and no Ñ, which is not in the alphabet anyway)
  C: 'BCDFGHJKLMNPRSTVWXYZ',
  // German suffix for electric (E) and historic (H) vehicles
  E: 'EH',
};

export interface PlateTemplate {
  /** format name, e.g. `gb-current` */
  name: string;
  /** allowed characters per position */
  classes: string[];
  /** how common the format is in its region, relative to the region's main format (1) */
  weight: number;
  /** what the region prints after each position ('' for nothing) */
  separators: string[];
}

interface RegionRules {
  /**
   * strict formats; a reading that fits one is strong evidence for the region. The optional weight
   * (default 1) is the format's share of plates on the road relative to the main format: a broad,
   * rare pattern (UK dateless) must not outweigh the current series when both explain a reading.
   */
  patterns: Array<[name: string, pattern: string, weight?: number]>;
  /** regions without a fixed format (US vanity plates, "other Europe") accept any alphanumerics in this length range */
  loose?: { minLength: number; maxLength: number };
}

/** The rules themselves. Kept general on purpose: real series, not the dev photos. */
export const REGION_RULES: Record<Region, RegionRules> = {
  gb: {
    patterns: [
      ['gb-current', 'L{2}9{2} L{3}'], // AB12 CDE (2001-): most cars on the road
      ['gb-prefix', 'P9{1,3} L{3}', 0.3], // A123 BCD (1983-2001)
      ['gb-suffix', 'L{3} 9{1,3}P', 0.1], // ABC 123D (1963-1983)
      ['gb-dateless', 'A{1,3} 9{1,4}', 0.1], // ABC 1234, also Northern Ireland (ABZ 1234)
      ['gb-dateless-reversed', '9{1,4} A{1,3}', 0.05], // 1234 AB
    ],
  },
  de: {
    patterns: [
      // district (1-3 letters) + 1-2 letters + 1-4 digits; without the seal the split is unknown
      ['de', 'A{2,5} 9{1,4}'],
      ['de-electric-historic', 'A{2,5} 9{1,4}E', 0.3],
    ],
  },
  fr: {
    patterns: [
      ['fr-siv', 'A{2}-9{3}-A{2}'], // AB-123-CD (2009-)
      ['fr-fni', '9{1,4} A{2,3} 9{2}', 0.3], // 1234 AB 75 (before 2009)
    ],
  },
  nl: {
    // the Dutch "sidecodes"
    patterns: [
      ['nl-1', 'A{2}-9{2}-9{2}'], ['nl-2', '9{2}-9{2}-A{2}'], ['nl-3', '9{2}-A{2}-9{2}'],
      ['nl-4', 'A{2}-9{2}-A{2}'], ['nl-5', 'A{2}-A{2}-9{2}'], ['nl-6', '9{2}-A{2}-A{2}'],
      ['nl-7', '9{2}-A{3}-9'], ['nl-8', '9-A{3}-9{2}'], ['nl-9', 'A{2}-9{3}-A'],
      ['nl-10', 'A-9{3}-A{2}'], ['nl-11', 'A{3}-9{2}-A'], ['nl-12', 'A-9{2}-A{3}'],
      ['nl-13', '9-A{2}-9{3}'], ['nl-14', '9{3}-A{2}-9'],
    ],
  },
  pl: {
    patterns: [
      // any letter or digit after the district: broad patterns that would otherwise claim many
      // foreign readings, hence the lower weight
      ['pl-2', 'A{2} X{5}', 0.3], // WA 12345
      ['pl-3', 'A{3} X{4,5}', 0.3], // KRA 1234A
    ],
  },
  sk: { patterns: [['sk', 'A{2}-9{3}A{2}']] }, // BA-123AB
  cz: { patterns: [['cz', '9AX 9{4}']] }, // 1A2 3456
  it: { patterns: [['it', 'A{2} 9{3} A{2}']] }, // AB 123 CD
  es: {
    patterns: [
      ['es', '9{4} C{3}'], // 1234 BCD (2000-)
      ['es-provincial', 'A{1,2}-9{4}-A{1,2}', 0.3], // M-1234-AB (before 2000)
    ],
  },
  eu: { patterns: [], loose: { minLength: 4, maxLength: 9 } },
  us: { patterns: [], loose: { minLength: 2, maxLength: 8 } },
  br: {
    patterns: [
      ['br-old', 'A{3}9{4}'], // ABC1234 (grey plates)
      ['br-mercosul', 'A{3}9A9{2}'], // ABC1D23
    ],
  },
};

/** Expands a pattern such as `A{1,3} 9{1,4}` into every fixed-length template it allows. */
export function expandPattern(name: string, pattern: string, weight = 1): PlateTemplate[] {
  const tokens: Array<{ cls: string; min: number; max: number; sep: string }> = [];
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i];
    if (ch === ' ' || ch === '-') {
      if (!tokens.length) throw new Error(`pattern ${name} starts with a separator`);
      tokens[tokens.length - 1].sep = ch;
      i++;
      continue;
    }
    const cls = CLASSES[ch];
    if (!cls) throw new Error(`pattern ${name}: unknown class ${ch}`);
    let min = 1;
    let max = 1;
    i++;
    const count = /^\{(\d+)(?:,(\d+))?\}/.exec(pattern.slice(i));
    if (count) {
      min = Number(count[1]);
      max = count[2] ? Number(count[2]) : min;
      i += count[0].length;
    }
    tokens.push({ cls, min, max, sep: '' });
  }
  let partial: Array<{ classes: string[]; separators: string[] }> = [{ classes: [], separators: [] }];
  for (const t of tokens) {
    const next: typeof partial = [];
    for (const p of partial) {
      for (let n = t.min; n <= t.max; n++) {
        const classes = [...p.classes];
        const separators = [...p.separators];
        for (let k = 0; k < n; k++) {
          classes.push(t.cls);
          separators.push('');
        }
        if (n > 0) separators[separators.length - 1] = t.sep;
        next.push({ classes, separators });
      }
    }
    partial = next;
  }
  return partial.map((p) => {
    const separators = [...p.separators];
    if (separators.length) separators[separators.length - 1] = ''; // no trailing separator
    return { name, classes: p.classes, separators, weight };
  });
}

// region -> length -> templates, built once: matching runs for every candidate reading of every plate
const TEMPLATES = new Map<Region, Map<number, PlateTemplate[]>>();
for (const region of REGIONS) {
  const byLength = new Map<number, PlateTemplate[]>();
  for (const t of REGION_RULES[region].patterns.flatMap(([name, p, w]) => expandPattern(name, p, w))) {
    byLength.set(t.classes.length, [...(byLength.get(t.classes.length) ?? []), t]);
  }
  TEMPLATES.set(region, byLength);
}
const NONE: PlateTemplate[] = [];

/** Every fixed-length template of a region with exactly `length` characters. */
export function templatesOfLength(region: Region, length: number): PlateTemplate[] {
  return TEMPLATES.get(region)?.get(length) ?? NONE;
}

/** True when every character of `text` is allowed at its position by `template`. */
export function fitsTemplate(text: string, template: PlateTemplate): boolean {
  if (text.length !== template.classes.length) return false;
  for (let i = 0; i < text.length; i++) if (!template.classes[i].includes(text[i])) return false;
  return true;
}

/** The most common strict template of `region` that `text` fits, or null. */
export function matchTemplate(text: string, region: Region): PlateTemplate | null {
  let best: PlateTemplate | null = null;
  for (const t of templatesOfLength(region, text.length)) if ((!best || t.weight > best.weight) && fitsTemplate(text, t)) best = t;
  return best;
}

export type FormatFit = 'strict' | 'loose' | 'none';

/** How well `text` fits the region: one of its strict formats, its loose length rule, or neither. */
export function formatFit(text: string, region: Region): FormatFit {
  if (!/^[A-Z0-9]+$/.test(text)) return 'none';
  if (matchTemplate(text, region)) return 'strict';
  const loose = REGION_RULES[region].loose;
  if (loose && text.length >= loose.minLength && text.length <= loose.maxLength) return 'loose';
  return 'none';
}

/** Whether the region has strict formats (a reading outside them is then suspicious). */
export function hasStrictFormats(region: Region): boolean {
  return REGION_RULES[region].patterns.length > 0;
}

/** The plate as the region prints it: `AB12CDE` in gb -> `AB12 CDE`; unknown formats stay as read. */
export function formatPlate(text: string, region: Region): string {
  // the US labels write the letter O as the digit 0 (MODEL_IO.md); keep the output consistent with that
  if (region === 'us') return text.replace(/O/g, '0');
  const t = matchTemplate(text, region);
  if (!t) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) out += text[i] + t.separators[i];
  return out;
}

/**
 * Letter/digit pairs the reader commonly mistakes for one another; repair may swap only along these.
 * (Letter-letter mix-ups such as O/D never change whether a reading fits a format, so repair cannot
 * settle them; the model's own candidates do.)
 */
export const CONFUSABLE: Record<string, string> = {
  O: '0',
  '0': 'ODQ',
  D: '0',
  Q: '0',
  A: '4',
  '4': 'A',
  T: '7',
  '7': 'T',
  I: '1',
  '1': 'I',
  B: '8',
  '8': 'B',
  S: '5',
  '5': 'S',
  Z: '2',
  '2': 'Z',
  G: '6',
  '6': 'G',
};

/**
 * Pairs drawn with one and the same glyph on many plates (the UK's O and 0 by regulation, the old
 * Brazilian and most US fonts nearly so): the pixels cannot tell them apart, so the reader's
 * preference between them carries little evidence and the plate's format decides.
 */
export const GLYPH_TWINS: Record<string, string> = { O: '0', '0': 'O', I: '1', '1': 'I' };

// European countries without a class of their own in the region head: the reader calls them `eu`
const OTHER_EUROPE = new Set('ad al at ba be bg by ch cy dk ee fi gr hr hu ie is li lt lu lv mc md me mk mt no pt ro rs se si sm ua va xk'.split(' '));
const EUROPE: Region[] = ['de', 'fr', 'nl', 'pl', 'sk', 'cz', 'it', 'es', 'eu'];

/**
 * Parses a `regions` hint such as `gb,us` (or an array) into the reader's regions: `uk` is `gb`,
 * `us-ca` is `us`, other European country codes are `eu`, and `eu` itself means any European plate
 * on the continent. Unknown codes are dropped.
 */
export function parseRegions(hint: string | string[] | undefined): Region[] {
  if (!hint) return [];
  const parts = (Array.isArray(hint) ? hint : [hint]).flatMap((h) => h.split(','));
  const out = new Set<Region>();
  for (const p of parts) {
    let r = p.trim().toLowerCase();
    if (r === 'uk') r = 'gb'; // the common name for the same plates
    if (r.startsWith('us-')) r = 'us'; // state hints (us-ca) bias toward the US formats
    if (r.startsWith('br-')) r = 'br';
    if (r === 'eu') for (const e of EUROPE) out.add(e);
    else if (OTHER_EUROPE.has(r)) out.add('eu');
    else if ((REGIONS as readonly string[]).includes(r)) out.add(r as Region);
  }
  return [...out];
}
