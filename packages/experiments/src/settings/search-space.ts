import { hashConfig } from '../rundir/config-hash';
import { createRng } from '../util/rng';
import type { TrainParams } from '../types';

/**
 * A search space: each key lists its choices. A choice that is a plain object is merged into the
 * params (so `optimizer: [{ optimizer: 'sgd', learningRate: 0.01, momentum: 0.9 }, ...]` ties a
 * learning rate and momentum to their optimizer); any other value sets `params[key]`.
 */
export type SearchSpace = Record<string, readonly unknown[]>;

export function spaceSize(space: SearchSpace): number {
  return Object.values(space).reduce((n, choices) => n * choices.length, 1);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The i-th point of the grid (mixed-radix index; the last key varies fastest). */
export function gridPoint(space: SearchSpace, base: TrainParams, index: number): TrainParams {
  const keys = Object.keys(space);
  const out: Record<string, unknown> = { ...base };
  let rest = index;
  for (let k = keys.length - 1; k >= 0; k--) {
    const choices = space[keys[k]];
    const v = choices[rest % choices.length];
    rest = Math.floor(rest / choices.length);
    if (isPlainObject(v)) Object.assign(out, v);
    else out[keys[k]] = v;
  }
  return out as unknown as TrainParams;
}

/** Every point of the grid, in order. */
export function gridConfigs(space: SearchSpace, base: TrainParams): TrainParams[] {
  return Array.from({ length: spaceSize(space) }, (_, i) => gridPoint(space, base, i));
}

/** n distinct grid points chosen with a seeded generator (the whole grid when it is small enough). */
export function sampleConfigs(space: SearchSpace, base: TrainParams, n: number, seed: number): TrainParams[] {
  const size = spaceSize(space);
  if (size <= n) return gridConfigs(space, base);
  const rng = createRng(seed);
  const picked = new Set<number>();
  while (picked.size < n) picked.add(Math.floor(rng() * size));
  return [...picked].map((i) => gridPoint(space, base, i));
}

/** A stable id for a configuration (epochs excluded: a trial grows its epochs across rungs). */
export function trialId(params: TrainParams, prefix = 't'): string {
  const { epochs: _e, ...rest } = params;
  return `${prefix}-${hashConfig(rest).slice(0, 8)}`;
}
