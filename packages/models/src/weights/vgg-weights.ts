// ImageNet weights for the VGG conv bases: where they come from and how they are loaded.
// Order: explicit path, FMNIST_VGG16_WEIGHTS / FMNIST_VGG19_WEIGHTS, the user cache, download from
// the official Keras location (verified against the published hash). Never random weights.
import type * as tf from '@tensorflow/tfjs';
import { readInputFile, readInputHead } from '@fmnist/core/node';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { ModelsError } from '../errors';
import type { OnProgress } from '../train';
import type { VggVariant } from '../vgg-base';
import { downloadVerified, hashFile, userCacheDir } from './download';
import { HDF5_SIGNATURE, readKerasH5 } from './keras-h5';
import { assignLayerWeights } from './layer-weights';
import { readTfjsWeights } from './tfjs-weights';

/** The official Keras "notop" files with the MD5 keras.applications publishes as file_hash. */
export const KERAS_VGG_WEIGHTS: Readonly<Record<VggVariant, { file: string; md5: string; bytes: number }>> = Object.freeze({
  vgg16: { file: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: '6d6bbae143d832006294945121d1f1fc', bytes: 58_889_256 },
  vgg19: { file: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: '253f8cb515780f3b799900260a226db6', bytes: 80_134_624 },
});
export const KERAS_WEIGHTS_BASE_URL = 'https://storage.googleapis.com/tensorflow/keras-applications';

export const weightsEnvVar = (variant: VggVariant) => `FMNIST_${variant.toUpperCase()}_WEIGHTS`;

export interface AutoWeightsOptions {
  /** A Keras .h5 file, a TensorFlow.js model.json, or a directory holding model.json. */
  path?: string;
  env?: Record<string, string | undefined>;
  /** Default: userCacheDir()/weights. */
  cacheDir?: string;
  /** Default: env FMNIST_WEIGHTS_BASE_URL, else the official Keras location. */
  baseUrl?: string;
  /** Allow downloading into the cache (default true). */
  download?: boolean;
  /** Override the published MD5 (for mirrors serving other files, and tests). */
  expectedMd5?: string;
  onProgress?: OnProgress;
}

export type WeightsSource = { kind: 'keras-h5'; path: string } | { kind: 'tfjs'; modelJson: string } | ({ kind: 'auto' } & AutoWeightsOptions);

/** True when the file starts with the HDF5 signature (a regular file only: readInputHead). */
async function isHdf5(path: string, what: string): Promise<boolean> {
  return Buffer.from(await readInputHead(path, 8, what)).equals(HDF5_SIGNATURE);
}

/** A user-given path as a concrete source: directory or .json -> tfjs, otherwise HDF5 by signature. */
export async function sourceFromPath(path: string, what: string): Promise<WeightsSource> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new ModelsError(`${what} ${abs} does not exist.`, { file: abs, hint: 'Pass a Keras .h5 weights file, a TensorFlow.js model.json, or its directory.' });
  if (statSync(abs).isDirectory()) {
    const mj = join(abs, 'model.json');
    if (!existsSync(mj)) throw new ModelsError(`${what} ${abs} is a directory without model.json.`, { file: abs, hint: 'Pass a Keras .h5 weights file, a TensorFlow.js model.json, or its directory.' });
    return { kind: 'tfjs', modelJson: mj };
  }
  if (extname(abs).toLowerCase() === '.json') return { kind: 'tfjs', modelJson: abs };
  if (await isHdf5(abs, what)) return { kind: 'keras-h5', path: abs };
  throw new ModelsError(`${what} ${abs} is neither an HDF5 file nor a model.json.`, { file: abs, hint: 'Pass a Keras .h5 weights file, a TensorFlow.js model.json, or its directory.' });
}

function howToProvide(variant: VggVariant, cacheFile: string, url: string): string {
  const k = KERAS_VGG_WEIGHTS[variant];
  return (
    `Provide the ImageNet weights in one of these ways: ` +
    `(1) set ${weightsEnvVar(variant)} (or pass the weights path option) to the Keras file ${k.file} or to a TensorFlow.js layers model.json of the ${variant} conv base; ` +
    `(2) download ${url} yourself and save it as ${cacheFile}; ` +
    `(3) run with network access so it is downloaded and verified automatically. ` +
    `Training on random weights is not offered: they would not be ImageNet features.`
  );
}

/** Resolves 'auto' to a concrete file: path option, env var, cache, then download. */
export async function resolveVggWeights(variant: VggVariant, o: AutoWeightsOptions = {}): Promise<{ source: WeightsSource; md5?: string; sha256?: string }> {
  const env = o.env ?? process.env;
  if (o.path) return { source: await sourceFromPath(o.path, 'Weights path') };
  const fromEnv = env[weightsEnvVar(variant)]?.trim();
  if (fromEnv) return { source: await sourceFromPath(fromEnv, weightsEnvVar(variant)) };
  const k = KERAS_VGG_WEIGHTS[variant];
  const expected = (o.expectedMd5 ?? k.md5).toLowerCase();
  const cacheFile = join(o.cacheDir ?? join(userCacheDir(env), 'weights'), k.file);
  const url = `${(o.baseUrl ?? env.FMNIST_WEIGHTS_BASE_URL ?? KERAS_WEIGHTS_BASE_URL).replace(/\/+$/, '')}/${variant}/${k.file}`;
  if (existsSync(cacheFile)) {
    const h = await hashFile(cacheFile);
    if (h.md5 === expected) return { source: { kind: 'keras-h5', path: cacheFile }, ...h };
    await rm(cacheFile, { force: true }); // corrupted or stale: fetch it again
  }
  if (o.download === false) {
    throw new ModelsError(`No ImageNet weights for ${variant} found (downloads disabled).`, { file: cacheFile, hint: howToProvide(variant, cacheFile, url) });
  }
  try {
    const h = await downloadVerified(url, cacheFile, { md5: expected, onProgress: o.onProgress });
    return { source: { kind: 'keras-h5', path: cacheFile }, ...h };
  } catch (e) {
    throw new ModelsError(`No ImageNet weights for ${variant}: ${(e as Error).message}`, { file: cacheFile, hint: howToProvide(variant, cacheFile, url) });
  }
}

async function sha256Of(files: string[]): Promise<string> {
  if (files.length === 1) return (await hashFile(files[0])).sha256;
  const h = createHash('sha256');
  for (const f of files) h.update(await readInputFile(f, 'Weights file'));
  return h.digest('hex');
}

function variantOf(base: tf.LayersModel): VggVariant {
  if (base.name === 'vgg16' || base.name === 'vgg19') return base.name;
  throw new ModelsError(`loadVggWeights: model "${base.name}" is not a VGG base from createVggBase.`);
}

/**
 * Loads ImageNet weights into a VGG base by Keras layer name. Returns the SHA-256 of the weights
 * source (the .h5 file, or model.json + shards) for cache keys, and where they came from.
 */
export async function loadVggWeights(base: tf.LayersModel, source: WeightsSource = { kind: 'auto' }): Promise<{ sha256: string; source: string }> {
  const variant = variantOf(base);
  let concrete = source;
  let known: string | undefined;
  if (source.kind === 'auto') {
    const r = await resolveVggWeights(variant, source);
    concrete = r.source;
    known = r.sha256;
  }
  if (concrete.kind === 'keras-h5') {
    const layers = await readKerasH5(concrete.path);
    assignLayerWeights(base, layers, concrete.path);
    return { sha256: known ?? (await sha256Of([resolve(concrete.path)])), source: resolve(concrete.path) };
  }
  if (concrete.kind === 'tfjs') {
    const { layers, files } = await readTfjsWeights(concrete.modelJson);
    assignLayerWeights(base, layers, files[0]);
    return { sha256: await sha256Of(files), source: files[0] };
  }
  throw new ModelsError(`Unknown weights source kind "${(concrete as { kind: string }).kind}"; use keras-h5, tfjs or auto.`);
}
