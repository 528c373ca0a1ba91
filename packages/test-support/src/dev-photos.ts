// The labelled dev photos for tests that use real photos: ../shared/data/plates beside the repository
// (or $NPR_SHARED/data/plates), never copied into it. Where they are absent, those tests skip and say why.
import fs from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.join(__dirname, '..', '..', '..');
export const DEV_PLATES_DIR = path.join(process.env.NPR_SHARED ?? path.join(REPO_ROOT, '..', 'shared'), 'data', 'plates');
export const HAS_DEV_PHOTOS = fs.existsSync(path.join(DEV_PLATES_DIR, 'dev.jsonl'));

export type Box = { x: number; y: number; width: number; height: number };
/** One line of dev.jsonl: a photo (`file`, relative to DEV_PLATES_DIR) and its labelled plates. */
export type DevLabel = { id: string; file: string; region: string; country?: string; plates: { text: string; box: Box | null }[] };

/** The dev set's labels (dev.jsonl), one per photo, in file order. */
export function devLabels(): DevLabel[] {
  return fs
    .readFileSync(path.join(DEV_PLATES_DIR, 'dev.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as DevLabel);
}
