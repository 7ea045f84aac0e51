// VGG19 conv base (Simonyan & Zisserman 2014), Keras layout.
import type * as tf from '@tensorflow/tfjs';
import { buildVggBase, type VggSpec } from './vgg-base';

export const VGG19_SPEC: VggSpec = Object.freeze({
  variant: 'vgg19',
  convsPerBlock: [2, 2, 4, 4, 4],
  filters: [64, 128, 256, 512, 512],
  parameters: 20_024_384,
});

export function createVgg19Base(o: { inputSize?: number } = {}): tf.LayersModel {
  return buildVggBase(VGG19_SPEC, o);
}
