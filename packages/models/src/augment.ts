// Data augmentation on the fly, while a batch is copied out of the in-memory training set (no
// second copy of the dataset): horizontal flips and random translations (pad with zeros by up to
// `translate` pixels, crop back to the image size). The draws of a batch are a pure function of
// (seed, epoch, batch), so a resumed run augments exactly as an uninterrupted one.
import { TRAIN_LIMITS, checkRange } from './limits';
import { deriveSeed, mulberry32 } from './rng';

export interface Augment {
  /** flip each image left-right with probability 1/2 */
  flip?: boolean;
  /** shift each image by dx, dy drawn uniformly from -translate..translate (0 = none) */
  translate?: number;
}

export function checkAugment(a: Augment): void {
  if (a.translate !== undefined) checkRange('augment.translate', a.translate, TRAIN_LIMITS.translate);
}

export function augmentActive(a: Augment | undefined): a is Augment {
  return !!a && (a.flip === true || (a.translate ?? 0) > 0);
}

/** The random stream of one batch. */
export function batchRandom(seed: number, epoch: number, batch: number): () => number {
  return mulberry32(deriveSeed(seed, 0xa06, epoch, batch));
}

/**
 * Copies one image (`side` x `side` x `channels`, row-major) from `src` to `dst`, flipped and/or
 * shifted: dst(y, x) = src(y - dy, x' - dx) where x' is x mirrored when flipped; pixels shifted
 * in from outside are 0.
 */
export function copyAugmented(src: Float32Array, dst: Float32Array, side: number, channels: number, flip: boolean, dx: number, dy: number): void {
  const row = side * channels;
  for (let y = 0; y < side; y++) {
    const sy = y - dy;
    const out = y * row;
    if (sy < 0 || sy >= side) {
      dst.fill(0, out, out + row);
      continue;
    }
    for (let x = 0; x < side; x++) {
      const fx = x - dx;
      const sx = flip ? side - 1 - fx : fx;
      for (let c = 0; c < channels; c++) dst[out + x * channels + c] = fx < 0 || fx >= side ? 0 : src[sy * row + sx * channels + c];
    }
  }
}

/** Draws one image's transform from the batch's stream (always three draws, so images stay aligned). */
export function drawTransform(a: Augment, rnd: () => number): { flip: boolean; dx: number; dy: number } {
  const k = a.translate ?? 0;
  const f = rnd();
  const dx = Math.floor(rnd() * (2 * k + 1)) - k;
  const dy = Math.floor(rnd() * (2 * k + 1)) - k;
  return { flip: a.flip === true && f < 0.5, dx, dy };
}
