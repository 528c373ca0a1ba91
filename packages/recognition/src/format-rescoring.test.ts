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
    const spec: Array<string | Record<string, number>> = spell('AB12C8E');
    spec[11] = { '8': 0.75, B: 0.2 }; // the 6th character: a B read as 8
    const [best] = scoreReadings([oneLine(spec)], regionProbs({ gb: 0.9 }), []);
    expect(best).toMatchObject({ text: 'AB12CBE', plate: 'AB12 CBE', region: 'gb' });
  });

  it('repairs readings the beam never reached (here: a beam of one, two confusions)', () => {
    const spec: Array<string | Record<string, number>> = spell('ABS2C8E');
    spec[5] = { S: 0.8, '5': 0.15 };
    spec[11] = { '8': 0.75, B: 0.2 };
    // the region head at full strength here: this is about the repair itself, not about how much the head counts
    const [best] = scoreReadings([oneLine(spec)], regionProbs({ gb: 0.9 }), [], { ...DEFAULT_SCORING, beamWidth: 1, regionSharpness: 1 });
    expect(best).toMatchObject({ text: 'AB52CBE', plate: 'AB52 CBE', region: 'gb', repaired: true });
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
    const spec: Array<string | Record<string, number>> = spell('AB12C8E');
    spec[11] = { '8': 0.999, B: 1e-5 };
    const readings = scoreReadings([oneLine(spec)], regionProbs({ gb: 0.9 }), []);
    expect(readings[0].text).toBe('AB12C8E');
    expect(readings.some((r) => r.text === 'AB12CBE')).toBe(false);
  });

  it('settles O/0 by the format even when the reader was sure of the wrong twin (one glyph, no evidence)', () => {
    const spec: Array<string | Record<string, number>> = spell('0UP1442');
    spec[1] = { '0': 0.999, O: 1e-5 }; // the first character: Brazil's O drawn as its 0
    const [best] = scoreReadings([oneLine(spec)], regionProbs({ br: 0.8, us: 0.15 }), []);
    expect(best).toMatchObject({ text: 'OUP1442', plate: 'OUP1442', region: 'br', repaired: true });
  });

  it('never swaps a twin where the reading already fits the likelier region as it stands', () => {
    const [best] = scoreReadings([oneLine(spell('RK260AR'))], regionProbs({ sk: 0.5, gb: 0.3 }), []);
    expect(best).toMatchObject({ text: 'RK260AR', region: 'sk' });
  });

  it('swaps O/0 only by the glyph-twin rule: without it the reader\'s 0 stands', () => {
    const [best] = scoreReadings([oneLine(spell('0KS0078'))], regionProbs({ br: 0.8, us: 0.15 }), []);
    expect(best).toMatchObject({ text: 'OKS0078', region: 'br' });
    const withoutTwins = scoreReadings([oneLine(spell('0KS0078'))], regionProbs({ br: 0.8, us: 0.15 }), [], { ...DEFAULT_SCORING, twinSwapFactor: 0 });
    expect(withoutTwins[0].text).toBe('0KS0078');
  });

  it('lets the region hint decide between regions whose formats both fit', () => {
    // Slovakia (BA-123AB) and Italy (AB 123 CD) share the shape AA999AA
    const layout = oneLine(spell('AB123CD'));
    const probs = regionProbs({ sk: 0.9, it: 0.08 });
    expect(scoreReadings([layout], probs, [])[0].region).toBe('sk');
    expect(scoreReadings([layout], probs, ['it'])[0].region).toBe('it');
  });

  it('lets an exact format outweigh a region head that leans to a region where anything goes', () => {
    // US plates follow no one format; ABC1234 is exactly Brazil's old series, and the head is flattened on purpose
    const [best] = scoreReadings([oneLine(spell('ABC1234'))], regionProbs({ us: 0.9, br: 0.08 }), []);
    expect(best.region).toBe('br');
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

  it('does not let a six-character reading of a Brazilian plate look sure: every Brazilian plate has seven', () => {
    // one character cut off the first crop: with the Brazilian head sure and nothing else to go by
    const [best] = scoreReadings([oneLine(spell('ABC123'))], regionProbs({ br: 0.98 }), ['br']);
    expect(best).toMatchObject({ text: 'ABC123', region: 'br', offFormat: true });
    expect(best.confidence).toBeLessThan(DEFAULT_SCORING.offFormatConfidence + 1e-6);
    const [seven] = scoreReadings([oneLine(spell('ABC1234'))], regionProbs({ br: 0.98 }), []);
    expect(seven).toMatchObject({ text: 'ABC1234', offFormat: false });
    expect(seven.confidence).toBeGreaterThan(0.9);
  });

  it('doubts a UK reading moved to "other Europe" because a digit stands where a UK letter must', () => {
    // AB12 CD3: the head believes in gb, whose current format needs a letter last; "other Europe" takes anything
    const [best] = scoreReadings([oneLine(spell('AB12CD3'))], regionProbs({ gb: 0.95 }), ['gb', 'eu']);
    expect(best.region).toBe('eu');
    expect(best.offFormat).toBe(true);
    expect(best.confidence).toBeLessThan(0.5 + 1e-6);
  });

  it('keeps US and other-European readings, which follow no one format, as sure as the reader is', () => {
    for (const [text, region] of [['7ABC123', 'us'], ['4779', 'us'], ['W12345K', 'eu']] as const) {
      const [best] = scoreReadings([oneLine(spell(text))], regionProbs({ [region]: 0.95 }), []);
      expect(best).toMatchObject({ text, region, offFormat: false });
      expect(best.confidence).toBeGreaterThan(0.8);
    }
  });

  it('lets an on-format reading of a second view win over the off-format first one, decided together', () => {
    // the first crop lost the last character; the wider second crop shows all seven
    const layouts = [oneLine(spell('ABC123')), oneLine(spell('ABC1234'))];
    const [best] = scoreReadings(layouts, regionProbs({ br: 0.98 }), ['br']);
    expect(best).toMatchObject({ text: 'ABC1234', region: 'br', offFormat: false });
  });

  it('defaults are sane', () => {
    expect(DEFAULT_SCORING.minAltProb).toBeGreaterThan(0);
    expect(DEFAULT_SCORING.maxRepairs).toBeGreaterThanOrEqual(1);
  });
});
