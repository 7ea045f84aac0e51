import { PIXELS } from './constants';
import { hashImage, sameImage, wordView } from './row-hash';
import type { Split } from './types';

export interface DeduplicateResult {
  split: Split;
  /** Indices (into the input) of dropped exact duplicates, in order. */
  duplicates: number[];
  /** Indices of kept rows whose image appeared earlier (kept) with another label. */
  conflicting: number[];
  /** Index into the input of each kept row. */
  kept: Int32Array;
}

/**
 * Drops exact duplicate rows (label and all 784 pixels equal to an earlier row) after their first
 * occurrence and finds images that appear with different labels. One pass, one Map keyed by a
 * 52-bit image hash; every hash hit is confirmed byte by byte. When nothing is dropped the input
 * arrays are returned as they are (no copy).
 */
export function deduplicate(s: Split): DeduplicateResult {
  const words = wordView(s.images);
  // hash -> first kept row index with that image, or a list of them when images/labels differ
  const seen = new Map<number, number | number[]>();
  const keep = new Uint8Array(s.n);
  const duplicates: number[] = [];
  const conflicting: number[] = [];
  for (let i = 0; i < s.n; i++) {
    const h = hashImage(words, s.images, i);
    const hit = seen.get(h);
    if (hit === undefined) {
      seen.set(h, i);
      keep[i] = 1;
      continue;
    }
    const candidates = typeof hit === 'number' ? [hit] : hit;
    let dup = false;
    let conflict = false;
    for (const j of candidates) {
      if (!sameImage(s.images, i, j)) continue;
      if (s.labels[j] === s.labels[i]) dup = true;
      else conflict = true;
    }
    if (dup) {
      duplicates.push(i);
      continue;
    }
    if (conflict) conflicting.push(i);
    keep[i] = 1;
    if (typeof hit === 'number') seen.set(h, [hit, i]);
    else hit.push(i);
  }
  const nKept = s.n - duplicates.length;
  const kept = new Int32Array(nKept);
  for (let i = 0, k = 0; i < s.n; i++) if (keep[i]) kept[k++] = i;
  if (duplicates.length === 0) return { split: s, duplicates, conflicting, kept };
  const images = new Uint8Array(nKept * PIXELS);
  const labels = new Uint8Array(nKept);
  for (let k = 0; k < nKept; k++) {
    const i = kept[k];
    images.set(s.images.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
    labels[k] = s.labels[i];
  }
  return { split: { n: nKept, images, labels }, duplicates, conflicting, kept };
}
