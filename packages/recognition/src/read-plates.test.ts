import { DEFAULT_SCORING } from './format-rescoring';
import type { Quad } from './perspective-warp';
import { ALPHABET, REGIONS } from './plate-formats';
import { READER_HEIGHT, READER_WIDTH, buildReaderBatch, buildSecondLook, concatReaderOutputs, interpretReaderOutput, plateChances } from './read-plates';

const rect = (x: number, y: number, w: number, h: number): Quad => [
  [x, y],
  [x + w, y],
  [x + w, y + h],
  [x, y + h],
];

/** Reader logits spelling `text` (blank between characters), as a trained reader would emit them. */
function logitsFor(text: string, T = 32): Float32Array {
  const C = ALPHABET.length + 1;
  const out = new Float32Array(T * C);
  for (let t = 0; t < T; t++) {
    const k = (t - 1) / 2;
    const cls = t % 2 === 1 && k < text.length ? ALPHABET.indexOf(text[k]) + 1 : 0;
    out[t * C + cls] = 12;
  }
  return out;
}

describe('reader batch', () => {
  const image = { data: new Uint8Array(400 * 300 * 3).fill(128), width: 400, height: 300 };

  it('reads wide plates once and squarish ones also as two halves', () => {
    const batch = buildReaderBatch(image, [rect(10, 10, 200, 40), rect(50, 100, 100, 70)], 2.5);
    expect(batch.jobs).toEqual([
      { plate: 0, part: 'whole' },
      { plate: 1, part: 'whole' },
      { plate: 1, part: 'upper' },
      { plate: 1, part: 'lower' },
    ]);
    expect(batch.input.length).toBe(4 * 3 * READER_HEIGHT * READER_WIDTH);
    expect(batch.input[0]).toBeCloseTo(128 / 255, 5);
  });

  it('splits plates shaped like US ones (2:1) only on the second look, with the wider crop', () => {
    const quads = [rect(10, 10, 200, 40), rect(50, 100, 120, 60), rect(250, 100, 100, 70)];
    expect(buildReaderBatch(image, quads, 1.7).jobs).toEqual([
      { plate: 0, part: 'whole' },
      { plate: 1, part: 'whole' },
      { plate: 2, part: 'whole' },
      { plate: 2, part: 'upper' },
      { plate: 2, part: 'lower' },
    ]);
    const second = buildSecondLook(image, quads, [0, 1, 2], [1.3, 1.45], [1.7, 2.5]);
    expect(second.jobs).toEqual([
      { plate: 0, part: 'wide' },
      { plate: 1, part: 'wide' },
      { plate: 1, part: 'upper' },
      { plate: 1, part: 'lower' },
      { plate: 2, part: 'wide' },
    ]);
    expect(buildSecondLook(image, quads, [1], null, [1.7, 2.5]).jobs).toEqual([
      { plate: 1, part: 'upper' },
      { plate: 1, part: 'lower' },
    ]);
  });

  it('turns reader outputs into readings per plate, joining the two lines of a square plate', () => {
    const jobs = buildReaderBatch(image, [rect(10, 10, 200, 40), rect(50, 100, 100, 70)], 2.5).jobs;
    const rows = [logitsFor('ABC1D23'), logitsFor(''), logitsFor('AB12'), logitsFor('CDE')];
    const logits = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
    rows.reduce((offset, r) => (logits.set(r, offset), offset + r.length), 0);
    const region = new Float32Array(4 * REGIONS.length);
    region[REGIONS.indexOf('br')] = 8; // plate 0 looks Brazilian
    region[REGIONS.length + REGIONS.indexOf('gb')] = 8; // plate 1 British
    const readings = interpretReaderOutput({ logits, logitsDims: [4, 32, ALPHABET.length + 1], region, plate: new Float32Array(4) }, jobs, 2, [], DEFAULT_SCORING, 0.3);
    expect(readings[0][0]).toMatchObject({ plate: 'ABC1D23', region: 'br' });
    expect(readings[0][0].confidence).toBeGreaterThan(0.9);
    expect(readings[1][0]).toMatchObject({ plate: 'AB12 CDE', region: 'gb' });
  });

  it('a wider second crop of a doubtful plate is scored with its first and can overturn it', () => {
    const quads = [rect(10, 10, 200, 40), rect(10, 100, 200, 40)];
    const first = buildReaderBatch(image, quads, 2.5);
    const C = ALPHABET.length + 1;
    const region = new Float32Array(2 * REGIONS.length);
    region[REGIONS.indexOf('gb')] = 8;
    region[REGIONS.length + REGIONS.indexOf('gb')] = 8;
    // plate 1's first crop cut a character off: the reader saw "AB12 CD" only, barely
    const weak = logitsFor('AB12CD').map((v) => v / 6);
    const firstOut = { logits: new Float32Array([...logitsFor('XY12ZZZ'), ...weak]), logitsDims: [2, 32, C], region, plate: new Float32Array([3, -2]) };
    const alone = interpretReaderOutput(firstOut, first.jobs, 2, [], DEFAULT_SCORING, 0.3);
    expect(alone[1][0].plate).not.toBe('AB12 CDE');
    const wide = buildSecondLook(image, quads, [1], [1.3, 1.45], [1.7, 2.5]);
    expect(wide.jobs).toEqual([{ plate: 1, part: 'wide' }]);
    expect(wide.input.length).toBe(3 * READER_HEIGHT * READER_WIDTH);
    const wideOut = { logits: logitsFor('AB12CDE'), logitsDims: [1, 32, C], region: new Float32Array(REGIONS.length), plate: new Float32Array([4]) };
    const both = concatReaderOutputs(firstOut, wideOut);
    expect(both.logitsDims).toEqual([3, 32, C]);
    expect([...both.plate]).toEqual([3, -2, 4]);
    const readings = interpretReaderOutput(both, [...first.jobs, ...wide.jobs], 2, [], DEFAULT_SCORING, 0.3, new Set([1]));
    expect(readings[0]).toEqual([]); // not asked for
    expect(readings[1][0]).toMatchObject({ plate: 'AB12 CDE', region: 'gb' });
  });

  it("gives each plate the chance its whole crop shows a plate at all, from the reader's plate logit", () => {
    const jobs = buildReaderBatch(image, [rect(10, 10, 200, 40), rect(50, 100, 100, 70)], 2.5).jobs;
    expect(jobs.map((j) => j.part)).toEqual(['whole', 'whole', 'upper', 'lower']);
    const out = { logits: new Float32Array(0), logitsDims: [4, 32, ALPHABET.length + 1], region: new Float32Array(0), plate: new Float32Array([4, -3, 9, 9]) };
    const [sure, notPlate, absent] = plateChances(out, jobs, 3);
    expect(sure).toBeCloseTo(0.982, 3);
    expect(notPlate).toBeCloseTo(0.047, 3); // the halves' logits do not count
    expect(absent).toBe(1); // no crop, no judgement
  });
});
