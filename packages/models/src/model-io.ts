// Save and load models in the TensorFlow.js layers format (model.json + weights.bin) with plain
// node:fs, so it works on every backend (tfjs' file:// handler only exists with tfjs-node).
import { isFmnistError } from '@fmnist/core';
import * as tf from '@tensorflow/tfjs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { readInputFile, resolveInside, writeFileAtomic } from '@fmnist/core/node';
import { ModelsError } from './errors';
import { registerCustomLayers } from './seeded-dropout';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
const MODEL_HINT = 'Pass the directory that holds model.json and weights.bin (written by saveModel or the TensorFlow.js converter).';

function toBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data == null) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** A tf.io handler that writes `dir/model.json` + `dir/weights.bin` atomically and reads them back. */
export function fsModelHandler(dir: string): tf.io.IOHandler {
  const root = resolve(dir);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new ModelsError('fsModelHandler saves layers models (JSON topology) only.');
      }
      await mkdir(root, { recursive: true });
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      // Weights first, then the JSON that points to them: a reader never sees a model.json whose
      // weights file is missing.
      await writeFileAtomic(join(root, WEIGHTS_BIN), toBytes(artifacts.weightData));
      await writeFileAtomic(join(root, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const path = join(root, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse((await readInputFile(path, 'Model file', MODEL_HINT)).toString('utf8')) as tf.io.ModelJSON;
      } catch (e) {
        if (((e as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new ModelsError(`No saved model at ${path}.`, { file: path, hint: MODEL_HINT });
        if (isFmnistError(e)) throw e; // not a regular file
        throw new ModelsError(`Cannot read ${path}: ${(e as Error).message}.`, { file: path, hint: MODEL_HINT });
      }
      if (modelJson.modelTopology == null) {
        throw new ModelsError(`${path} has no modelTopology.`, { file: path, hint: 'It is not a TensorFlow.js layers model; re-save it with saveModel.' });
      }
      return tf.io.getModelArtifactsForJSON(modelJson, (manifest) => readWeights(dirname(path), manifest, path));
    },
  };
}

/**
 * The shard files a weights manifest lists, resolved against `dir` (the folder of `listedIn`, the
 * model.json) and confined to it: a path that leads elsewhere is refused (resolveInside).
 */
export async function weightShardPaths(dir: string, manifest: tf.io.WeightsManifestConfig, listedIn = join(dir, MODEL_JSON)): Promise<string[]> {
  if (!Array.isArray(manifest)) throw new ModelsError(`${listedIn} has no weightsManifest.`, { file: listedIn, hint: 'It is not a TensorFlow.js layers model.json.' });
  const files: string[] = [];
  for (const group of manifest) for (const p of group?.paths ?? []) files.push(await resolveInside(dir, p, listedIn));
  return files;
}

const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** The bytes the manifest's weights take (quantized ones at their stored width); undefined when it cannot tell (strings). */
function manifestBytes(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let n = 0;
  for (const w of specs) {
    const per = BYTES_PER_ELEMENT[w.quantization?.dtype ?? w.dtype];
    if (per === undefined || !Array.isArray(w.shape)) return undefined;
    n += w.shape.reduce((a, d) => a * d, 1) * per;
  }
  return n;
}

/** Reads and concatenates the shards a weights manifest lists (paths relative to `dir`, confined to it). */
export async function readWeights(
  dir: string,
  manifest: tf.io.WeightsManifestConfig,
  listedIn = join(dir, MODEL_JSON),
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const files = await weightShardPaths(dir, manifest, listedIn);
  const specs = manifest.flatMap((group) => group.weights);
  const parts: Uint8Array[] = [];
  for (const file of files) {
    parts.push(await readInputFile(file, 'weights shard', `${listedIn} lists this shard; copy every shard beside it.`));
  }
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const expected = manifestBytes(specs);
  if (expected !== undefined && expected !== total) {
    const shards = files.length === 1 ? files[0] : `the ${files.length} shards (${files.map((f) => basename(f)).join(', ')})`;
    throw new ModelsError(`${shards} hold ${total} bytes of weights, but ${listedIn} describes ${expected}: a shard is truncated, missing or from another model.`, {
      file: files.length === 1 ? files[0] : listedIn,
      hint: 'Copy the model directory again (model.json with every shard it lists), or train the model again.',
    });
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return [specs, out.buffer];
}

/** Writes `dir/model.json` + `dir/weights.bin` (tfjs layers format), atomically per file. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  const handler = fsModelHandler(dir);
  // The training config (loss, metrics, optimizer settings, not its state) goes with the model, so
  // loadModel returns a compiled model; tfjs only writes it together with the optimizer weights.
  const compiled = model.optimizer != null ? (model as unknown as { getTrainingConfig(): tf.io.TrainingConfig }).getTrainingConfig() : undefined;
  await model.save({ save: (a) => handler.save!(compiled && !a.trainingConfig ? { ...a, trainingConfig: compiled } : a) });
}

/** Loads a model saved by saveModel (or any tfjs layers model directory). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  registerCustomLayers();
  try {
    return await tf.loadLayersModel(fsModelHandler(dir));
  } catch (e) {
    if (isFmnistError(e)) throw e; // a file missing, truncated or outside the directory: said already
    // valid JSON that tfjs cannot build a model from (a topology, dtype or weight list that does not fit)
    const file = join(dir, MODEL_JSON);
    const why = String((e as Error)?.message ?? e).split('\n')[0].trim().slice(0, 300);
    throw new ModelsError(`${file} does not describe a model that loads: ${why}`, {
      file,
      hint: 'Point to a model directory fmnist wrote (model.json with the weights it lists), or train the model again.',
      cause: e,
    });
  }
}
