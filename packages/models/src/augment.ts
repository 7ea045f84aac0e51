// Data augmentation on the fly, while a batch is copied out of the in-memory training set (no
// second copy of the dataset): horizontal flips, random translations (pad with zeros by up to
// `translate` pixels, crop back to the image size) and random erasing (a rectangle of the image
// replaced by noise). The draws of a batch are a pure function of (seed, epoch, batch), so a
// resumed run augments exactly as an uninterrupted one.
import { TRAIN_LIMITS, checkRange } from './limits';
import { deriveSeed, mulberry32 } from './rng';

export interface Augment {
  /** flip each image left-right with probability 1/2 */
  flip?: boolean;
  /** shift each image by dx, dy drawn uniformly from -translate..translate (0 = none) */
  translate?: number;
  /**
   * random erasing (Zhong et al., 2017): with this probability, a rectangle covering 2-40% of the
   * image, of aspect ratio 0.3-3.3, is filled with uniform noise in [0, 1) (0 = none)
   */
  erase?: number;
}

/** Random erasing's rectangle: its share of the image area and its aspect ratio (height / width). */
export const ERASE_AREA = { min: 0.02, max: 0.4 } as const;
export const ERASE_ASPECT = { min: 0.3, max: 1 / 0.3 } as const;

export function checkAugment(a: Augment): void {
  if (a.translate !== undefined) checkRange('augment.translate', a.translate, TRAIN_LIMITS.translate);
  if (a.erase !== undefined) checkRange('augment.erase', a.erase, TRAIN_LIMITS.eraseProbability);
}

export function augmentActive(a: Augment | undefined): a is Augment {
  return !!a && (a.flip === true || (a.translate ?? 0) > 0 || (a.erase ?? 0) > 0);
}

/**
 * The erasing stream of a batch, split off the batch's stream by one draw. Only a batch that
 * erases takes that draw, so the flips and shifts of a recipe without erasing are unchanged.
 */
export function eraseRandom(batch: () => number): () => number {
  return mulberry32(Math.floor(batch() * 4294967296));
}

/**
 * Random erasing of one image in place (`side` x `side` x `channels`): with probability `p`, a
 * rectangle drawn as in Zhong et al. (area and aspect ratio uniform in ERASE_AREA and ERASE_ASPECT,
 * redrawn until it fits, at most 10 times) gets uniform noise.
 */
export function eraseRectangle(img: Float32Array, side: number, channels: number, p: number, rnd: () => number): void {
  if (rnd() >= p) return;
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = side * side * (ERASE_AREA.min + rnd() * (ERASE_AREA.max - ERASE_AREA.min));
    const aspect = ERASE_ASPECT.min + rnd() * (ERASE_ASPECT.max - ERASE_ASPECT.min);
    const h = Math.round(Math.sqrt(area * aspect));
    const w = Math.round(Math.sqrt(area / aspect));
    if (h < 1 || w < 1 || h >= side || w >= side) continue;
    const y0 = Math.floor(rnd() * (side - h + 1));
    const x0 = Math.floor(rnd() * (side - w + 1));
    for (let y = y0; y < y0 + h; y++) {
      for (let i = (y * side + x0) * channels, end = (y * side + x0 + w) * channels; i < end; i++) img[i] = rnd();
    }
    return;
  }
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
