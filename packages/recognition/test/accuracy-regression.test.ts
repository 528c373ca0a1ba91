/**
 * Accuracy regression over the whole dev set with the committed models: exact reads, detection and
 * false positives must stay at or above the floors in accuracy-floor.json (set just under the
 * figures of the current models). Scored as shared/eval/evaluate.mjs scores.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRecogniser } from '../src';
import { HAS_DEV_SET, NO_DEV_SET_REASON, loadDevSet, scoreDevSet, trainedModelsDir } from './support';

interface Floors {
  exact_read_rate: number | null;
  detection_recall: number | null;
  max_false_positives_per_complete_image: number | null;
  max_unmatched_reads: number | null;
  min_precision_at_0_9: number | null;
}
const floors: Floors = JSON.parse(readFileSync(join(__dirname, 'accuracy-floor.json'), 'utf8'));
const trained = trainedModelsDir();
const floorsSet = floors.exact_read_rate !== null || floors.detection_recall !== null;

let reason = '';
if (!HAS_DEV_SET) reason = NO_DEV_SET_REASON;
else if (!trained) reason = 'skipped: no trained models in models/ yet';
else if (!floorsSet) reason = 'skipped: no floors set in test/accuracy-floor.json yet';
if (reason) console.warn(`accuracy regression ${reason}`);

(reason ? describe.skip : describe)('accuracy on the dev set', () => {
  // 199 photos at well under a second each on 2 cores, plus model load
  jest.setTimeout(600_000);

  it('stays at or above the recorded floors', async () => {
    const recogniser = await createRecogniser({ modelsDir: trained! });
    const items = [];
    try {
      for (const image of loadDevSet()) items.push({ image, results: await recogniser.recognise(readFileSync(image.path)) });
    } finally {
      await recogniser.close();
    }
    const s = scoreDevSet(items);
    const figures = {
      exact_read_rate: (100 * s.exact) / s.plates,
      detection_recall: (100 * s.detected) / s.plates,
      false_positives_per_complete_image: s.falsePositives / Math.max(1, s.completeImages),
      unmatched_reads: s.unmatched,
    };
    // calibration: a confidence of 0.9 or more must be right nearly always, and a higher confidence
    // must mean more often right than a lower one
    const precision = (reads: typeof s.reads) => (reads.length ? (100 * reads.filter((r) => r.right).length) / reads.length : NaN);
    const sure = s.reads.filter((r) => r.confidence >= 0.9);
    const middle = s.reads.filter((r) => r.confidence >= 0.5 && r.confidence < 0.9);
    const doubtful = s.reads.filter((r) => r.confidence < 0.5);
    const calibration = { at_0_9: precision(sure), n_0_9: sure.length, from_0_5_to_0_9: precision(middle), below_0_5: precision(doubtful) };
    process.stderr.write(`dev set: ${JSON.stringify(figures)} precision by confidence: ${JSON.stringify(calibration)}\n`);
    if (floors.exact_read_rate !== null) expect(figures.exact_read_rate).toBeGreaterThanOrEqual(floors.exact_read_rate);
    if (floors.detection_recall !== null) expect(figures.detection_recall).toBeGreaterThanOrEqual(floors.detection_recall);
    if (floors.max_false_positives_per_complete_image !== null) expect(figures.false_positives_per_complete_image).toBeLessThanOrEqual(floors.max_false_positives_per_complete_image);
    if (floors.max_unmatched_reads !== null) expect(figures.unmatched_reads).toBeLessThanOrEqual(floors.max_unmatched_reads);
    if (floors.min_precision_at_0_9 !== null) expect(calibration.at_0_9).toBeGreaterThanOrEqual(floors.min_precision_at_0_9);
    expect(calibration.from_0_5_to_0_9).toBeGreaterThan(calibration.below_0_5);
  });
});
