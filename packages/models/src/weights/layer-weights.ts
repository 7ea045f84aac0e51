// Weights read from a file, grouped by Keras layer name, and their assignment to a model by name.
import * as tf from '@tensorflow/tfjs';
import { ModelsError } from '../errors';

export interface WeightArray {
  /** Name as stored in the file ('block1_conv1/kernel:0', 'block1_conv1_W_1:0', 'block1_conv1/kernel'). */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Layer name -> its weights in the file's order. */
export type LayerWeights = Map<string, WeightArray[]>;

/** Layers of a classification top that a "with top" file may carry and a conv base ignores. */
const TOP_LAYERS = new Set(['flatten', 'fc1', 'fc2', 'predictions']);

/** 'block1_conv1/kernel:0' -> 'kernel'; legacy 'block1_conv1_W_1:0' -> 'W'. */
function shortName(name: string): string {
  const last = name.slice(name.lastIndexOf('/') + 1).replace(/:\d+$/, '');
  const legacy = /_(W|b)(_\d+)?$/.exec(last);
  if (legacy) return legacy[1] === 'W' ? 'kernel' : 'bias';
  return last;
}

const fmt = (s: readonly (number | null)[]) => `[${s.join(', ')}]`;

/**
 * Assigns file weights to every weighted layer of `model` by Keras layer name. Checks everything
 * first and throws (naming layer and file) on a missing layer, a shape mismatch or a weighted layer
 * the model does not have, so a failed load leaves the model untouched.
 */
export function assignLayerWeights(model: tf.LayersModel, layers: LayerWeights, file: string): number {
  const plan: { layer: tf.layers.Layer; values: WeightArray[] }[] = [];
  const modelNames = new Set(model.layers.map((l) => l.name));
  for (const [name, arrays] of layers) {
    if (arrays.length > 0 && !modelNames.has(name) && !TOP_LAYERS.has(name)) {
      throw new ModelsError(`Weights file ${file} has weights for layer "${name}", which ${model.name} does not have.`, {
        file,
        hint: `Is it the file of another network? ${model.name} needs the Keras ${model.name} "notop" weights.`,
      });
    }
  }
  for (const layer of model.layers) {
    const vars = layer.weights;
    if (vars.length === 0) continue;
    const arrays = layers.get(layer.name);
    if (!arrays || arrays.length === 0) {
      throw new ModelsError(`Weights file ${file} has no weights for layer "${layer.name}".`, {
        file,
        hint: `Use the Keras ${model.name} "notop" weights (layers block1_conv1 ... block5_pool).`,
      });
    }
    if (arrays.length !== vars.length) {
      throw new ModelsError(`Layer "${layer.name}" needs ${vars.length} weight arrays, ${file} has ${arrays.length} (${arrays.map((a) => a.name).join(', ')}).`, { file });
    }
    // Match by weight name (kernel/bias) when the file's names say it, else by order as Keras does.
    const byName = new Map(arrays.map((a) => [shortName(a.name), a]));
    const named = byName.size === arrays.length && vars.every((v) => byName.has(shortName(v.originalName)));
    const ordered = named ? vars.map((v) => byName.get(shortName(v.originalName)) as WeightArray) : arrays;
    ordered.forEach((a, i) => {
      const want = vars[i].shape;
      if (a.shape.length !== want.length || a.shape.some((d, k) => d !== want[k])) {
        throw new ModelsError(
          `Layer "${layer.name}" weight "${shortName(vars[i].originalName)}": ${file} has shape ${fmt(a.shape)} (${a.name}), the model needs ${fmt(want)}.`,
          { file, hint: 'The file belongs to a different architecture or was saved with another data format (channels_first).' },
        );
      }
      if (a.values.length !== want.reduce<number>((p, d) => p * (d ?? 1), 1)) {
        throw new ModelsError(`Layer "${layer.name}" weight ${a.name} in ${file} holds ${a.values.length} values for shape ${fmt(a.shape)}.`, { file });
      }
    });
    plan.push({ layer, values: ordered });
  }
  for (const { layer, values } of plan) {
    const tensors = values.map((a) => tf.tensor(a.values, a.shape, 'float32'));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  return plan.length;
}
