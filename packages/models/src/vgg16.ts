// VGG16 conv base (Simonyan & Zisserman 2014), Keras layout.
import type * as tf from '@tensorflow/tfjs';
import { buildVggBase, type VggSpec } from './vgg-base';

export const VGG16_SPEC: VggSpec = Object.freeze({
  variant: 'vgg16',
  convsPerBlock: [2, 2, 3, 3, 3],
  filters: [64, 128, 256, 512, 512],
  parameters: 14_714_688,
});

export function createVgg16Base(o: { inputSize?: number } = {}): tf.LayersModel {
  return buildVggBase(VGG16_SPEC, o);
}
