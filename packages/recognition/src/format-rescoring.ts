/**
 * Choosing a plate's text and region from the reader's outputs: beam candidates per line layout,
 * repaired along the confusion map into the regions' formats where the model itself gave the
 * alternative character a real chance, then scored jointly with the region head and the hint.
 */
import { alignLabels, beamSearch, ctcLogProb, textToLabels } from './ctc-decode';
import {
  ALPHABET,
  CONFUSABLE,
  GLYPH_TWINS,
  REGIONS,
  formatFit,
  formatPlate,
  hasStrictFormats,
  matchTemplate,
  templatesOfLength,
  type Region,
} from './plate-formats';

/** One crop's per-frame class probabilities (T x C, frame-major). */
export interface LineProbs {
  probs: Float32Array;
  T: number;
  C: number;
}

/** A way of reading the plate: one crop (one line) or the two halves read in turn. */
export interface Layout {
  lines: LineProbs[];
  /** log prior of the layout (two-line readings are rarer than one-line ones) */
  logPrior: number;
}

export interface ScoringOptions {
  beamWidth: number;
  /** an alternative character must have had at least this probability in one of its frames */
  minAltProb: number;
  /** at most this many characters are changed by repair */
  maxRepairs: number;
  /** multiplier for a reading that fits none of a strict-format region's formats */
  offFormatFactor: number;
  /**
   * multiplier for a reading that only fits a region's loose length rule (US, other Europe): such
   * regions spread their plates over many patterns, so any one string is less likely under them than
   * under a region whose single format it matches
   */
  looseFormatFactor: number;
  /** multiplier for regions outside the caller's hint */
  offHintFactor: number;
  /** share of the probability the beam did not see that is credited to unseen readings */
  unseenFactor: number;
  /**
   * prior for very short readings, by length (index 2, 3): plates of two or three characters are
   * under 0.5 % of the real plates in shared/data/train-real, while a stray sign or a wheel-arch
   * sticker read as "22" is a common false plate
   */
  shortReadingFactor: [number, number];
  /** only this many of the likeliest readings are offered for repair */
  repairCandidates: number;
  /** regions the region head gives less than this (and outside the hint) are not repaired toward */
  repairMinRegionProb: number;
  /** cost of a glyph-twin swap (O/0, I/1) into a format: scored as the reading it came from times this */
  twinSwapFactor: number;
  /** exponent on the region head's probabilities (below 1 flattens them, so format evidence weighs more) */
  regionSharpness: number;
  /**
   * multiplier for the confidence of a reading that fits no format of the region it is reported in, or
   * that is reported in a region without formats (US, other Europe) though it fits none of the formats
   * of the region the head believes in (`believedRegionProb`): such readings are mostly a character cut
   * off or misread, whatever the reader's own certainty, so they must not look sure, and they get the
   * second looks that doubtful plates get. On seeded validation photos (training/npr_train/val_photos.py)
   * 2 of 7 such readings were right, and 0.5 read one more plate right than 1 or 0.3 did; on a second set
   * made from the held-back scenes only, exact reads were the same with 1 and 0.5
   */
  offFormatConfidence: number;
  /**
   * the region head's own (unflattened) probability at which its region counts as believed for
   * offFormatConfidence (0.9 also caught readings of other regions' formats where the head was wrong:
   * 4 of 6 right on the validation photos)
   */
  believedRegionProb: number;
}

export const DEFAULT_SCORING: ScoringOptions = {
  beamWidth: 8,
  minAltProb: 0.01,
  maxRepairs: 2,
  offFormatFactor: 0.02,
  looseFormatFactor: 0.2,
  offHintFactor: 0.05,
  unseenFactor: 0.1,
  shortReadingFactor: [0.1, 0.3],
  repairCandidates: 4,
  repairMinRegionProb: 0.01,
  twinSwapFactor: 0.3,
  regionSharpness: 0.25,
  offFormatConfidence: 0.5,
  believedRegionProb: 0.5,
};

export interface ScoredReading {
  /** letters and digits only */
  text: string;
  /** as the region prints it */
  plate: string;
  region: Region;
  /** posterior among the readings considered, 0..1 */
  confidence: number;
  /** true when the text differs from every beam candidate (changed by format repair) */
  repaired: boolean;
  /** true when the text fits no format of its region, or of the region the head believes in (see offFormatConfidence) */
  offFormat: boolean;
}

interface Hypothesis {
  parts: string[];
  layout: Layout;
  /** log P(text | crops) + layout prior */
  logProb: number;
  repaired: boolean;
}

/**
 * Scores every reading of a plate; best first. `regionProbs` is the region head's softmax in the
 * order of REGIONS; `hint` the regions the caller expects (empty: no bias).
 */
export function scoreReadings(layouts: Layout[], regionProbs: ArrayLike<number>, hint: Region[], opts: ScoringOptions = DEFAULT_SCORING): ScoredReading[] {
  const byText = new Map<string, Hypothesis>();
  const keep = (h: Hypothesis) => {
    const text = h.parts.join('');
    const old = byText.get(text);
    if (!old) return void byText.set(text, h);
    // the same text from two layouts (or from repair and the beam): keep the likelier explanation;
    // it counts as repaired only if no beam produced it
    const better = h.logProb > old.logProb ? h : old;
    byText.set(text, { ...better, repaired: h.repaired && old.repaired });
  };
  let seenMass = 0;
  for (const layout of layouts) {
    // the beam's own scores are lower bounds (pruned paths); rescore exactly, as repairs are scored
    const perLine = layout.lines.map((l) =>
      beamSearch(l.probs, l.T, l.C, opts.beamWidth, layout.lines.length > 1 ? 4 : opts.beamWidth).map((b) => ({
        text: b.text,
        logProb: ctcLogProb(l.probs, l.T, l.C, textToLabels(b.text)),
      })),
    );
    let combos: Array<{ parts: string[]; logProb: number }> = [{ parts: [], logProb: layout.logPrior }];
    for (const cands of perLine) combos = combos.flatMap((c) => cands.map((b) => ({ parts: [...c.parts, b.text], logProb: c.logProb + b.logProb })));
    let mass = 0;
    for (const c of combos) {
      mass += Math.exp(c.logProb - layout.logPrior);
      keep({ parts: c.parts, layout, logProb: c.logProb, repaired: false });
    }
    seenMass = Math.max(seenMass, Math.min(1, mass));
  }
  const repairRegions = REGIONS.filter((r, i) => hasStrictFormats(r) && ((regionProbs[i] ?? 0) >= opts.repairMinRegionProb || hint.includes(r)));
  const likeliest = [...byText.values()].sort((a, b) => b.logProb - a.logProb).slice(0, opts.repairCandidates);
  for (const h of likeliest) for (const r of repairs(h, repairRegions, opts)) keep(r);

  // The region head learnt plate looks mostly from synthetic plates and is often overconfident and wrong
  // on real photos (old Brazilian plates called US, Slovak ones British): flattened, it still ranks the
  // regions, but a reading that fits a region's format outweighs a head that merely leans elsewhere.
  const logRegion = REGIONS.map((_, i) => Math.log(Math.max(regionProbs[i] ?? 0, 1e-6)));
  const maxRegion = Math.max(...REGIONS.map((_, i) => regionProbs[i] ?? 0));
  const logMaxRegion = Math.log(Math.max(maxRegion, 1e-6));
  const believed = believedRegion(regionProbs, hint, opts.believedRegionProb);
  const scored: Array<ScoredReading & { logScore: number }> = [];
  // readings too short to be a plate (mostly the empty one: "nothing legible here") are never
  // reported, but their share still counts against the others' confidence
  const tooShort: number[] = [];
  for (const [text, h] of byText) {
    if (text.length < 2) {
      tooShort.push(h.logProb + logMaxRegion);
      continue;
    }
    let best = -Infinity;
    let bestRegion: Region = 'eu';
    const logShort = text.length <= 3 ? Math.log(opts.shortReadingFactor[text.length - 2]) : 0;
    REGIONS.forEach((region, i) => {
      const fit = formatFit(text, region);
      let formatTerm = 0;
      if (fit === 'strict') formatTerm = Math.log(matchTemplate(text, region)!.weight);
      else if (fit === 'loose') formatTerm = Math.log(opts.looseFormatFactor);
      else if (fit === 'none') formatTerm = Math.log(opts.offFormatFactor);
      if (hint.length && !hint.includes(region)) formatTerm += Math.log(opts.offHintFactor);
      const s = h.logProb + logShort + opts.regionSharpness * logRegion[i] + formatTerm;
      if (s > best) {
        best = s;
        bestRegion = region;
      }
    });
    const offFormat = fitsNoFormat(text, bestRegion) || (formatFit(text, bestRegion) === 'loose' && believed !== null && fitsNoFormat(text, believed));
    scored.push({ text, plate: formatPlate(text, bestRegion), region: bestRegion, confidence: 0, repaired: h.repaired, offFormat, logScore: best });
  }
  scored.sort((a, b) => b.logScore - a.logScore);
  // posterior among what was seen, plus the mass the beam never reached (mostly off-format strings)
  const top = scored.length ? scored[0].logScore : 0;
  let z = Math.max(0, 1 - seenMass) * opts.unseenFactor * Math.exp(logMaxRegion - top);
  for (const s of scored) z += Math.exp(s.logScore - top);
  for (const l of tooShort) z += Math.exp(l - top);
  for (const s of scored) {
    s.confidence = Math.exp(s.logScore - top) / z;
    // the prior must also lower a short reading that has no rival, where normalising cancels it out
    if (s.text.length <= 3) s.confidence *= opts.shortReadingFactor[s.text.length - 2];
    if (s.offFormat) s.confidence *= opts.offFormatConfidence;
  }
  return scored.map(({ logScore: _drop, ...rest }) => rest);
}

/** True when `region` has formats and `text` fits none of them. */
function fitsNoFormat(text: string, region: Region): boolean {
  return hasStrictFormats(region) && formatFit(text, region) === 'none';
}

/**
 * The region the head itself believes in (`minProb` or more, unflattened, and within the hint when there
 * is one), or null: a reading that only a region without formats takes in is still an off-format
 * reading of this region's plate.
 */
function believedRegion(regionProbs: ArrayLike<number>, hint: Region[], minProb: number): Region | null {
  let best = -1;
  REGIONS.forEach((r, i) => {
    if ((regionProbs[i] ?? 0) >= minProb && (!hint.length || hint.includes(r))) best = i;
  });
  return best < 0 ? null : REGIONS[best];
}

/** Readings of `h` changed along the confusion map so that they fit a strict format of some region. */
function repairs(h: Hypothesis, regions: Region[], opts: ScoringOptions): Hypothesis[] {
  const text = h.parts.join('');
  if (text.length < 2) return [];
  // where in which line each character sits, and the frames that emitted it
  const where: Array<{ line: number; index: number; span: [number, number] }> = [];
  for (let li = 0; li < h.parts.length; li++) {
    const line = h.layout.lines[li];
    const spans = alignLabels(line.probs, line.T, line.C, textToLabels(h.parts[li]));
    if (!spans) return [];
    spans.forEach((span, index) => where.push({ line: li, index, span }));
  }
  const altProb = (pos: number, ch: string): number => {
    const { line, span } = where[pos];
    const l = h.layout.lines[line];
    const c = ALPHABET.indexOf(ch) + 1;
    let p = 0;
    for (let t = span[0]; t <= span[1]; t++) p = Math.max(p, l.probs[t * l.C + c]);
    return p;
  };
  const out = new Map<string, Hypothesis>();
  for (const region of regions) {
    if (formatFit(text, region) === 'strict') continue;
    for (const t of templatesOfLength(region, text.length)) {
      const chars = [...text];
      let changes = 0;
      let twinSwaps = 0;
      let ok = true;
      for (let i = 0; i < chars.length && ok; i++) {
        if (t.classes[i].includes(chars[i])) continue;
        const twin = GLYPH_TWINS[chars[i]];
        if (opts.twinSwapFactor > 0 && twin && t.classes[i].includes(twin)) {
          chars[i] = twin;
          twinSwaps++;
          if (++changes > opts.maxRepairs) ok = false;
          continue;
        }
        let bestAlt = '';
        let bestP = opts.minAltProb;
        for (const alt of CONFUSABLE[chars[i]] ?? '') {
          if (!t.classes[i].includes(alt)) continue;
          const p = altProb(i, alt);
          if (p >= bestP) {
            bestP = p;
            bestAlt = alt;
          }
        }
        if (!bestAlt || ++changes > opts.maxRepairs) ok = false;
        else chars[i] = bestAlt;
      }
      if (!ok) continue;
      const repairedText = chars.join('');
      if (out.has(repairedText)) continue;
      const parts: string[] = [];
      let k = 0;
      // a twin swap is scored as the reading it came from (the same pixels) times the swap's cost;
      // every other change is rescored by the reader itself
      const scoreText = twinSwaps ? undoTwinSwaps(chars, text) : repairedText;
      let logProb = h.layout.logPrior + (twinSwaps ? twinSwaps * Math.log(opts.twinSwapFactor) : 0);
      h.parts.forEach((p, li) => {
        parts.push(repairedText.slice(k, k + p.length));
        const part = scoreText.slice(k, k + p.length);
        k += p.length;
        const l = h.layout.lines[li];
        logProb += ctcLogProb(l.probs, l.T, l.C, textToLabels(part));
      });
      out.set(repairedText, { parts, layout: h.layout, logProb, repaired: true });
    }
  }
  return [...out.values()];
}

/** `repaired` with each glyph-twin swap turned back into what the reader emitted (for scoring). */
function undoTwinSwaps(repaired: string[], original: string): string {
  return repaired.map((ch, i) => (GLYPH_TWINS[original[i]] === ch ? original[i] : ch)).join('');
}
