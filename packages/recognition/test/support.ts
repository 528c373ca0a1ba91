/** Shared helpers of the recogniser's integration tests: where the dev photos and the models are. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** The shared data folder beside the repository (CI machines have it; a user's clone may not). */
export const SHARED_DIR = resolve(process.env.NPR_SHARED ?? join(REPO_ROOT, '..', 'shared'));
export const DEV_MANIFEST = join(SHARED_DIR, 'data', 'plates', 'dev.jsonl');
export const HAS_DEV_SET = existsSync(DEV_MANIFEST);
export const NO_DEV_SET_REASON = `skipped: the dev photos are not here (${DEV_MANIFEST}); they live in ../shared beside the repository`;

export interface DevPlate {
  text: string;
  box: { x: number; y: number; width: number; height: number } | null;
  uncertain?: boolean;
}
export interface DevImage {
  id: string;
  file: string;
  path: string;
  region: string;
  width: number;
  height: number;
  labels_complete: boolean;
  plates: DevPlate[];
}

/** The dev manifest with absolute image paths. */
export function loadDevSet(): DevImage[] {
  const dir = join(SHARED_DIR, 'data', 'plates');
  return readFileSync(DEV_MANIFEST, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
    .map((m) => ({ ...m, path: join(dir, m.file) }));
}

/** The committed models (models/ at the repository root), or null while none are exported yet. */
export function trainedModelsDir(): string | null {
  const dir = join(REPO_ROOT, 'models');
  return existsSync(join(dir, 'detector.onnx')) && existsSync(join(dir, 'reader.onnx')) ? dir : null;
}

/**
 * Untrained models with the real architecture (training/npr_train/models.py), exported once into a
 * temp folder: the same compute and I/O as the trained ones, so the pipeline and its timings can be
 * tested before training has produced anything. Null when PyTorch is not installed.
 */
export function untrainedModelsDir(): string | null {
  const modelsPy = join(REPO_ROOT, 'training', 'npr_train', 'models.py');
  if (!existsSync(modelsPy) || !existsSync('/usr/bin/python3')) return null;
  const dir = join(tmpdir(), `npr-untrained-models-${Math.floor(statSync(modelsPy).mtimeMs)}`);
  if (existsSync(join(dir, 'reader.onnx'))) return dir;
  const work = `${dir}.partial-${process.pid}`;
  mkdirSync(work, { recursive: true });
  const script = [
    'import sys, torch',
    `sys.path.insert(0, ${JSON.stringify(join(REPO_ROOT, 'training'))})`,
    'from npr_train.models import Detector, Reader, export_onnx',
    'torch.manual_seed(0)',
    `export_onnx(Detector(), ${JSON.stringify(join(work, 'detector.onnx'))}, 'detector')`,
    `export_onnx(Reader(), ${JSON.stringify(join(work, 'reader.onnx'))}, 'reader')`,
  ].join('\n');
  try {
    execFileSync('/usr/bin/python3', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    renameSync(work, dir);
  } catch (err) {
    if (existsSync(join(dir, 'reader.onnx'))) return dir; // another run won the race
    process.stderr.write(`could not export untrained models: ${(err as Error).message}\n`);
    return null;
  }
  return dir;
}

/** Trained models when committed, else untrained stand-ins; `trained` says which. */
export function anyModelsDir(): { dir: string; trained: boolean } | null {
  const trained = trainedModelsDir();
  if (trained) return { dir: trained, trained: true };
  const untrained = untrainedModelsDir();
  return untrained ? { dir: untrained, trained: false } : null;
}

/** Same text normalisation as shared/eval/evaluate.mjs. */
export const normalisePlate = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');

export function iou(a: DevPlate['box'] & object, b: DevPlate['box'] & object): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

export interface DevScore {
  plates: number;
  detected: number;
  exact: number;
  falsePositives: number;
  completeImages: number;
  /**
   * reads over every photo that overlap no labelled plate (uncertain ones included): junk a user would
   * see. Unlike falsePositives it counts all photos, not only those whose labels are complete, so it
   * moves less by chance; on photos with incomplete labels a few are real, unlabelled plates.
   */
  unmatched: number;
  misses: Array<{ id: string; want: string; got: string[] }>;
  /** every labelled plate that a prediction matched: that prediction's confidence and whether its text is right */
  reads: Array<{ confidence: number; right: boolean }>;
}

/** Scores predictions per dev image exactly as shared/eval/evaluate.mjs does (IoU match, exact text, FP). */
export function scoreDevSet(
  items: Array<{ image: DevImage; results: Array<{ plate: string; confidence?: number; bounding_box: { x: number; y: number; width: number; height: number } }> }>,
): DevScore {
  const s: DevScore = { plates: 0, detected: 0, exact: 0, falsePositives: 0, completeImages: 0, unmatched: 0, misses: [], reads: [] };
  for (const { image, results } of items) {
    const used = new Set<number>();
    for (const plate of image.plates) {
      if (plate.uncertain) continue;
      s.plates++;
      let best = -1;
      let bestIou = 0;
      results.forEach((r, i) => {
        const v = plate.box ? iou(plate.box, r.bounding_box) : 0;
        if (v > bestIou) {
          bestIou = v;
          best = i;
        }
      });
      if (!plate.box) best = results.findIndex((r) => normalisePlate(r.plate) === normalisePlate(plate.text));
      const hit = best >= 0 && (plate.box ? bestIou >= 0.1 : true);
      if (hit) used.add(best);
      if (hit && bestIou >= 0.3) s.detected++;
      const right = hit && normalisePlate(results[best].plate) === normalisePlate(plate.text);
      if (right) s.exact++;
      else s.misses.push({ id: image.id, want: plate.text, got: results.map((r) => r.plate) });
      if (hit) s.reads.push({ confidence: results[best].confidence ?? 0, right });
    }
    s.unmatched += results.filter(
      (r) => !image.plates.some((p) => (p.box ? iou(p.box, r.bounding_box) >= 0.1 : normalisePlate(p.text) === normalisePlate(r.plate))),
    ).length;
    if (image.labels_complete) {
      s.completeImages++;
      // as shared/eval/evaluate.mjs counts them: a read of a plate labelled uncertain is neither matched nor false
      s.falsePositives += results.filter((r, i) => !used.has(i) && !image.plates.some((p) => p.uncertain && p.box && iou(p.box, r.bounding_box) >= 0.1)).length;
    }
  }
  return s;
}
