// Seeded randomness for the experiments: the models package's generator and its one seed
// derivation (a child seed from a parent seed and a path of names, e.g. ("fold", 3)).
export { mulberry32 as createRng, deriveSeed } from '@fmnist/models';

/** Fisher-Yates shuffle in place with a seeded generator. */
export function shuffleInPlace<T>(a: T[] | Uint32Array, rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
