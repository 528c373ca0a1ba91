import type { ObservedColour } from '@npr/contracts';
import { labToLch, rgbToLab, type Lab } from './lab';
import { nameColour } from './name-colour';

/** Decoded pixels: `channels` bytes per pixel (RGB or RGBA), rows top to bottom. */
export type RgbImage = { data: Uint8Array; width: number; height: number; channels: number };
export type PlateBox = { x: number; y: number; width: number; height: number };

type Region = { name: string; x0: number; y0: number; x1: number; y1: number; weight: number };
type Sample = { lab: Lab; region: number; weight: number };

const SAMPLES_PER_REGION = 700;
const CLUSTERS = 4;
const MIN_SAMPLES = 60;

/**
 * Where the car's body is, relative to its plate: the panels beside the plate (bumper, boot) and
 * above it (boot lid, bonnet). Below the plate is road and shadow; the plate itself is excluded.
 * Plate heights vary with the plate's shape (UK 520x111, US 12x6 in), so the vertical unit is
 * derived from the width too.
 */
function bodyRegions(box: PlateBox, width: number, height: number): Region[] {
  const w = box.width;
  const u = Math.max(box.height, w * 0.22);
  const cy = box.y + box.height / 2;
  const gap = w * 0.12;
  const raw: Region[] = [
    { name: 'left', x0: box.x - w * 0.9, x1: box.x - gap, y0: cy - u * 1.2, y1: cy + u * 0.6, weight: 1 },
    { name: 'right', x0: box.x + w + gap, x1: box.x + w + w * 0.9, y0: cy - u * 1.2, y1: cy + u * 0.6, weight: 1 },
    { name: 'above', x0: box.x - w * 0.15, x1: box.x + w * 1.15, y0: box.y - u * 2.6, y1: box.y - u * 0.5, weight: 1 },
  ];
  return raw
    .map((r) => ({ ...r, x0: Math.max(0, Math.round(r.x0)), y0: Math.max(0, Math.round(r.y0)), x1: Math.min(width, Math.round(r.x1)), y1: Math.min(height, Math.round(r.y1)) }))
    .filter((r) => r.x1 - r.x0 >= 2 && r.y1 - r.y0 >= 2);
}

function sampleRegions(image: RgbImage, regions: Region[], plate: PlateBox): Sample[] {
  const samples: Sample[] = [];
  const { data, width, channels } = image;
  regions.forEach((r, ri) => {
    const area = (r.x1 - r.x0) * (r.y1 - r.y0);
    const step = Math.max(1, Math.floor(Math.sqrt(area / SAMPLES_PER_REGION)));
    for (let y = r.y0; y < r.y1; y += step) {
      for (let x = r.x0; x < r.x1; x += step) {
        if (x >= plate.x && x < plate.x + plate.width && y >= plate.y && y < plate.y + plate.height) continue;
        const i = (y * width + x) * channels;
        samples.push({ lab: rgbToLab(data[i]!, data[i + 1]!, data[i + 2]!), region: ri, weight: r.weight });
      }
    }
  });
  return samples;
}

const dist2 = (a: Lab, b: Lab) => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2;

/** Deterministic k-means in Lab: seeds by farthest-point from the lightness median. */
function kMeans(samples: Sample[], k: number, iterations = 10): { centre: Lab; members: Sample[] }[] {
  const byL = [...samples].sort((a, b) => a.lab[0] - b.lab[0]);
  const centres: Lab[] = [[...byL[byL.length >> 1]!.lab] as Lab];
  while (centres.length < k) {
    let best = samples[0]!, bestD = -1;
    for (const s of samples) {
      const d = Math.min(...centres.map((c) => dist2(s.lab, c)));
      if (d > bestD) (bestD = d), (best = s);
    }
    if (bestD <= 1) break;
    centres.push([...best.lab] as Lab);
  }
  let assign = new Int32Array(samples.length);
  for (let it = 0; it < iterations; it++) {
    samples.forEach((s, i) => {
      let bi = 0, bd = Infinity;
      centres.forEach((c, ci) => {
        const d = dist2(s.lab, c);
        if (d < bd) (bd = d), (bi = ci);
      });
      assign[i] = bi;
    });
    centres.forEach((c, ci) => {
      let n = 0, l = 0, a = 0, b = 0;
      samples.forEach((s, i) => {
        if (assign[i] === ci) (n += s.weight), (l += s.lab[0] * s.weight), (a += s.lab[1] * s.weight), (b += s.lab[2] * s.weight);
      });
      if (n > 0) centres[ci] = [l / n, a / n, b / n];
    });
  }
  return centres.map((centre, ci) => ({ centre, members: samples.filter((_, i) => assign[i] === ci) }));
}

/**
 * How likely a cluster is to be paint rather than what surrounds a plate: next to plates sit black
 * plastic bumpers, grilles, intakes and shadows, so near-black clusters count less, and clearly
 * coloured clusters (little else around a plate is saturated) count more.
 */
function paintPrior({ l, c }: { l: number; c: number }): number {
  if (l < 25 && c < 12) return 0.6;
  return 1 + Math.min(Math.max(c - 15, 0), 45) / 45;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Estimates the body colour of the vehicle carrying the plate in `box`: samples the panels beside
 * and above the plate, clusters them in CIE Lab, and names the median of the cluster that is
 * largest and most consistent across the panels. `confidence` is the share of sampled body pixels
 * that agree with the answer. null when too little of the car is in the picture.
 */
export function estimateVehicleColour(image: RgbImage, box: PlateBox): ObservedColour | null {
  if (box.width < 8 || box.height < 2) return null;
  const regions = bodyRegions(box, image.width, image.height);
  const samples = sampleRegions(image, regions, box);
  if (samples.length < MIN_SAMPLES) return null;

  const clusters = kMeans(samples, CLUSTERS);
  const regionTotals = regions.map((_, ri) => samples.filter((s) => s.region === ri).length);
  // body paint covers several panels; grilles, lights and shadows tend to sit in one
  const scored = clusters
    .filter((c) => c.members.length > 0)
    .map((c) => {
      const spread = regions.reduce((sum, _, ri) => {
        const n = c.members.filter((s) => s.region === ri).length;
        return sum + Math.sqrt(regionTotals[ri] ? n / regionTotals[ri]! : 0);
      }, 0) / regions.length;
      return { ...c, score: spread * paintPrior(labToLch(c.centre)) };
    })
    .sort((a, b) => b.score - a.score);
  const best = scored[0]!;
  const lab: Lab = [median(best.members.map((s) => s.lab[0])), median(best.members.map((s) => s.lab[1])), median(best.members.map((s) => s.lab[2]))];
  const name = nameColour(labToLch(lab));

  const total = samples.reduce((n, s) => n + s.weight, 0);
  const agreeing = samples.reduce((n, s) => n + (nameColour(labToLch(s.lab)) === name ? s.weight : 0), 0);
  return { name, confidence: Math.round((agreeing / total) * 100) / 100 };
}
