// Registers the fmnist training kernels for the wasm backend, replacing upstream ones where
// they are slower. Idempotent; returns the kernel names.
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { upstreamKernels } from './wasm-kernel-utils';

export const FMNIST_WASM_KERNELS: readonly tf.KernelConfig[] = [conv2DBackpropFilterConfig];

const registered = new Set<string>();

export function registerAllKernels(): string[] {
  for (const k of FMNIST_WASM_KERNELS) {
    if (registered.has(k.kernelName)) continue;
    const existing = tf.getKernel(k.kernelName, 'wasm');
    if (existing) {
      upstreamKernels.set(k.kernelName, existing);
      tf.unregisterKernel(k.kernelName, 'wasm');
    }
    tf.registerKernel(k);
    registered.add(k.kernelName);
  }
  return FMNIST_WASM_KERNELS.map((k) => k.kernelName);
}
