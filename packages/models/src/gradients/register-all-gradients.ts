// Registers the fmnist gradients: on the wasm backend they run the fused fmnist kernels
// (kernels/), elsewhere tfjs's own formulas. Gradients are global in tfjs (one per op for all
// backends), so registering them leaves every other backend's results as they were. Idempotent.
import * as tf from '@tensorflow/tfjs';
import { fmnistDropoutGradConfig } from './fmnist-dropout-grad';
import { fusedBatchNormGradConfig } from './fused-batch-norm-grad';
import { reluGradConfig } from './relu-grad';
import { tanhGradConfig } from './tanh-grad';

export const FMNIST_GRADIENTS: readonly tf.GradConfig[] = [tanhGradConfig, fusedBatchNormGradConfig, reluGradConfig, fmnistDropoutGradConfig];

let registered = false;

export function registerAllGradients(): string[] {
  if (!registered) {
    for (const g of FMNIST_GRADIENTS) tf.registerGradient(g);
    registered = true;
  }
  return FMNIST_GRADIENTS.map((g) => g.kernelName);
}
