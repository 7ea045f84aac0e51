import { dirname } from 'node:path';
import { DataType, Precision, Table, tableFromArrays, tableFromIPC, tableToIPC, type Vector } from 'apache-arrow';
import { COLUMN_NAMES, NUM_VARIABLES, PIXELS } from './constants';
import { FmnistError } from './errors';
import { rebuildHint } from './prepared-files';
import type { Split } from './types';

const TILE = 64;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A Split as an Arrow IPC file: columns label, pixel1..pixel784, uint8, rows in order. */
export function splitToArrow(s: Split): Uint8Array {
  // one column-major block, one subarray per column (no per-column allocation)
  const n = s.n;
  const cols = new Uint8Array(n * PIXELS);
  const img = s.images;
  // tiled transpose: TILE rows x 784 pixels stay in cache; 4 pixels per 32-bit read when aligned
  const aligned = LITTLE_ENDIAN && img.byteOffset % 4 === 0;
  const words = aligned ? new Uint32Array(img.buffer, img.byteOffset, (n * PIXELS) >>> 2) : null;
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, n);
    if (words) {
      for (let p = 0; p < PIXELS; p += 4) {
        const o0 = p * n;
        const o1 = o0 + n;
        const o2 = o1 + n;
        const o3 = o2 + n;
        for (let i = i0, w = (i0 * PIXELS + p) >>> 2; i < i1; i++, w += PIXELS >>> 2) {
          const v = words[w]; // little-endian: byte k of the word is pixel p+k
          cols[o0 + i] = v;
          cols[o1 + i] = v >>> 8;
          cols[o2 + i] = v >>> 16;
          cols[o3 + i] = v >>> 24;
        }
      }
    } else {
      for (let p = 0; p < PIXELS; p++) {
        const dst = p * n;
        for (let i = i0, src = i0 * PIXELS + p; i < i1; i++, src += PIXELS) cols[dst + i] = img[src];
      }
    }
  }
  const arrays: Record<string, Uint8Array> = { label: s.labels.subarray(0, n) };
  for (let p = 0; p < PIXELS; p++) arrays[COLUMN_NAMES[p + 1]] = cols.subarray(p * n, (p + 1) * n);
  return tableToIPC(tableFromArrays(arrays), 'file');
}

/** Contiguous values of one column (zero-copy when the table has one record batch). */
function columnValues<T extends Uint8Array | Float64Array>(v: Vector, n: number, Ctor: { new (n: number): T }): T {
  if (v.data.length === 1 && v.data[0].nullCount === 0) return (v.data[0].values as T).subarray(0, n) as T;
  const out = new Ctor(n);
  let off = 0;
  for (const d of v.data) {
    out.set((d.values as T).subarray(0, d.length), off);
    off += d.length;
  }
  return out;
}

/** The fix when `file` lies in a prepared directory, unless the caller knows a better one. */
const defaultHint = (file: string) => rebuildHint(dirname(file));

function checkColumns(t: Table, file: string, type: 'uint8' | 'float64', hint: string): void {
  const fields = t.schema.fields;
  if (fields.length !== NUM_VARIABLES) {
    throw new FmnistError(`${file} has ${fields.length} columns, expected ${NUM_VARIABLES} (label, pixel1..pixel784)`, { file, hint });
  }
  for (let i = 0; i < fields.length; i++) {
    // decoded types are generic Int/Float instances, so compare type ids and widths
    const ft = fields[i].type;
    const ok =
      type === 'uint8'
        ? DataType.isInt(ft) && ft.bitWidth === 8 && !ft.isSigned
        : DataType.isFloat(ft) && ft.precision === Precision.DOUBLE;
    if (fields[i].name !== COLUMN_NAMES[i] || !ok) {
      throw new FmnistError(`${file}: column ${i + 1} is ${fields[i].name}:${fields[i].type}, expected ${COLUMN_NAMES[i]}:${type}`, { file, hint });
    }
  }
}

function parseIpc(bytes: Uint8Array, file: string, hint: string): Table {
  try {
    return tableFromIPC(bytes);
  } catch (e) {
    throw new FmnistError(`${file} is not a readable Arrow IPC file: ${(e as Error).message}`, { file, hint, cause: e });
  }
}

/** Reads a split back: labels zero-copy, images transposed to row-major. `hint`: the fix for a bad file. */
export function arrowToSplit(bytes: Uint8Array, file: string, hint = defaultHint(file)): Split {
  const t = parseIpc(bytes, file, hint);
  checkColumns(t, file, 'uint8', hint);
  const n = t.numRows;
  const labels = columnValues(t.getChildAt(0)!, n, Uint8Array);
  const images = new Uint8Array(n * PIXELS);
  const words = new Uint32Array(images.buffer);
  const cols = Array.from({ length: PIXELS }, (_, p) => columnValues(t.getChildAt(p + 1)!, n, Uint8Array));
  if (!LITTLE_ENDIAN) {
    for (let p = 0; p < PIXELS; p++) for (let i = 0; i < n; i++) images[i * PIXELS + p] = cols[p][i];
    return { n, images, labels };
  }
  // tiled transpose, 4 pixels gathered into one little-endian 32-bit write
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, n);
    for (let p = 0; p < PIXELS; p += 4) {
      const c0 = cols[p];
      const c1 = cols[p + 1];
      const c2 = cols[p + 2];
      const c3 = cols[p + 3];
      for (let i = i0, w = (i0 * PIXELS + p) >>> 2; i < i1; i++, w += PIXELS >>> 2) {
        words[w] = c0[i] | (c1[i] << 8) | (c2[i] << 16) | (c3[i] << 24);
      }
    }
  }
  return { n, images, labels };
}

/** A 785x785 row-major matrix as 785 float64 columns; row i is the variable of column i. */
export function matrixToArrow(R: Float64Array): Uint8Array {
  const V = NUM_VARIABLES;
  const arrays: Record<string, Float64Array> = {};
  // symmetric, but write true columns so the file does not depend on that
  for (let j = 0; j < V; j++) {
    const col = new Float64Array(V);
    for (let i = 0; i < V; i++) col[i] = R[i * V + j];
    arrays[COLUMN_NAMES[j]] = col;
  }
  return tableToIPC(tableFromArrays(arrays), 'file');
}

export function arrowToMatrix(bytes: Uint8Array, file: string, hint = defaultHint(file)): Float64Array {
  const t = parseIpc(bytes, file, hint);
  checkColumns(t, file, 'float64', hint);
  const V = NUM_VARIABLES;
  if (t.numRows !== V) throw new FmnistError(`${file} has ${t.numRows} rows, expected ${V}`, { file, hint });
  const R = new Float64Array(V * V);
  for (let j = 0; j < V; j++) {
    const col = columnValues(t.getChildAt(j)!, V, Float64Array);
    for (let i = 0; i < V; i++) R[i * V + j] = col[i];
  }
  return R;
}
