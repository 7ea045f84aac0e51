// Test helper: generated weights for a VGG conv base, in the layout the weight loaders produce.
import type * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../rng';
import type { LayerWeights } from '../weights/layer-weights';

/**
 * Seeded He-scaled kernels and non-zero biases for every conv layer, to be written into the base
 * the way the weight loaders do (assignLayerWeights), so activations stay O(1) through 13 layers
 * and a wrong layout or padding shows.
 */
export function seededVggWeights(base: tf.LayersModel, seed: number): LayerWeights {
  const r = mulberry32(seed);
  const layers: LayerWeights = new Map();
  for (const layer of base.layers) {
    if (layer.weights.length === 0) continue;
    const [k, b] = layer.weights.map((w) => w.shape as number[]);
    const scale = Math.sqrt(6 / (k[0] * k[1] * k[2]));
    const kernel = Float32Array.from({ length: k.reduce((a, d) => a * d, 1) }, () => (r() * 2 - 1) * scale);
    const bias = Float32Array.from({ length: b[0] }, () => r() * 0.2 - 0.05);
    layers.set(layer.name, [
      { name: `${layer.name}/kernel`, shape: k, values: kernel },
      { name: `${layer.name}/bias`, shape: b, values: bias },
    ]);
  }
  return layers;
}
