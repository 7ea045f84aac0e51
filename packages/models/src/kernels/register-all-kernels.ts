// Registers the fmnist training kernels for the wasm backend, replacing upstream ones where
// they are slower, and the Tanh gradient that uses FmnistTanhGrad on wasm. Idempotent; returns
// the kernel names.
import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-mat-mul';
import { batchNormGradSumsConfig } from './batch-norm-grad-sums';
import { castConfig } from './cast';
import { channelAffine2Config } from './channel-affine2';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { fusedBatchNormConfig } from './fused-batch-norm';
import { fusedBatchNormGradientConfig } from './fused-batch-norm-gradient';
import { identityConfig } from './identity';
import { maxPoolGradConfig } from './max-pool-grad';
import { meanConfig } from './mean';
import { reluGradConfig } from './relu-grad';
import { reluGradientConfig } from './relu-gradient';
import { sumConfig } from './sum';
import { tanhConfig } from './tanh';
import { tanhGradConfig } from './tanh-grad';
import { tanhGradientConfig } from './tanh-gradient';
import { tileConfig } from './tile';
import { upstreamKernels } from './wasm-kernel-utils';

export const FMNIST_WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  batchMatMulConfig,
  tanhConfig,
  tanhGradConfig,
  sumConfig,
  identityConfig,
  meanConfig,
  tileConfig,
  fusedBatchNormConfig,
  castConfig,
  batchNormGradSumsConfig,
  reluGradConfig,
  channelAffine2Config,
];

const registered = new Set<string>();

export function registerAllKernels(): string[] {
  for (const k of FMNIST_WASM_KERNELS) {
    if (registered.has(k.kernelName)) continue;
    const existing = tf.getKernel(k.kernelName, 'wasm');
    let config = k;
    if (existing) {
      upstreamKernels.set(k.kernelName, existing);
      tf.unregisterKernel(k.kernelName, 'wasm');
      // The upstream kernel still runs (as a fallback): keep its per-backend setup.
      const up = existing.setupFunc;
      if (up) {
        const setupFunc: NonNullable<tf.KernelConfig['setupFunc']> = (b) => {
          up(b);
          k.setupFunc?.(b);
        };
        config = { ...k, setupFunc };
      }
    }
    tf.registerKernel(config);
    registered.add(k.kernelName);
  }
  if (!registered.has('gradients')) {
    // Gradients are global (all backends); these switch to the fused kernels on wasm only.
    tf.registerGradient(tanhGradientConfig);
    tf.registerGradient(fusedBatchNormGradientConfig);
    tf.registerGradient(reluGradientConfig);
    registered.add('gradients');
  }
  return FMNIST_WASM_KERNELS.map((k) => k.kernelName);
}
