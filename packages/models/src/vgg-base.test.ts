import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMAGENET_MEAN_BGR, caffeInput, preprocessCaffe } from './vgg-base';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The tfjs op chain preprocessCaffe used before it was written in plain JavaScript. */
function caffeOps(images: Uint8Array, n: number, size: number): Float32Array {
  return tf.tidy(() => {
    const gray = tf.tensor4d(images.subarray(0, n * 784), [n, 28, 28, 1], 'int32').toFloat();
    const resized = size === 28 ? gray : tf.image.resizeBilinear(gray, [size, size], true);
    const bgr = tf.reverse(tf.concat([resized, resized, resized], 3), 3);
    return tf.sub(bgr, tf.tensor1d([...IMAGENET_MEAN_BGR])).dataSync() as Float32Array;
  });
}

describe('caffeInput', () => {
  it('gives the bits of the tfjs op chain (cpu backend) on real images at 28, 32, 48 and 75', () => {
    const raw = gunzipSync(readFileSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz'));
    const images = raw.subarray(16, 16 + 7 * 784);
    for (const size of [28, 32, 48, 75]) {
      const mine = caffeInput(images, 7, size);
      expect(mine.length).toBe(7 * size * size * 3);
      expect(Buffer.from(mine.buffer).equals(Buffer.from(caffeOps(images, 7, size).buffer))).toBe(true);
    }
    const t = preprocessCaffe(images, 7, 48);
    expect(t.shape).toEqual([7, 48, 48, 3]);
    expect(Buffer.from((t.dataSync() as Float32Array).buffer).equals(Buffer.from(caffeInput(images, 7, 48).buffer))).toBe(true);
    t.dispose();
  });
});
