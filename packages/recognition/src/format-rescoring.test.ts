import { DEFAULT_SCORING, scoreReadings, type Layout } from './format-rescoring';
import { REGIONS, type Region } from './plate-formats';
import { C, frames, spell } from './testing/synthetic-frames';

const T = 32;
const oneLine = (spec: Array<string | Record<string, number>>): Layout => ({ lines: [{ probs: frames(spec), T, C }], logPrior: 0 });
const regionProbs = (probs: Partial<Record<Region, number>>) => {
  const rest = (1 - Object.values(probs).reduce((a, b) => a + b, 0)) / (REGIONS.length - Object.keys(probs).length);
  return REGIONS.map((r) => probs[r] ?? rest);
};

describe('format-aware rescoring', () => {
  it('keeps a clear reading that fits the region, formatted and confident', () => {
    const [best] = scoreReadings([oneLine(spell('AB12CDE'))], regionProbs({ gb: 0.9 }), []);
    expect(best).toMatchObject({ text: 'AB12CDE', plate: 'AB12 CDE', region: 'gb', repaired: false });
    expect(best.confidence).toBeGreaterThan(0.8);
  });

  it('repairs a digit into the letter the UK format needs when the model gave that letter a real chance', () => {
    const spec: Array<string | Record<string, number>> = spell('AB12C0E');
    spec[11] = { '0': 0.75, D: 0.2 }; // the 6th character: a D read as 0
    const [best] = scoreReadings([oneLine(spec)], regionProbs({ gb: 0.9 }), []);
    expect(best).toMatchObject({ text: 'AB12CDE', plate: 'AB12 CDE', region: 'gb' });
  });

  it('repairs readings the beam never reached (here: a beam of one, two confusions)', () => {
    const spec: Array<string | Record<string, number>> = spell('ABI2C0E');
    spec[5] = { I: 0.8, '1': 0.15 };
    spec[11] = { '0': 0.75, D: 0.2 };
    const [best] = scoreReadings([oneLine(spec)], regionProbs({ gb: 0.9 }), [], { ...DEFAULT_SCORING, beamWidth: 1 });
    expect(best).toMatchObject({ text: 'AB12CDE', plate: 'AB12 CDE', region: 'gb', repaired: true });
  });

  it('repairs a letter position of a Brazilian plate (both formats start with three letters)', () => {
    const spec: Array<string | Record<string, number>> = spell('A8C1234');
    spec[3] = { '8': 0.7, B: 0.25 };
    const [best] = scoreReadings([oneLine(spec)], regionProbs({ br: 0.9 }), []);
    expect(best).toMatchObject({ plate: 'ABC1234', region: 'br' });
  });

  it('leaves 8 or B in the fifth place of a Brazilian plate to the model: old and Mercosul both allow it', () => {
    const spec: Array<string | Record<string, number>> = spell('ABC1823');
    spec[9] = { '8': 0.7, B: 0.25 };
    const readings = scoreReadings([oneLine(spec)], regionProbs({ br: 0.9 }), []);
    expect(readings.slice(0, 2).map((r) => r.plate)).toEqual(['ABC1823', 'ABC1B23']);
  });

  it('does not repair when the alternative character was negligible to the model', () => {
    const spec: Array<string | Record<string, number>> = spell('AB12C0E');
    spec[11] = { '0': 0.999, D: 1e-5 };
    const readings = scoreReadings([oneLine(spec)], regionProbs({ gb: 0.9 }), []);
    expect(readings[0].text).toBe('AB12C0E');
    expect(readings.some((r) => r.text === 'AB12CDE')).toBe(false);
  });

  it('lets the region hint decide between regions whose formats both fit', () => {
    const layout = oneLine(spell('ABC1234'));
    const probs = regionProbs({ us: 0.9, br: 0.08 });
    expect(scoreReadings([layout], probs, [])[0].region).toBe('us');
    expect(scoreReadings([layout], probs, ['br'])[0].region).toBe('br');
  });

  it('prefers the two-line reading of a square plate whose whole-crop reading is noise', () => {
    const noise = Array.from({ length: T }, (_, t): Record<string, number> => (t % 3 === 0 ? { X: 0.3, K: 0.3, '-': 0.3 } : { '-': 0.4, M: 0.3 }));
    const layouts: Layout[] = [
      oneLine(noise),
      { lines: [{ probs: frames(spell('AB')), T, C }, { probs: frames(spell('12CDE')), T, C }], logPrior: Math.log(0.3) },
    ];
    const [best] = scoreReadings(layouts, regionProbs({ gb: 0.8 }), []);
    expect(best).toMatchObject({ text: 'AB12CDE', plate: 'AB12 CDE', region: 'gb' });
  });

  it('gives an even split between two readings a low confidence', () => {
    const spec: Array<string | Record<string, number>> = spell('7ABC123');
    spec[3] = { A: 0.48, '4': 0.48 };
    const readings = scoreReadings([oneLine(spec)], regionProbs({ us: 0.9 }), []);
    expect(readings[0].confidence).toBeLessThan(0.6);
    expect(readings.slice(0, 2).map((r) => r.text).sort()).toEqual(['74BC123', '7ABC123']);
  });

  it('gives a faint reading a low confidence even when it is the only one that fits a format', () => {
    // every character may as well be blank: the full reading is the likeliest text, yet only ~3 %
    const spec: Array<string | Record<string, number>> = spell('AB12CDE').map((f) => (f === '-' ? f : { [f]: 0.6, '-': 0.39 }));
    const readings = scoreReadings([oneLine(spec)], regionProbs({ gb: 0.9 }), []);
    expect(readings[0].text).toBe('AB12CDE');
    expect(readings[0].confidence).toBeLessThan(0.25);
  });

  it('doubts very short readings, the usual false plates (a sign read as "22")', () => {
    const [short] = scoreReadings([oneLine(spell('22'))], regionProbs({ us: 0.9 }), []);
    const [normal] = scoreReadings([oneLine(spell('7ABC123'))], regionProbs({ us: 0.9 }), []);
    expect(short.confidence).toBeLessThan(0.15);
    expect(normal.confidence).toBeGreaterThan(0.8);
  });

  it('never offers a single character as a plate', () => {
    expect(scoreReadings([oneLine(spell('A'))], regionProbs({ us: 0.9 }), []).some((r) => r.text === 'A')).toBe(false);
  });

  it('defaults are sane', () => {
    expect(DEFAULT_SCORING.minAltProb).toBeGreaterThan(0);
    expect(DEFAULT_SCORING.maxRepairs).toBeGreaterThanOrEqual(1);
  });
});
