import { createHash } from 'node:crypto';

/** A seeded 32-bit PRNG (mulberry32, the one the models package shuffles and drops out with). */
export { mulberry32 as createRng } from '@fmnist/models';

/** Fisher-Yates shuffle in place with a seeded generator. */
export function shuffleInPlace<T>(a: T[] | Uint32Array, rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * A child seed derived from a parent seed and a path of names ("fold", 3): independent of the
 * order in which units run, so concurrency never changes results.
 */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  const h = createHash('sha256').update(JSON.stringify([seed, ...parts])).digest();
  return h.readUInt32LE(0) & 0x7fffffff;
}
