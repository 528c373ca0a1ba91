import { alignLabels, beamSearch, ctcLogProb, greedyDecode, labelsToText, textToLabels } from './ctc-decode';
import { C, frames, spell } from './testing/synthetic-frames';

describe('CTC decoding', () => {
  it('greedy decoding merges repeats and needs a blank between doubled letters', () => {
    expect(greedyDecode(frames(['-', 'A', 'A', '-', 'B', '-']), 6, C).text).toBe('AB');
    expect(greedyDecode(frames(['A', '-', 'A']), 3, C).text).toBe('AA');
    expect(greedyDecode(frames(spell('AB12CDE')), 32, C).text).toBe('AB12CDE');
  });

  it('greedy decoding reports the per-character probability', () => {
    const r = greedyDecode(frames(['-', { K: 0.7, X: 0.2 }, '-']), 3, C);
    expect(r.text).toBe('K');
    expect(r.charProbs[0]).toBeCloseTo(0.7, 5);
  });

  it('maps text to class ids and back', () => {
    expect(textToLabels('0AZ')).toEqual([1, 11, 36]);
    expect(labelsToText([0, 1, 0, 11, 36])).toBe('0AZ');
  });

  it('computes the exact labelling probability (checked by enumerating every path)', () => {
    // 3 classes (blank, a=1, b=2), 4 frames: 81 paths, small enough to enumerate
    const T = 4;
    const K = 3;
    const probs = new Float32Array([0.5, 0.3, 0.2, 0.2, 0.6, 0.2, 0.3, 0.3, 0.4, 0.6, 0.1, 0.3]);
    const collapse = (path: number[]) => path.filter((c, i) => c !== 0 && c !== path[i - 1]);
    for (const labels of [[1], [1, 2], [1, 1], [2, 1, 2], []]) {
      let total = 0;
      for (let code = 0; code < K ** T; code++) {
        const path = [...Array(T)].map((_, t) => Math.floor(code / K ** t) % K);
        if (collapse(path).join() === labels.join()) total += path.reduce((p, c, t) => p * probs[t * K + c], 1);
      }
      expect(Math.exp(ctcLogProb(probs, T, K, labels))).toBeCloseTo(total, 6);
    }
    // more labels than frames can hold
    expect(ctcLogProb(probs, T, K, [1, 1, 1])).toBe(-Infinity);
  });

  it('beam search finds the labelling that no single path shows', () => {
    // best path is blank-blank (0.16), but "A" is emitted by three paths summing to 0.4025
    const probs = frames([{ '-': 0.4, A: 0.35, B: 0.25 - 34e-9 }, { '-': 0.4, A: 0.35, B: 0.25 - 34e-9 }]);
    expect(greedyDecode(probs, 2, C).text).toBe('');
    const beams = beamSearch(probs, 2, C, 8);
    expect(beams[0].text).toBe('A');
    expect(Math.exp(beams[0].logProb)).toBeCloseTo(0.4025, 4);
  });

  it('beam search returns the close alternatives with their exact probabilities', () => {
    const spec: Array<string | Record<string, number>> = spell('AB12CDE');
    spec[3] = { B: 0.55, '8': 0.4 };
    const probs = frames(spec);
    const beams = beamSearch(probs, 32, C, 8, 4);
    expect(beams.map((b) => b.text).slice(0, 2)).toEqual(['AB12CDE', 'A812CDE']);
    // a pruned beam loses a little of each labelling's mass: a lower bound, within a few percent
    for (const b of beams) {
      const exact = ctcLogProb(probs, 32, C, textToLabels(b.text));
      expect(b.logProb).toBeLessThanOrEqual(exact + 1e-9);
      expect(b.logProb).toBeGreaterThan(exact + Math.log(0.97));
    }
    const mass = beams.reduce((s, b) => s + Math.exp(b.logProb), 0);
    expect(mass).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('aligns each character to the frames that emitted it', () => {
    const probs = frames(['-', 'A', 'A', '-', 'B', '-', '-']);
    expect(alignLabels(probs, 7, C, textToLabels('AB'))).toEqual([
      [1, 2],
      [4, 4],
    ]);
    expect(alignLabels(probs, 7, C, textToLabels('AAAA'))).toEqual([
      [0, 0],
      [2, 2],
      [4, 4],
      [6, 6],
    ]);
    expect(alignLabels(frames(['A', 'A']), 2, C, textToLabels('AAA'))).toBeNull();
  });
});
