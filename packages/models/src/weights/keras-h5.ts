// Reader for Keras HDF5 weight files (the legacy h5 layout of `model.save_weights` / keras.applications):
// root attribute `layer_names`; each layer group has attribute `weight_names` whose entries are
// dataset paths inside the group ('block1_conv1/kernel:0' in Keras 2, 'block1_conv1_W_1:0' in the
// original VGG files). Files from `model.save` nest the same under a `model_weights` group.
import { resolve } from 'node:path';
import { ModelsError } from '../errors';
import type { LayerWeights, WeightArray } from './layer-weights';

type H5 = typeof import('h5wasm');
type H5Group = InstanceType<H5['Group']>;

let h5: Promise<H5> | undefined;
async function loadH5(): Promise<H5> {
  h5 ??= import('h5wasm/node').then(async (m) => {
    const mod = ((m as unknown as { default?: H5 }).default ?? m) as H5;
    await mod.ready;
    return mod;
  });
  return h5;
}

/**
 * A string-list attribute as h5wasm returns it. Keras writes `np.asarray(names)`: fixed-length
 * byte strings, or for a layer without weights an empty float64 array (h5wasm: an empty typed array).
 */
const decode = (v: ArrayBufferView) => new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

function stringList(v: unknown): string[] {
  if (v == null) return [];
  if (ArrayBuffer.isView(v)) return v.byteLength === 0 ? [] : [decode(v).replace(/\0+$/, '')].filter(Boolean);
  const list = Array.isArray(v) ? v : [v];
  return list
    .map((x) => (typeof x === 'string' ? x : ArrayBuffer.isView(x) ? decode(x) : String(x)).replace(/\0+$/, ''))
    .filter((s) => s.length > 0);
}

const HINT = 'Use the Keras "notop" weights file (e.g. vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5) or a TensorFlow.js model.json.';

/** Reads every layer's weights from a Keras HDF5 weights file. */
export async function readKerasH5(path: string): Promise<LayerWeights> {
  const h = await loadH5();
  const abs = resolve(path);
  let file: InstanceType<H5['File']>;
  try {
    file = new h.File(abs, 'r');
  } catch (e) {
    throw new ModelsError(`Cannot open ${abs} as an HDF5 file (${(e as Error).message}).`, { file: abs, hint: HINT });
  }
  try {
    let root: H5Group = file;
    if (root.attrs['layer_names'] == null && root.keys().includes('model_weights')) root = file.get('model_weights') as H5Group;
    const attr = root.attrs['layer_names'];
    if (attr == null) throw new ModelsError(`${abs} has no "layer_names" attribute: it is not a Keras weights file.`, { file: abs, hint: HINT });
    const layers: LayerWeights = new Map();
    for (const layerName of stringList(attr.value)) {
      const group = root.get(layerName) as H5Group | null;
      if (group == null) throw new ModelsError(`${abs} lists layer "${layerName}" in layer_names but has no group for it.`, { file: abs, hint: HINT });
      const arrays: WeightArray[] = [];
      for (const weightName of stringList(group.attrs['weight_names']?.value)) {
        const ds = group.get(weightName) as { shape: number[] | null; value: unknown } | null;
        if (ds == null || !('shape' in ds)) {
          throw new ModelsError(`${abs}: layer "${layerName}" lists weight "${weightName}" but the dataset is missing.`, { file: abs, hint: HINT });
        }
        const raw = ds.value;
        if (!(raw instanceof Float32Array || raw instanceof Float64Array)) {
          throw new ModelsError(`${abs}: weight "${layerName}/${weightName}" is not a float array.`, { file: abs, hint: HINT });
        }
        arrays.push({ name: weightName, shape: [...(ds.shape ?? [])], values: raw instanceof Float32Array ? raw : Float32Array.from(raw) });
      }
      layers.set(layerName, arrays);
    }
    return layers;
  } finally {
    file.close();
  }
}
