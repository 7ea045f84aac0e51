import { tableFromIPC, type Table } from 'apache-arrow';
import { IMAGE_SIDE, PIXELS } from '@fmnist/core';
import { readInputFile } from '@fmnist/core/node';
import { ReportError } from './report-error';

export { IMAGE_SIDE, PIXELS };
export const VARIABLES = PIXELS + 1; // label, pixel1..pixel784

/** Columns of a prepared train.arrow / test.arrow file, one typed array per column. */
export interface ImageTable {
  n: number;
  labels: ArrayLike<number>;
  pixels: ArrayLike<number>[]; // pixels[j] is column `pixel${j + 1}`
}

async function readTable(file: string): Promise<Table> {
  const fix = 'Run `fmnist data prepare --force --out <dir>` to rewrite the prepared data directory.';
  let bytes: Buffer;
  try {
    // a regular file only: a FIFO or a device is refused, never read
    bytes = await readInputFile(file, 'Prepared data file', fix);
  } catch (e: any) {
    throw new ReportError(String(e?.message ?? e).split('\n')[0], { file, hint: fix, cause: e });
  }
  try {
    return tableFromIPC(bytes);
  } catch (e) {
    throw new ReportError(`${file} is not an Arrow IPC file (${(e as Error).message})`, {
      file,
      hint: 'Re-run `fmnist data prepare --force` to rewrite it.',
      cause: e,
    });
  }
}

function column(table: Table, name: string, file: string): ArrayLike<number> {
  const col = table.getChild(name);
  if (!col) {
    throw new ReportError(`${file} has no column "${name}"; expected columns label, pixel1..pixel784`, {
      file,
      hint: 'Re-run `fmnist data prepare --force` to rewrite it.',
    });
  }
  return col.toArray() as ArrayLike<number>;
}

export async function readImageTable(file: string): Promise<ImageTable> {
  const table = await readTable(file);
  const labels = column(table, 'label', file);
  const pixels: ArrayLike<number>[] = [];
  for (let j = 1; j <= PIXELS; j++) pixels.push(column(table, `pixel${j}`, file));
  return { n: table.numRows, labels, pixels };
}

/** Row `row` of an image table as 784 grey values. */
export function imageAt(t: ImageTable, row: number): Uint8Array {
  const out = new Uint8Array(PIXELS);
  for (let j = 0; j < PIXELS; j++) out[j] = t.pixels[j][row];
  return out;
}

/** A 785x785 correlation matrix file, row-major (row i is variable i: label, pixel1..pixel784). */
export async function readCorrelation(file: string): Promise<Float64Array> {
  const table = await readTable(file);
  if (table.numRows !== VARIABLES) {
    throw new ReportError(`${file} has ${table.numRows} rows, expected ${VARIABLES} (label + 784 pixels)`, {
      file,
      hint: 'Re-run `fmnist data prepare --force` to rewrite it.',
    });
  }
  const m = new Float64Array(VARIABLES * VARIABLES);
  const names = ['label', ...Array.from({ length: PIXELS }, (_, j) => `pixel${j + 1}`)];
  names.forEach((name, c) => {
    const col = column(table, name, file);
    for (let r = 0; r < VARIABLES; r++) {
      const v = col[r];
      m[r * VARIABLES + c] = v === null || v === undefined ? NaN : Number(v);
    }
  });
  return m;
}
