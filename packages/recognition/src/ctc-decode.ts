/**
 * CTC decoding of the reader's output: per-frame softmax, greedy (best path), prefix beam search
 * (best labellings), the exact probability of a given labelling (forward algorithm) and its frame
 * alignment (Viterbi). Probabilities are a frame-major matrix: probs[t * C + c].
 */
import { ALPHABET } from './plate-formats';

export const BLANK = 0;
const NEG_INF = -Infinity;

/** Letters/digits to class ids of the reader (class = index in ALPHABET + 1). */
export function textToLabels(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new Error(`character ${JSON.stringify(ch)} is not in the reader's alphabet`);
    out.push(i + 1);
  }
  return out;
}

/** Class ids to text (blanks are skipped). */
export function labelsToText(labels: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < labels.length; i++) if (labels[i] !== BLANK) s += ALPHABET[labels[i] - 1];
  return s;
}

function logAdd(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Softmax over classes for each of T frames of logits starting at `offset` (one plate of a batch). */
export function softmaxFrames(logits: ArrayLike<number>, offset: number, T: number, C: number, out = new Float32Array(T * C)): Float32Array {
  for (let t = 0; t < T; t++) {
    const base = offset + t * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) if (logits[base + c] > max) max = logits[base + c];
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(logits[base + c] - max);
      out[t * C + c] = e;
      sum += e;
    }
    for (let c = 0; c < C; c++) out[t * C + c] /= sum;
  }
  return out;
}

export interface GreedyReading {
  text: string;
  /** per character: the highest probability it had over the frames that emitted it */
  charProbs: number[];
}

/** Best-path decoding: argmax per frame, merge repeats, drop blanks. */
export function greedyDecode(probs: Float32Array, T: number, C: number): GreedyReading {
  let text = '';
  const charProbs: number[] = [];
  let prev = BLANK;
  for (let t = 0; t < T; t++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (probs[t * C + c] > probs[t * C + best]) best = c;
    const p = probs[t * C + best];
    if (best !== BLANK && best !== prev) {
      text += ALPHABET[best - 1];
      charProbs.push(p);
    } else if (best !== BLANK && best === prev) {
      charProbs[charProbs.length - 1] = Math.max(charProbs[charProbs.length - 1], p);
    }
    prev = best;
  }
  return { text, charProbs };
}

export interface BeamCandidate {
  text: string;
  /** natural log of the CTC probability of this labelling (summed over its alignments) */
  logProb: number;
}

interface Beam {
  text: string;
  last: number;
  pBlank: number; // log P(prefix, path ends in blank)
  pChar: number; // log P(prefix, path ends in its last character)
}

/**
 * CTC prefix beam search. Per frame only the `maxCharsPerFrame` likeliest characters at or above
 * `minCharProb` are expanded: on a peaky reader that is one or two, and on an unreadable crop (flat
 * frames) it bounds the work instead of expanding all 36 characters from every beam.
 */
export function beamSearch(probs: Float32Array, T: number, C: number, beamWidth = 8, topN = beamWidth, minCharProb = 1e-3, maxCharsPerFrame = 6): BeamCandidate[] {
  let beams: Beam[] = [{ text: '', last: BLANK, pBlank: 0, pChar: NEG_INF }];
  const logp = new Float64Array(C);
  const chars: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < C; c++) logp[c] = Math.log(Math.max(probs[t * C + c], 1e-30));
    chars.length = 0;
    for (let c = 1; c < C; c++) if (probs[t * C + c] >= minCharProb) chars.push(c);
    if (chars.length > maxCharsPerFrame) {
      chars.sort((a, b) => probs[t * C + b] - probs[t * C + a]);
      chars.length = maxCharsPerFrame;
    }
    const next = new Map<string, Beam>();
    const get = (text: string, last: number): Beam => {
      let b = next.get(text);
      if (!b) {
        b = { text, last, pBlank: NEG_INF, pChar: NEG_INF };
        next.set(text, b);
      }
      return b;
    };
    for (const beam of beams) {
      const total = logAdd(beam.pBlank, beam.pChar);
      // blank: the prefix stays, now ending in blank
      const stay = get(beam.text, beam.last);
      stay.pBlank = logAdd(stay.pBlank, total + logp[BLANK]);
      // repeating the last character without a blank in between keeps the prefix too
      if (beam.last !== BLANK) stay.pChar = logAdd(stay.pChar, beam.pChar + logp[beam.last]);
      for (const c of chars) {
        const ext = get(beam.text + ALPHABET[c - 1], c);
        // a repeated character needs a blank in between to count twice
        const from = c === beam.last ? beam.pBlank : total;
        ext.pChar = logAdd(ext.pChar, from + logp[c]);
      }
    }
    beams = [...next.values()]
      .sort((a, b) => logAdd(b.pBlank, b.pChar) - logAdd(a.pBlank, a.pChar))
      .slice(0, beamWidth);
  }
  return beams.slice(0, topN).map((b) => ({ text: b.text, logProb: logAdd(b.pBlank, b.pChar) }));
}

/** Exact log P(labels | frames) by the CTC forward algorithm; -Infinity when it cannot fit in T frames. */
export function ctcLogProb(probs: Float32Array, T: number, C: number, labels: number[]): number {
  const L = labels.length;
  const S = 2 * L + 1;
  const lp = (t: number, c: number) => Math.log(Math.max(probs[t * C + c], 1e-30));
  let prev = new Float64Array(S).fill(NEG_INF);
  let cur = new Float64Array(S);
  prev[0] = lp(0, BLANK);
  if (L > 0) prev[1] = lp(0, labels[0]);
  for (let t = 1; t < T; t++) {
    cur.fill(NEG_INF);
    for (let s = 0; s < S; s++) {
      const label = s % 2 === 0 ? BLANK : labels[(s - 1) >> 1];
      let a = prev[s];
      if (s >= 1) a = logAdd(a, prev[s - 1]);
      // skip over a blank only between two different characters
      if (s >= 2 && label !== BLANK && label !== labels[(s - 3) >> 1]) a = logAdd(a, prev[s - 2]);
      cur[s] = a === NEG_INF ? NEG_INF : a + lp(t, label);
    }
    [prev, cur] = [cur, prev];
  }
  return L === 0 ? prev[0] : logAdd(prev[S - 1], prev[S - 2]);
}

/** Frames [start, end] (inclusive) where each label is emitted on the most probable alignment (Viterbi). */
export function alignLabels(probs: Float32Array, T: number, C: number, labels: number[]): Array<[number, number]> | null {
  const L = labels.length;
  if (L === 0) return [];
  const S = 2 * L + 1;
  const lp = (t: number, c: number) => Math.log(Math.max(probs[t * C + c], 1e-30));
  const score = new Float64Array(T * S).fill(NEG_INF);
  const back = new Int8Array(T * S); // how many states back the best predecessor was (0, 1 or 2)
  score[0] = lp(0, BLANK);
  score[1] = lp(0, labels[0]);
  for (let t = 1; t < T; t++) {
    for (let s = 0; s < S; s++) {
      const label = s % 2 === 0 ? BLANK : labels[(s - 1) >> 1];
      let best = score[(t - 1) * S + s];
      let step = 0;
      if (s >= 1 && score[(t - 1) * S + s - 1] > best) {
        best = score[(t - 1) * S + s - 1];
        step = 1;
      }
      if (s >= 2 && label !== BLANK && label !== labels[(s - 3) >> 1] && score[(t - 1) * S + s - 2] > best) {
        best = score[(t - 1) * S + s - 2];
        step = 2;
      }
      if (best === NEG_INF) continue;
      score[t * S + s] = best + lp(t, label);
      back[t * S + s] = step;
    }
  }
  let s = score[(T - 1) * S + S - 1] >= score[(T - 1) * S + S - 2] ? S - 1 : S - 2;
  if (score[(T - 1) * S + s] === NEG_INF) return null;
  const spans: Array<[number, number]> = labels.map(() => [T, -1]);
  for (let t = T - 1; t >= 0; t--) {
    if (s % 2 === 1) {
      const span = spans[(s - 1) >> 1];
      span[0] = Math.min(span[0], t);
      span[1] = Math.max(span[1], t);
    }
    s -= back[t * S + s];
  }
  return spans;
}
