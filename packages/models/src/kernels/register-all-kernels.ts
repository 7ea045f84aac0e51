// Registers the fmnist training kernels for the wasm backend, replacing upstream ones where
// they are slower (the gradients that call the fmnist kernels: gradients/register-all-gradients.ts).
// One kernel per file, each exporting `<kernelName>Config: KernelConfig`. Idempotent; returns the
// kernel names.
import * as tf from '@tensorflow/tfjs';
import { _FusedMatMulConfig } from './_fused-mat-mul';
import { batchMatMulConfig } from './batch-mat-mul';
import { castConfig } from './cast';
import { fmnistAdamConfig } from './fmnist-adam';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { conv2DConfig } from './conv2d';
import { fmnistBatchNormGradSumsConfig } from './fmnist-batch-norm-grad-sums';
import { fmnistBatchNormStatsConfig } from './fmnist-batch-norm-stats';
import { fmnistChannelAffine2Config } from './fmnist-channel-affine2';
import { fmnistDropoutConfig } from './fmnist-dropout';
import { fmnistReluGradConfig } from './fmnist-relu-grad';
import { fmnistTanhGradConfig } from './fmnist-tanh-grad';
import { fusedBatchNormConfig } from './fused-batch-norm';
import { fusedConv2DConfig } from './fused-conv2d';
import { identityConfig } from './identity';
import { maxPoolGradConfig } from './max-pool-grad';
import { meanConfig } from './mean';
import { sumConfig } from './sum';
import { tanhConfig } from './tanh';
import { tileConfig } from './tile';
import { upstreamKernels } from './wasm-kernel-utils';

export const FMNIST_WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  batchMatMulConfig,
  tanhConfig,
  fmnistTanhGradConfig,
  sumConfig,
  identityConfig,
  meanConfig,
  tileConfig,
  fusedBatchNormConfig,
  castConfig,
  fmnistBatchNormGradSumsConfig,
  fmnistReluGradConfig,
  fmnistChannelAffine2Config,
  conv2DConfig,
  fusedConv2DConfig,
  _FusedMatMulConfig,
  fmnistDropoutConfig,
  fmnistBatchNormStatsConfig,
  fmnistAdamConfig,
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
  return FMNIST_WASM_KERNELS.map((k) => k.kernelName);
}
