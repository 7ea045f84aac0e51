import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { seededArray, useBackend } from './kernel-test-utils';

describe('Identity (wasm, fmnist: shares data instead of copying)', () => {
  it('clones keep their values after the original is disposed, and free the memory at the end', async () => {
    await useBackend('wasm');
    const data = seededArray(1000, 51);
    const before = tf.memory();
    const a = tf.tensor(data, [10, 100]);
    const b = tf.clone(a);
    const c = tf.clone(b);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    expect(tf.memory().numDataBuffers - before.numDataBuffers).toBe(1); // one buffer for three tensors
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual(Array.from(data));
    b.dispose();
    expect(Array.from(c.dataSync())).toEqual(Array.from(data));
    expect(backend.numDataIds()).toBe(ids);
    c.dispose();
    expect(backend.numDataIds()).toBe(ids - 1); // freed with the last reference
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});
