import { describe, expect, it } from 'vitest';
import { realTestSplit, subset, sameBytes } from '../test/fixtures';
import { NUM_VARIABLES, PIXELS } from './constants';
import { arrowToMatrix, arrowToSplit, matrixToArrow, splitToArrow } from './arrow-io';
import { FmnistError } from './errors';

describe('Arrow I/O', () => {
  it('round-trips a split, also from an unaligned view and with a row count off the tile size', async () => {
    const s = subset(await realTestSplit(), 0, 333);
    const back = arrowToSplit(splitToArrow(s), 'x.arrow');
    expect(back.n).toBe(333);
    expect(sameBytes(back.images, s.images)).toBe(true);
    expect(back.labels).toEqual(s.labels);
    const shifted = new Uint8Array(s.images.length + 1);
    shifted.set(s.images, 1);
    const back2 = arrowToSplit(splitToArrow({ n: s.n, images: shifted.subarray(1), labels: s.labels }), 'y.arrow');
    expect(sameBytes(back2.images, s.images)).toBe(true);
    expect(back2.images[5 * PIXELS + 300]).toBe(s.images[5 * PIXELS + 300]);
  });

  it('round-trips a matrix with NaN and keeps row i as the variable of column i', () => {
    const R = new Float64Array(NUM_VARIABLES * NUM_VARIABLES).map((_, k) => Math.floor(k / NUM_VARIABLES) + (k % NUM_VARIABLES) / 1000);
    R[3 * NUM_VARIABLES + 7] = NaN;
    const back = arrowToMatrix(matrixToArrow(R), 'm.arrow');
    expect(Number.isNaN(back[3 * NUM_VARIABLES + 7])).toBe(true);
    back[3 * NUM_VARIABLES + 7] = R[3 * NUM_VARIABLES + 7] = 0;
    expect(sameBytes(back, R)).toBe(true);
  });

  it('rejects bytes that are not Arrow, and a table of the wrong shape, naming the file', () => {
    expect(() => arrowToSplit(new Uint8Array([1, 2, 3]), '/d/train.arrow')).toThrow(FmnistError);
    expect(() => arrowToSplit(new Uint8Array([1, 2, 3]), '/d/train.arrow')).toThrow(/\/d\/train\.arrow/);
    const R = new Float64Array(NUM_VARIABLES * NUM_VARIABLES);
    expect(() => arrowToSplit(matrixToArrow(R), '/d/test.arrow')).toThrow(/\/d\/test\.arrow: column 1 is label:Float64, expected label:uint8/);
  });
});
