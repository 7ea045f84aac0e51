import { describe, expect, it } from 'vitest';
import type { RgbaImage } from './decode-image';
import { resizeArea } from './resize-area';
import { toFashionMnist } from './to-fashion-mnist';

/** A gray image (row-major bytes) as RGBA, optionally scaled up k× and negated. */
function toRgba(gray: Uint8Array, side: number, k = 1, negate = false): RgbaImage {
  const w = side * k;
  const data = new Uint8Array(w * w * 4);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const v = gray[Math.floor(y / k) * side + Math.floor(x / k)];
      const g = negate ? 255 - v : v;
      data.set([g, g, g, 255], (y * w + x) * 4);
    }
  }
  return { width: w, height: w, data };
}

/** A 28×28 "garment": a solid shape touching the top and bottom edges, narrower than the frame. */
function garment(): Uint8Array {
  const g = new Uint8Array(784);
  for (let y = 0; y < 28; y++) for (let x = 6; x < 22; x++) g[y * 28 + x] = 60 + ((x * 7 + y * 3) % 180);
  return g;
}

describe('toFashionMnist', () => {
  it('keeps a 28×28 image with a dark background as it is', () => {
    const g = garment();
    const c = toFashionMnist(toRgba(g, 28));
    expect(c.inverted).toBe(false);
    expect(Array.from(c.pixels)).toEqual(Array.from(g));
  });

  it('negates an image with a light background', () => {
    const g = garment();
    const c = toFashionMnist(toRgba(g, 28, 1, true));
    expect(c.inverted).toBe(true);
    expect(Array.from(c.pixels)).toEqual(Array.from(g));
  });

  it('trims, fits the longest edge to 28 with area averaging and centres: a 3× negated photo comes back exactly', () => {
    const g = garment();
    const c = toFashionMnist(toRgba(g, 28, 3, true));
    expect(c.box).toEqual({ x: 18, y: 0, width: 48, height: 84 });
    expect(Array.from(c.pixels)).toEqual(Array.from(g));
  });

  it('centres a wide object vertically on a black canvas', () => {
    // 100×50 white photo with a dark 80×20 bar in the middle → 28×7 bar centred.
    const w = 100;
    const h = 50;
    const data = new Uint8Array(w * h * 4).fill(255);
    for (let y = 15; y < 35; y++) for (let x = 10; x < 90; x++) data.set([20, 20, 20, 255], (y * w + x) * 4);
    const c = toFashionMnist({ width: w, height: h, data });
    const rows = [...Array(28).keys()].filter((y) => c.pixels[y * 28 + 14] > 128);
    expect(rows).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(c.pixels[0]).toBe(0);
    expect(c.pixels[13 * 28 + 14]).toBe(235);
  });

  it('treats transparent pixels as a white page', () => {
    const data = new Uint8Array(40 * 40 * 4); // all transparent
    for (let y = 10; y < 30; y++) for (let x = 10; x < 30; x++) data.set([0, 0, 0, 255], (y * 40 + x) * 4);
    const c = toFashionMnist({ width: 40, height: 40, data });
    expect(c.inverted).toBe(true);
    expect(c.pixels.every((v) => v === 255)).toBe(true); // the square fills the frame
  });
});

describe('resizeArea', () => {
  it('averages 2×2 blocks exactly', () => {
    const src = Float64Array.from([0, 4, 8, 8, 2, 2, 8, 8, 1, 1, 0, 0, 1, 1, 0, 4]);
    expect(Array.from(resizeArea(src, 4, 4, 2, 2))).toEqual([2, 8, 1, 1]);
  });

  it('keeps the mean for fractional factors', () => {
    const src = Float64Array.from({ length: 7 * 5 }, (_v, i) => (i * 37) % 11);
    const out = resizeArea(src, 7, 5, 3, 2);
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(out)).toBeCloseTo(mean(src), 10);
  });
});
