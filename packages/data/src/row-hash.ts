import { PIXELS } from './constants';

const WORDS = PIXELS / 4; // 196 32-bit words per image

/**
 * A 52-bit hash of one 784-byte image (two independent 32-bit multiply-xorshift lanes, the
 * second truncated to 20 bits), usable as an exact Map key. Callers compare the bytes on a hit.
 * `words` views the same buffer as the images; image i starts at word i*196.
 */
export function hashImage(words: Uint32Array, bytes: Uint8Array, i: number): number {
  let h1 = 0x9e3779b9 | 0;
  let h2 = 0x85ebca6b | 0;
  if (words.length > 0) {
    const base = i * WORDS;
    for (let w = 0; w < WORDS; w++) {
      const k = words[base + w];
      h1 = Math.imul(h1 ^ k, 0x5bd1e995);
      h1 ^= h1 >>> 15;
      h2 = Math.imul(h2 + k, 0xcc9e2d51);
      h2 = (h2 << 13) | (h2 >>> 19);
    }
  } else {
    const base = i * PIXELS;
    for (let b = 0; b < PIXELS; b += 4) {
      const k = bytes[base + b] | (bytes[base + b + 1] << 8) | (bytes[base + b + 2] << 16) | (bytes[base + b + 3] << 24);
      h1 = Math.imul(h1 ^ k, 0x5bd1e995);
      h1 ^= h1 >>> 15;
      h2 = Math.imul(h2 + k, 0xcc9e2d51);
      h2 = (h2 << 13) | (h2 >>> 19);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return (h1 >>> 0) * 0x100000 + (h2 & 0xfffff);
}

/** A Uint32 view of the images when their buffer offset allows it, else an empty array. */
export function wordView(images: Uint8Array): Uint32Array {
  return images.byteOffset % 4 === 0
    ? new Uint32Array(images.buffer, images.byteOffset, images.length >>> 2)
    : new Uint32Array(0);
}

export function sameImage(images: Uint8Array, a: number, b: number): boolean {
  const pa = a * PIXELS;
  const pb = b * PIXELS;
  for (let p = 0; p < PIXELS; p++) if (images[pa + p] !== images[pb + p]) return false;
  return true;
}
