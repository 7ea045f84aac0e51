// Reader for Keras HDF5 weight files (the legacy h5 layout of `model.save_weights` / keras.applications):
// root attribute `layer_names`; each layer group has attribute `weight_names` whose entries are
// dataset paths inside the group ('block1_conv1/kernel:0' in Keras 2, 'block1_conv1_W_1:0' in the
// original VGG files). Files from `model.save` nest the same under a `model_weights` group.
import { openInput } from '@fmnist/core/node';
import { resolve } from 'node:path';
import { ModelsError } from '../errors';
import type { LayerWeights, WeightArray } from './layer-weights';

type H5 = typeof import('h5wasm');
type H5Group = InstanceType<H5['Group']>;
/** The emscripten module under h5wasm (what `ready` resolves to) and the parts of it used here. */
interface H5Module {
  activate_throwing_error_handler(): number;
  deactivate_throwing_error_handler(): number;
  FS: { open: (path: string, flags: number, mode?: number) => unknown; ErrnoError: new (errno: number) => Error };
}

let h5: Promise<{ lib: H5; mod: H5Module }> | undefined;
async function loadH5(): Promise<{ lib: H5; mod: H5Module }> {
  h5 ??= import('h5wasm/node').then(async (m) => {
    const lib = ((m as unknown as { default?: H5 }).default ?? m) as H5;
    const mod = (await lib.ready) as unknown as H5Module;
    return { lib, mod };
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
const BAD_FILE_HINT = `Download the weights file again (delete it to have it fetched and verified), or pass another one. ${HINT}`;

export const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const SUPERBLOCK_BYTES = 96; // enough for every superblock version with 8-byte addresses

/** Why a superblock (bytes from its signature on) is not one HDF5 can read, or undefined when sane. */
function superblockProblem(b: Buffer, fileSize: number): string | undefined {
  const version = b[8];
  let sizeOfOffsets: number;
  let sizeOfLengths: number;
  let addressesAt: number;
  if (version === 0 || version === 1) {
    // free-space, root symbol table and shared header versions are all 0; B-tree K values non-zero.
    if (b.length < 24) return 'its superblock is cut short';
    if (b[9] !== 0 || b[10] !== 0 || b[12] !== 0) return 'its superblock names unknown structure versions';
    if (b.readUInt16LE(16) === 0 || b.readUInt16LE(18) === 0) return 'its superblock has zero B-tree sizes';
    [sizeOfOffsets, sizeOfLengths, addressesAt] = [b[13], b[14], version === 0 ? 24 : 28];
  } else if (version === 2 || version === 3) {
    [sizeOfOffsets, sizeOfLengths, addressesAt] = [b[9], b[10], 12];
  } else {
    return `its superblock version ${version} is not one of 0-3`;
  }
  if (![2, 4, 8].includes(sizeOfOffsets) || ![2, 4, 8].includes(sizeOfLengths)) {
    return `its superblock gives impossible sizes of offsets and lengths (${sizeOfOffsets}, ${sizeOfLengths})`;
  }
  if (b.length < addressesAt + 4 * sizeOfOffsets) return 'its superblock is cut short';
  // Addresses: base, then (free space | extension), end of file, (driver info | root object header).
  const address = (i: number) => b.readUIntLE(addressesAt + i * sizeOfOffsets, Math.min(sizeOfOffsets, 6)) + (sizeOfOffsets === 8 ? b.readUInt16LE(addressesAt + i * 8 + 6) * 2 ** 48 : 0);
  const undefinedAddress = 2 ** (8 * sizeOfOffsets) - 1;
  const [base, eof] = [address(0), address(2)];
  if (base === undefinedAddress || eof === undefinedAddress) return 'its superblock has no end-of-file address';
  if (eof > fileSize + base) return `it is truncated: its superblock says it holds ${eof} bytes, the file has ${fileSize}`;
  if (version >= 2 && address(3) >= eof) return 'its superblock points past the end of the file';
  return undefined;
}

/** Checks the HDF5 signature and superblock before h5wasm sees the file (a regular file only). */
async function checkHdf5Header(abs: string): Promise<void> {
  const { fh, size } = await openInput(abs, 'Weights file', HINT);
  try {
    // The superblock is at 0, or after a user block at 512, 1024, 2048, ...
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      const b = Buffer.alloc(SUPERBLOCK_BYTES);
      const { bytesRead } = await fh.read(b, 0, SUPERBLOCK_BYTES, at);
      if (!b.subarray(0, 8).equals(HDF5_SIGNATURE)) continue;
      const problem = superblockProblem(b.subarray(0, bytesRead), size);
      if (problem) throw new ModelsError(`${abs} is not a readable HDF5 file: ${problem}.`, { file: abs, hint: BAD_FILE_HINT });
      return;
    }
  } finally {
    await fh.close();
  }
  throw new ModelsError(`${abs} is not an HDF5 file (no HDF5 signature).`, { file: abs, hint: HINT });
}

/** The innermost reason of an HDF5 error stack ("#007: ... in H5F__super_read(): unable to load superblock"). */
function hdf5Reason(e: unknown): string {
  const text = String((e as Error)?.message ?? e);
  const reasons = [...text.matchAll(/#\d+: .* in \S+\(\): (.+)$/gm)].map((m) => m[1].trim());
  return (reasons.at(-1) ?? text.split('\n')[0]).slice(0, 200);
}

const EACCES = 2; // emscripten's errno for "permission denied"
const O_CREAT = 0o100;

type H5File = InstanceType<H5['File']>;

/**
 * `path` (relative to the group `base`) in `file`, following only hard links: an external link
 * would open another file, and a soft link may lead through one. null when it does not exist.
 */
function getHard(file: H5File, base: string, path: string, abs: string) {
  let at = base === '/' ? '' : base;
  for (const part of path.split('/').filter(Boolean)) {
    const parent = file.get(at || '/') as H5Group | null;
    if (typeof parent?.keys !== 'function' || !parent.keys().includes(part)) return null;
    at = `${at}/${part}`;
    const external = file.get_external_link(at) as { filename?: string } | null;
    if (external?.filename) {
      throw new ModelsError(`${abs}: "${at}" is an external link to ${external.filename}; weights are only read from the file itself.`, { file: abs, hint: BAD_FILE_HINT });
    }
    if (file.get_link(at) != null) {
      throw new ModelsError(`${abs}: "${at}" is a soft link; Keras weights files hold plain groups and datasets.`, { file: abs, hint: BAD_FILE_HINT });
    }
  }
  return file.get(at || '/');
}

function readLayers(file: H5File, abs: string): LayerWeights {
  let root: H5Group = file;
  if (root.attrs['layer_names'] == null && root.keys().includes('model_weights')) root = getHard(file, '/', 'model_weights', abs) as H5Group;
  const attr = root.attrs['layer_names'];
  if (attr == null) throw new ModelsError(`${abs} has no "layer_names" attribute: it is not a Keras weights file.`, { file: abs, hint: HINT });
  const layers: LayerWeights = new Map();
  for (const layerName of stringList(attr.value)) {
    const group = getHard(file, root.path, layerName, abs) as H5Group | null;
    if (group == null || typeof group.keys !== 'function') throw new ModelsError(`${abs} lists layer "${layerName}" in layer_names but has no group for it.`, { file: abs, hint: HINT });
    const arrays: WeightArray[] = [];
    for (const weightName of stringList(group.attrs['weight_names']?.value)) {
      const ds = getHard(file, group.path, weightName, abs) as { shape: number[] | null; value: unknown; metadata: { virtual_sources?: unknown[] } } | null;
      if (ds == null || !('shape' in ds)) {
        throw new ModelsError(`${abs}: layer "${layerName}" lists weight "${weightName}" but the dataset is missing.`, { file: abs, hint: HINT });
      }
      if (ds.metadata.virtual_sources?.length) {
        throw new ModelsError(`${abs}: weight "${layerName}/${weightName}" is a virtual dataset (its data lives in other files); weights are only read from the file itself.`, { file: abs, hint: BAD_FILE_HINT });
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
}

/**
 * Reads every layer's weights from a Keras HDF5 weights file, defensively: the superblock is checked
 * first, HDF5's diagnostics become one line of a ModelsError instead of lines on stderr, and no other
 * file is opened (external links, external storage and virtual datasets are refused).
 */
export async function readKerasH5(path: string): Promise<LayerWeights> {
  const abs = resolve(path);
  await checkHdf5Header(abs);
  const { lib, mod } = await loadH5();
  // HDF5 opens other files to follow external links, external storage and virtual datasets: only
  // this file may be opened, besides the temp file (O_CREAT) the error handler formats a stack in.
  // Synchronous from here to the restore, so no other h5wasm call sees the guard.
  const fsOpen = mod.FS.open;
  const refused: string[] = [];
  mod.FS.open = function (this: unknown, p: string, flags: number, mode?: number) {
    if (p !== abs && !(flags & O_CREAT)) {
      refused.push(p);
      throw new mod.FS.ErrnoError(EACCES);
    }
    return fsOpen.call(this, p, flags, mode);
  };
  mod.activate_throwing_error_handler();
  let file: H5File | undefined;
  try {
    file = new lib.File(abs, 'r');
    return readLayers(file, abs);
  } catch (e) {
    if (e instanceof ModelsError) throw e;
    if (refused.length) {
      throw new ModelsError(`${abs} refers to another file (${refused[0]}); weights are only read from the file itself.`, { file: abs, hint: BAD_FILE_HINT });
    }
    throw new ModelsError(`Cannot read ${abs} as an HDF5 file: ${hdf5Reason(e)}.`, { file: abs, hint: BAD_FILE_HINT });
  } finally {
    try {
      file?.close();
    } catch {
      // already reported
    }
    mod.deactivate_throwing_error_handler();
    mod.FS.open = fsOpen;
  }
}
