// Keras-compatible VGG convolutional bases ("include_top=False"): same layer names, shapes and
// order as keras.applications, so ImageNet weights load by name.
import * as tf from '@tensorflow/tfjs';
import { MIN_VGG_INPUT, VGG_INPUT_LIMITS, checkRange } from './limits';

export type VggVariant = 'vgg16' | 'vgg19';

export interface VggSpec {
  variant: VggVariant;
  /** Conv layers per block, blocks 1..5. */
  convsPerBlock: readonly number[];
  filters: readonly number[];
  /** Conv-base parameter count (Keras `include_top=False`). */
  parameters: number;
}

export { MIN_VGG_INPUT };
export const DEFAULT_VGG_INPUT = 32;

/** Keras layer names of the weighted layers, in order: block1_conv1 ... block5_convN. */
export function vggConvLayerNames(spec: VggSpec): string[] {
  const names: string[] = [];
  spec.convsPerBlock.forEach((n, b) => {
    for (let c = 1; c <= n; c++) names.push(`block${b + 1}_conv${c}`);
  });
  return names;
}

/**
 * Builds the conv base for [n, inputSize, inputSize, 3] caffe-preprocessed input (see
 * preprocessCaffe). Frozen (trainable = false) with random weights until loadVggWeights.
 */
export function buildVggBase(spec: VggSpec, o: { inputSize?: number } = {}): tf.LayersModel {
  const size = checkRange('VGG input size (five 2x2 poolings)', o.inputSize ?? DEFAULT_VGG_INPUT, VGG_INPUT_LIMITS);
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x: tf.SymbolicTensor = input;
  spec.convsPerBlock.forEach((n, b) => {
    for (let c = 1; c <= n; c++) {
      x = tf.layers
        .conv2d({ name: `block${b + 1}_conv${c}`, filters: spec.filters[b], kernelSize: 3, padding: 'same', activation: 'relu', trainable: false })
        .apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.maxPooling2d({ name: `block${b + 1}_pool`, poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  });
  const model = tf.model({ inputs: input, outputs: x, name: spec.variant });
  model.trainable = false;
  return model;
}

/** Flattened feature length of a base's output (block5_pool) at its input size. */
export function vggFeatureDim(base: tf.LayersModel): number {
  const shape = base.outputs[0].shape;
  return shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
}

/** ImageNet channel means in BGR order, as Keras' preprocess_input('caffe') subtracts them. */
export const IMAGENET_MEAN_BGR = [103.939, 116.779, 123.68] as const;

/**
 * 28x28 grayscale uint8 images -> [n, size, size, 3] float32 as Keras' VGG preprocess_input
 * expects: bilinear resize, gray -> RGB, pixel scale 0..255, RGB -> BGR, minus the BGR means.
 */
export function preprocessCaffe(images: Uint8Array, n: number, inputSize: number, side = 28): tf.Tensor4D {
  return tf.tidy(() => {
    const gray = tf.tensor4d(images.subarray(0, n * side * side), [n, side, side, 1], 'int32').toFloat();
    const resized = inputSize === side ? gray : tf.image.resizeBilinear(gray, [inputSize, inputSize], true);
    const rgb = tf.concat([resized, resized, resized], 3);
    const bgr = tf.reverse(rgb, 3);
    return tf.sub(bgr, tf.tensor1d([...IMAGENET_MEAN_BGR])) as tf.Tensor4D;
  });
}
