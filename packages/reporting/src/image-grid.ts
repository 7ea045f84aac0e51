import { IMAGE_SIDE, imageAt, type ImageTable } from './arrow-io';
import { encodeRgbPng } from './png';

export interface ImageGrid {
  png: Uint8Array;
  width: number;
  height: number;
  rows: number; // one per class
  perRow: number;
  cell: number; // pixels per tile including the gap
  rowsUsed: number[][]; // table row numbers (0-based) shown per class
}

const GAP = 2;
const BACKGROUND = 235;

/**
 * A grid of sample images, one row per class (the first `perRow` images of that class in input
 * order, so the same table gives the same grid), each upscaled `scale` times by pixel repetition.
 * Fashion-MNIST draws the garment light on black; the grid shows it as in the original study.
 */
export function sampleGrid(t: ImageTable, o: { classes: number; perRow: number; scale: number }): ImageGrid {
  const rowsUsed: number[][] = Array.from({ length: o.classes }, () => []);
  for (let r = 0; r < t.n; r++) {
    const label = Number(t.labels[r]);
    if (label >= 0 && label < o.classes && rowsUsed[label].length < o.perRow) rowsUsed[label].push(r);
  }
  const tile = IMAGE_SIDE * o.scale;
  const cell = tile + GAP;
  const width = o.perRow * cell + GAP;
  const height = o.classes * cell + GAP;
  const rgb = new Uint8Array(width * height * 3).fill(BACKGROUND);
  rowsUsed.forEach((rows, c) => {
    rows.forEach((row, k) => {
      const img = imageAt(t, row);
      const x0 = GAP + k * cell;
      const y0 = GAP + c * cell;
      for (let y = 0; y < tile; y++) {
        const src = Math.floor(y / o.scale) * IMAGE_SIDE;
        let dst = ((y0 + y) * width + x0) * 3;
        for (let x = 0; x < tile; x++) {
          const v = img[src + Math.floor(x / o.scale)];
          rgb[dst++] = v;
          rgb[dst++] = v;
          rgb[dst++] = v;
        }
      }
    });
  });
  return { png: encodeRgbPng(width, height, rgb), width, height, rows: o.classes, perRow: o.perRow, cell, rowsUsed };
}
