import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERASE_AREA, ERASE_ASPECT, batchRandom, copyAugmented } from './augment';
import { gatherBatch } from './train-data';
import { fashionSubset } from './testing/fashion-subset';

const SIDE = 28;
const SIZE = SIDE * SIDE;
const d = fashionSubset('train', 64);
const data = { x: d.x, labels: d.labels, n: d.n };
const idx = Uint32Array.from({ length: 64 }, (_, i) => (i * 7) % 64);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function batch(o: Parameters<typeof gatherBatch>[4]) {
  const { x, y } = gatherBatch(data, idx, [SIDE, SIDE, 1], SIZE, o);
  const out = { x: x.dataSync() as Float32Array, y: y.dataSync() as Float32Array };
  tf.dispose([x, y]);
  return out;
}

const image = (a: Float32Array, i: number) => a.subarray(i * SIZE, (i + 1) * SIZE);
const shifted = (src: Float32Array, flip: boolean, dx: number, dy: number) => {
  const out = new Float32Array(SIZE);
  copyAugmented(src, out, SIDE, 1, flip, dx, dy);
  return out;
};
/** Every (flip, dx, dy) within k that turns `src` into `out`. */
function transformsOf(src: Float32Array, out: Float32Array, k: number): string[] {
  const found: string[] = [];
  for (const flip of [false, true]) for (let dx = -k; dx <= k; dx++) for (let dy = -k; dy <= k; dy++) {
    if (shifted(src, flip, dx, dy).every((v, i) => v === out[i])) found.push(`${flip}/${dx}/${dy}`);
  }
  return found;
}

describe('gatherBatch augmentation', () => {
  it('copyAugmented flips left-right and shifts with zero padding, pixel by pixel', () => {
    const src = Float32Array.from({ length: SIZE }, (_, i) => i + 1);
    const f = shifted(src, true, 0, 0);
    expect(f[0]).toBe(src[27]);
    expect(f[28 * 5 + 3]).toBe(src[28 * 5 + 24]);
    const s = shifted(src, false, 2, -1);
    // dst(y, x) = src(y + 1, x - 2); the two left columns and the bottom row come from outside
    expect(s[28 * 4 + 10]).toBe(src[28 * 5 + 8]);
    expect(s[28 * 4 + 1]).toBe(0);
    expect(s[28 * 27 + 10]).toBe(0);
  });

  it('keeps every label and only flips or shifts each image within the bound, leaving the dataset untouched', () => {
    const before = data.x.slice();
    const plain = batch({});
    const aug = batch({ augment: { flip: true, translate: 2 }, random: batchRandom(5, 1, 0) });
    expect(Array.from(aug.y)).toEqual(Array.from(plain.y));
    for (let i = 0; i < idx.length; i++) expect(aug.y[i * 10 + data.labels[idx[i]]]).toBe(1);
    let flipped = 0;
    let moved = 0;
    for (let i = 0; i < idx.length; i++) {
      const ts = transformsOf(image(plain.x, i), image(aug.x, i), 2);
      expect(ts.length, `image ${i}`).toBeGreaterThan(0);
      if (ts.every((t) => t.startsWith('true'))) flipped++;
      if (ts.every((t) => !t.endsWith('/0/0'))) moved++;
    }
    // about half flipped, most shifted (24 of 25 shifts move the image)
    expect(flipped).toBeGreaterThan(16);
    expect(flipped).toBeLessThan(48);
    expect(moved).toBeGreaterThan(48);
    expect(Array.from(data.x)).toEqual(Array.from(before));
  });

  it('is a pure function of (seed, epoch, batch): the same draws again, other draws for another epoch, batch or seed', () => {
    const at = (seed: number, epoch: number, b: number) => batch({ augment: { flip: true, translate: 3 }, random: batchRandom(seed, epoch, b) }).x;
    const a = at(5, 1, 0);
    expect(Array.from(at(5, 1, 0))).toEqual(Array.from(a));
    for (const other of [at(5, 2, 0), at(5, 1, 1), at(6, 1, 0)]) expect(Array.from(other)).not.toEqual(Array.from(a));
  });

  it('flips only when flip is asked, shifts only when translate is asked', () => {
    const plain = batch({});
    const flips = batch({ augment: { flip: true }, random: batchRandom(1, 1, 0) });
    const shifts = batch({ augment: { translate: 1 }, random: batchRandom(1, 1, 0) });
    for (let i = 0; i < idx.length; i++) {
      expect(transformsOf(image(plain.x, i), image(flips.x, i), 0).length).toBeGreaterThan(0);
      expect(transformsOf(image(plain.x, i), image(shifts.x, i), 1).some((t) => t.startsWith('false'))).toBe(true);
    }
  });

  it('random erasing replaces one rectangle of 2-40% of the image with noise, keeps the label, and is seeded', () => {
    const plain = batch({});
    const erased = batch({ augment: { erase: 1 }, random: batchRandom(3, 2, 1) });
    expect(Array.from(erased.y)).toEqual(Array.from(plain.y));
    let rectangles = 0;
    for (let i = 0; i < idx.length; i++) {
      const a = image(plain.x, i);
      const b = image(erased.x, i);
      // the bounding box of the changed pixels; noise may equal the pixel only by chance
      let y0 = SIDE, y1 = -1, x0 = SIDE, x1 = -1;
      for (let p = 0; p < SIZE; p++) {
        if (a[p] === b[p]) continue;
        const y = Math.floor(p / SIDE), x = p % SIDE;
        y0 = Math.min(y0, y); y1 = Math.max(y1, y); x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      }
      if (y1 < 0) continue;
      rectangles++;
      const h = y1 - y0 + 1, w = x1 - x0 + 1;
      // the rounding of height and width may stretch the drawn area by up to a row and a column
      expect(h * w, `image ${i}`).toBeLessThanOrEqual(Math.ceil(SIZE * ERASE_AREA.max) + 2 * SIDE);
      expect(h / w).toBeLessThanOrEqual(ERASE_ASPECT.max * 2 + 1);
      let noise = 0;
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
        const v = b[y * SIDE + x];
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(1);
        if (v !== a[y * SIDE + x]) noise++;
      }
      // inside the box, nearly every pixel is noise (a changed box that is mostly unchanged is not a rectangle)
      expect(noise / (h * w)).toBeGreaterThan(0.9);
    }
    expect(rectangles).toBe(idx.length);
    expect(Array.from(batch({ augment: { erase: 1 }, random: batchRandom(3, 2, 1) }).x)).toEqual(Array.from(erased.x));
    expect(Array.from(batch({ augment: { erase: 1 }, random: batchRandom(3, 2, 2) }).x)).not.toEqual(Array.from(erased.x));
  });

  it('random erasing hits about the asked share of the images, and erase 0 leaves the flips and shifts as they were', () => {
    const plain = batch({});
    const half = batch({ augment: { erase: 0.5 }, random: batchRandom(8, 1, 0) });
    let hit = 0;
    for (let i = 0; i < idx.length; i++) if (image(plain.x, i).some((v, p) => v !== half.x[i * SIZE + p])) hit++;
    expect(hit).toBeGreaterThan(16);
    expect(hit).toBeLessThan(48);
    const without = batch({ augment: { flip: true, translate: 2 }, random: batchRandom(8, 1, 0) });
    const zero = batch({ augment: { flip: true, translate: 2, erase: 0 }, random: batchRandom(8, 1, 0) });
    expect(Array.from(zero.x)).toEqual(Array.from(without.x));
  });

  it('label smoothing: targets (1 - s) * one-hot + s / 10', () => {
    const { y } = batch({ labelSmoothing: 0.1 });
    for (let i = 0; i < idx.length; i++) {
      for (let k = 0; k < 10; k++) expect(y[i * 10 + k]).toBeCloseTo(k === data.labels[idx[i]] ? 0.91 : 0.01, 6);
    }
  });

  it('refuses augmentation of inputs that are not square images', () => {
    expect(() => gatherBatch({ x: new Float32Array(20), labels: new Uint8Array(2), n: 2 }, [0, 1], [10], 10, { augment: { flip: true }, random: batchRandom(1, 1, 0) })).toThrow(
      /augmentation needs square image inputs/,
    );
  });
});
