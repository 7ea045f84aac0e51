// Seeded pseudo-random numbers for everything the models package randomises: initialisers,
// shuffling and dropout masks. Pure functions of the seed, so a run is reproducible and a resumed
// run sees exactly the numbers an uninterrupted one would.

/** mulberry32: a tiny 32-bit PRNG with good statistical quality for shuffling and masks. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The workspace's one seed derivation: a child seed from a parent seed and a path of parts,
 * numbers or names (`deriveSeed(seed, 'fold', 3)`, `deriveSeed(seed, layerIndex)`). A pure
 * function of its arguments, so a unit's seed never depends on the order units run in. Integers
 * go in as they are (floored, mod 2^32), names as a 32-bit hash of their UTF-16 code units; each
 * part is mixed with the murmur3 finaliser. The result is a non-zero 32-bit integer, because tfjs
 * treats a seed of 0 as "no seed" and falls back to Math.random.
 */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  let h = 0x9e3779b9;
  for (const p of [seed, ...parts]) {
    let k = typeof p === 'string' ? hashName(p) : Math.floor(p) >>> 0;
    k = Math.imul(k ^ (k >>> 16), 0x85ebca6b);
    k = Math.imul(k ^ (k >>> 13), 0xc2b2ae35);
    k ^= k >>> 16;
    h = Math.imul(h ^ k, 0x01000193) >>> 0;
    h ^= h >>> 15;
  }
  return h === 0 ? 1 : h >>> 0;
}

/** FNV-1a over the UTF-16 code units, started from the length (so "a" and "a\0" differ). */
function hashName(s: string): number {
  let h = (0x811c9dc5 ^ s.length) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates) determined by the seed. */
export function permutation(n: number, seed: number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const rnd = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}
