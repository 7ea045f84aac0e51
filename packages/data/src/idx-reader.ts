import {
  IDX_IMAGES_HEADER_BYTES,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_HEADER_BYTES,
  IDX_LABELS_MAGIC,
  IMAGE_SIDE,
  MAX_RECORDS,
  NUM_CLASSES,
  PIXELS,
} from './constants';
import { isGzipFile, readBytes } from './byte-stream';
import { FmnistError } from './errors';
import { assertReadableFile } from './file-checks';
import type { OnProgress, Split } from './types';

const HINT = 'Use the official Fashion-MNIST IDX files (`apt-get install dataset-fashion-mnist` or `fmnist data fetch`).';

/**
 * Streams an IDX file (gzip or not) into one preallocated Uint8Array: the header is parsed and
 * validated as soon as it has arrived (announced size against the file's size, or against
 * MAX_RECORDS for gzip, before anything is allocated), then the payload is copied
 * chunk by chunk.
 */
async function readIdx(
  file: string,
  kind: 'images' | 'labels',
  onProgress?: OnProgress,
  headerOnly = false,
): Promise<{ count: number; data: Uint8Array }> {
  const { size } = await assertReadableFile(file, kind === 'images' ? 'IDX image file' : 'IDX label file');
  const headerBytes = kind === 'images' ? IDX_IMAGES_HEADER_BYTES : IDX_LABELS_HEADER_BYTES;
  const header = new Uint8Array(headerBytes);
  let headerFill = 0;
  let data: Uint8Array | null = null;
  let count = 0;
  let filled = 0;
  const gz = await isGzipFile(file);
  const truncated = (announced: number, present: number) =>
    new FmnistError(`${file} is truncated: its header announces ${count} ${kind} (${announced} bytes) but only ${present} bytes follow`, {
      file,
      hint: HINT,
    });
  const trailing = (extra?: number) =>
    new FmnistError(
      extra === undefined
        ? `${file} is longer than its header says (${count} ${kind}): trailing bytes`
        : `${file} is longer than its header says (${count} ${kind}, ${size - extra} bytes): ${extra} trailing bytes`,
      { file, hint: HINT },
    );
  const onBytes = onProgress ? (b: number) => onProgress({ done: b, total: size, unit: 'B', label: file }) : undefined;

  for await (const chunk of readBytes(file, { onBytes })) {
    let off = 0;
    if (headerFill < headerBytes) {
      const take = Math.min(headerBytes - headerFill, chunk.length);
      header.set(chunk.subarray(0, take), headerFill);
      headerFill += take;
      off = take;
      if (headerFill < headerBytes) continue;
      const view = new DataView(header.buffer);
      const magic = view.getUint32(0);
      const expected = kind === 'images' ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC;
      if (magic !== expected) {
        throw new FmnistError(
          `${file} is not an IDX ${kind} file: magic number ${magic}, expected ${expected}`,
          { file, hint: HINT },
        );
      }
      count = view.getUint32(4);
      if (kind === 'images') {
        const rows = view.getUint32(8);
        const cols = view.getUint32(12);
        if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
          throw new FmnistError(`${file} holds ${rows}x${cols} images, expected ${IMAGE_SIDE}x${IMAGE_SIDE}`, {
            file,
            hint: HINT,
          });
        }
      }
      // sizes checked before the allocation: a header may announce 4 billion records
      const bytes = kind === 'images' ? count * PIXELS : count;
      if (gz && count > MAX_RECORDS) {
        throw new FmnistError(
          `${file} announces ${count} ${kind}, more than the limit of ${MAX_RECORDS.toLocaleString('en-US')} ${kind} for a gzip IDX file (Fashion-MNIST's largest holds 60,000)`,
          { file, hint: HINT },
        );
      }
      if (!gz && headerBytes + bytes < size) throw trailing(size - headerBytes - bytes);
      if (!gz && headerBytes + bytes > size) throw truncated(bytes, size - headerBytes);
      if (headerOnly) return { count, data: new Uint8Array(0) };
      data = new Uint8Array(bytes);
    }
    const rest = chunk.length - off;
    if (rest <= 0) continue;
    // also stops inflating a gzip file at the announced size
    if (filled + rest > data!.length) throw trailing();
    data!.set(chunk.subarray(off), filled);
    filled += rest;
  }
  if (headerFill < headerBytes) {
    throw new FmnistError(`${file} is too short to be an IDX ${kind} file (${headerFill} bytes)`, { file, hint: HINT });
  }
  if (filled < data!.length) throw truncated(data!.length, filled);
  return { count, data: data! };
}

/**
 * Checks an IDX file's header (magic number, image size, record count against the file's size or
 * the gzip limit) from its first bytes only: a file that is something else is refused before it
 * is hashed or read to the end. Returns the announced record count.
 */
export async function checkIdxHeader(file: string, kind: 'images' | 'labels'): Promise<number> {
  return (await readIdx(file, kind, undefined, true)).count;
}

export async function readIdxImages(file: string, onProgress?: OnProgress): Promise<{ n: number; images: Uint8Array }> {
  const { count, data } = await readIdx(file, 'images', onProgress);
  return { n: count, images: data };
}

export async function readIdxLabels(file: string, onProgress?: OnProgress): Promise<Uint8Array> {
  const { data } = await readIdx(file, 'labels', onProgress);
  for (let i = 0; i < data.length; i++) {
    if (data[i] >= NUM_CLASSES) {
      throw new FmnistError(
        `${file} holds label ${data[i]} at record ${i + 1}; labels must be 0..${NUM_CLASSES - 1}`,
        { file, hint: HINT },
      );
    }
  }
  return data;
}

/** Reads an images file and its labels file into one Split, checking that the counts agree. */
export async function readIdxSplit(
  imagesFile: string,
  labelsFile: string,
  onProgress?: OnProgress,
): Promise<Split> {
  const [{ n, images }, labels] = await Promise.all([
    readIdxImages(imagesFile, onProgress),
    readIdxLabels(labelsFile),
  ]);
  checkSameCount(imagesFile, n, labelsFile, labels.length);
  return { n, images, labels };
}

/** The headers of a split's image and label files, checked from their first bytes (checkIdxHeader), counts included. */
export async function checkIdxSplitHeaders(imagesFile: string, labelsFile: string): Promise<void> {
  checkSameCount(imagesFile, await checkIdxHeader(imagesFile, 'images'), labelsFile, await checkIdxHeader(labelsFile, 'labels'));
}

function checkSameCount(imagesFile: string, images: number, labelsFile: string, labels: number): void {
  if (labels !== images) {
    throw new FmnistError(
      `${labelsFile} holds ${labels} labels but ${imagesFile} holds ${images} images`,
      { file: labelsFile, hint: 'The image and label files must belong to the same split (train or t10k).' },
    );
  }
}
