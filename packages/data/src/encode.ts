import { NUM_CLASSES, PIXELS } from './constants';
import type { Split } from './types';

/**
 * Features for a CNN: float32 [n, 28, 28, 1] (row-major, so the same order as the images) scaled
 * to [0, 1], and one-hot labels [n, 10].
 */
export function encodeForCnn(s: Split): { x: Float32Array; y: Float32Array; n: number } {
  const x = new Float32Array(s.n * PIXELS);
  const src = s.images;
  const scale = 1 / 255;
  for (let i = 0; i < x.length; i++) x[i] = src[i] * scale;
  const y = new Float32Array(s.n * NUM_CLASSES);
  for (let i = 0; i < s.n; i++) y[i * NUM_CLASSES + s.labels[i]] = 1;
  return { x, y, n: s.n };
}
