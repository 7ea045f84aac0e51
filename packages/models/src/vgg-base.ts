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
  return tf.tensor4d(caffeInput(images, n, inputSize, side), [n, inputSize, inputSize, 3]);
}

/**
 * preprocessCaffe's values as a plain array (row-major NHWC), computed in JavaScript with the
 * arithmetic of tfjs' cpu kernels (resizeBilinear with alignCorners in float64, rounded once to
 * float32, then minus the float32 means): the same bits as the chain of tfjs ops on the cpu
 * backend. That chain took 70 ms per batch of 64 at 48x48 on the wasm backend and 10x that on
 * cpu, a tenth of the conv base's time on onnxruntime; this takes about a millisecond.
 */
export function caffeInput(images: Uint8Array, n: number, inputSize: number, side = 28): Float32Array {
  const s = inputSize;
  const out = new Float32Array(n * s * s * 3);
  // the source indices and fraction of each output row (and column: the image is square)
  const lo = new Int32Array(s);
  const hi = new Int32Array(s);
  const frac = new Float64Array(s);
  const ratio = s > 1 ? (side - 1) / (s - 1) : side / s;
  for (let i = 0; i < s; i++) {
    const src = ratio * i;
    lo[i] = Math.floor(src);
    hi[i] = Math.min(side - 1, Math.ceil(src));
    frac[i] = src - lo[i];
  }
  const [b, g, r] = IMAGENET_MEAN_BGR.map((m) => Math.fround(m));
  const rows = new Float64Array(2 * s); // the two source rows, interpolated along x
  for (let k = 0; k < n; k++) {
    const img = k * side * side;
    let o = k * s * s * 3;
    for (let y = 0; y < s; y++) {
      const top = img + lo[y] * side;
      const bottom = img + hi[y] * side;
      for (let x = 0; x < s; x++) {
        const tl = images[top + lo[x]];
        const bl = images[bottom + lo[x]];
        rows[x] = tl + (images[top + hi[x]] - tl) * frac[x];
        rows[s + x] = bl + (images[bottom + hi[x]] - bl) * frac[x];
      }
      const fy = frac[y];
      for (let x = 0; x < s; x++) {
        const v = Math.fround(rows[x] + (rows[s + x] - rows[x]) * fy);
        out[o++] = v - b;
        out[o++] = v - g;
        out[o++] = v - r;
      }
    }
  }
  return out;
}
