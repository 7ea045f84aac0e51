import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PIXELS } from './constants';
import { describeColumns } from './explore';
import type { Split } from './types';

/** n rows of pseudo-random pixels and labels (a fixed LCG, so every run sees the same data). */
function randomSplit(n: number): Split {
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16;
  const images = new Uint8Array(n * PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = next() & 0xff;
  const labels = Uint8Array.from({ length: n }, () => next() % 10);
  return { n, images, labels };
}

function plainStats(values: number[]) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { count: n, mean, std, min: Math.min(...values), max: Math.max(...values) };
}

describe('describeColumns (danfojs)', () => {
  it('gives count, mean, sample std, min and max of the label and the chosen pixels', async () => {
    const split = randomSplit(500);
    const stats = await describeColumns(split, [1, 400, 784]);
    expect(Object.keys(stats)).toEqual(['label', 'pixel1', 'pixel400', 'pixel784']);
    const column = (p: number) => Array.from({ length: split.n }, (_, i) => split.images[i * PIXELS + p - 1]);
    const expected = { label: plainStats(Array.from(split.labels)), pixel1: plainStats(column(1)), pixel400: plainStats(column(400)), pixel784: plainStats(column(784)) };
    for (const [name, e] of Object.entries(expected)) {
      const got = stats[name];
      expect(got.count).toBe(e.count);
      expect(got.min).toBe(e.min);
      expect(got.max).toBe(e.max);
      expect(got.mean).toBeCloseTo(e.mean, 4);
      expect(got.std).toBeCloseTo(e.std, 3);
    }
  });

  it('runs on the workspace TensorFlow.js core, not a second copy of its own', async () => {
    // The root package.json's `overrides` give danfojs the tfjs the models train with: one engine
    // and one kernel registry per process, so preparing and training can share a process.
    const dfd = await import('danfojs');
    const fromModels = createRequire(new URL('../../models/package.json', import.meta.url));
    const modelsCore = JSON.parse(readFileSync(fromModels.resolve('@tensorflow/tfjs-core/package.json'), 'utf8')) as { version: string };
    expect(dfd.tensorflow.version_core).toBe(modelsCore.version);
  });
});
