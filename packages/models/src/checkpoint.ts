// Per-epoch training checkpoints: model weights + exact optimizer state + loop state, written so
// that a process killed at any moment leaves the previous complete checkpoint readable.
//
// Layout of checkpointDir:
//   checkpoint.json          { version, epoch, dir, fingerprint, state }  (written last, atomically)
//   epoch-0003/model.json    model topology + weights manifest (saveModel)
//   epoch-0003/weights.bin
//   epoch-0003/optimizer.json  weights manifest entries of the optimizer state
//   epoch-0003/optimizer.bin
//   epoch-0003/extra.json      (when the loop keeps more tensors, e.g. the weight average)
//   epoch-0003/extra.bin
import { readInputFile, resolveInside } from '@fmnist/core/node';
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@fmnist/core/node';
import { ModelsError } from './errors';
import { fsModelHandler, readWeights } from './model-io';
import { encodeOptimizerState, restoreOptimizerState } from './optimizer-state';

export const CHECKPOINT_JSON = 'checkpoint.json';
const VERSION = 1;

export interface CheckpointFile<S> {
  version: number;
  epoch: number;
  dir: string;
  fingerprint: Record<string, unknown>;
  state: S;
  savedAt: string;
}

const epochDir = (epoch: number) => `epoch-${String(epoch).padStart(4, '0')}`;

export async function writeCheckpoint<S>(
  dir: string,
  model: tf.LayersModel,
  epoch: number,
  fingerprint: Record<string, unknown>,
  state: S,
  extra?: { name: string; tensor: tf.Tensor }[],
): Promise<void> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const name = epochDir(epoch);
  const tmp = join(root, `${name}.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await model.save(fsModelHandler(tmp));
  const opt = await encodeOptimizerState(model.optimizer);
  await writeFileAtomic(join(tmp, 'optimizer.bin'), opt.data);
  await writeFileAtomic(join(tmp, 'optimizer.json'), JSON.stringify(opt.specs));
  if (extra?.length) {
    const { data, specs } = await tf.io.encodeWeights(extra);
    await writeFileAtomic(join(tmp, 'extra.bin'), new Uint8Array(tf.io.CompositeArrayBuffer.join(data)));
    await writeFileAtomic(join(tmp, 'extra.json'), JSON.stringify(specs));
  }
  const final = join(root, name);
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  const file: CheckpointFile<S> = { version: VERSION, epoch, dir: name, fingerprint, state, savedAt: new Date().toISOString() };
  await writeFileAtomic(join(root, CHECKPOINT_JSON), JSON.stringify(file, null, 1));
  // Older epochs and leftovers of killed writers are no longer referenced.
  for (const entry of await readdir(root)) {
    if (entry !== name && entry.startsWith('epoch-')) await rm(join(root, entry), { recursive: true, force: true });
  }
}

/** Reads checkpoint.json, or undefined when the directory holds no checkpoint yet. */
export async function readCheckpointFile<S>(dir: string): Promise<CheckpointFile<S> | undefined> {
  const path = join(resolve(dir), CHECKPOINT_JSON);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let file: CheckpointFile<S>;
  try {
    file = JSON.parse(text) as CheckpointFile<S>;
  } catch {
    throw new ModelsError(`Checkpoint ${path} is not valid JSON.`, { file: path, hint: 'Delete the checkpoint directory to start training from scratch.' });
  }
  if (file.version !== VERSION) {
    throw new ModelsError(`Checkpoint ${path} has version ${file.version}, this build reads version ${VERSION}.`, {
      file: path,
      hint: 'Delete the checkpoint directory to start training from scratch.',
    });
  }
  return file;
}

/**
 * Loads the checkpoint's weights and optimizer state into `model` (same architecture, compiled);
 * hands the extra tensors, when it has some, to `onExtra` (disposed after it returns).
 */
export async function restoreCheckpoint<S>(
  dir: string,
  file: CheckpointFile<S>,
  model: tf.LayersModel,
  onExtra?: (extra: tf.NamedTensorMap, where: string) => void,
): Promise<void> {
  // file.dir is read from checkpoint.json: confined to the checkpoint directory.
  const where = await resolveInside(resolve(dir), file.dir, join(resolve(dir), CHECKPOINT_JSON));
  const modelJson = JSON.parse((await readInputFile(join(where, 'model.json'), 'Checkpoint file')).toString('utf8')) as tf.io.ModelJSON;
  const [specs, buffer] = await readWeights(where, modelJson.weightsManifest);
  const weights = tf.io.decodeWeights(buffer, specs);
  try {
    model.loadWeights(weights, true);
  } catch (e) {
    throw new ModelsError(`Checkpoint ${where} does not fit this model: ${(e as Error).message}.`, {
      file: where,
      hint: 'It was written for another architecture; delete the checkpoint directory or use another one.',
    });
  } finally {
    tf.dispose(Object.values(weights));
  }
  const optSpecs = JSON.parse((await readInputFile(join(where, 'optimizer.json'), 'Checkpoint file')).toString('utf8')) as tf.io.WeightsManifestEntry[];
  const optData = await readInputFile(join(where, 'optimizer.bin'), 'Checkpoint file');
  await restoreOptimizerState(model.optimizer, optSpecs, optData);
  if (!onExtra) return;
  const extraSpecs = JSON.parse((await readInputFile(join(where, 'extra.json'), 'Checkpoint file')).toString('utf8')) as tf.io.WeightsManifestEntry[];
  const extraData = await readInputFile(join(where, 'extra.bin'), 'Checkpoint file');
  const extra = tf.io.decodeWeights(extraData.buffer.slice(extraData.byteOffset, extraData.byteOffset + extraData.byteLength) as ArrayBuffer, extraSpecs);
  try {
    onExtra(extra, where);
  } finally {
    tf.dispose(Object.values(extra));
  }
}
