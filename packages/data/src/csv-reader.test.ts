import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvRow, realTestSplit, subset, tempDir, writeCsv, sameBytes } from '../test/fixtures';
import { COLUMN_NAMES, MAX_RECORDS, PIXELS } from './constants';
import { loadCsvSplit } from './clean';
import { readCsv } from './csv-reader';
import { FmnistError } from './errors';
import type { Split } from './types';

type Kind = 'keep' | 'conflict' | 'duplicate' | 'empty' | 'invalid';

/**
 * 300 real images as a Kaggle CSV with planted problems. Returns the rows and, for each data
 * row, what cleaning must do with it and (for kept rows) the source image index.
 */
function plantedCsv(base: Split): { rows: string[][]; kinds: Kind[]; src: number[]; reasons: Map<number, RegExp> } {
  const rows: string[][] = [];
  const kinds: Kind[] = [];
  const src: number[] = [];
  const reasons = new Map<number, RegExp>();
  const add = (r: string[], k: Kind, s = -1, reason?: RegExp) => {
    rows.push(r);
    kinds.push(k);
    src.push(s);
    if (reason) reasons.set(rows.length, reason);
  };
  for (let i = 0; i < base.n; i++) {
    add(csvRow(base, i), 'keep', i);
    if (i === 3 || i === 40) add(csvRow(base, 3), 'duplicate'); // two copies of row 3, one after row 40
    if (i === 10) {
      const r = csvRow(base, 5);
      r[0] = String((base.labels[5] + 1) % 10); // same image as row 5, other label
      add(r, 'conflict', -5);
    }
    if (i === 20) {
      const r = csvRow(base, 20);
      r[11] = '';
      add(r, 'empty');
    }
    if (i === 21) {
      const r = csvRow(base, 21);
      r[0] = ' ';
      add(r, 'empty');
    }
    if (i === 30) {
      const r = csvRow(base, 30);
      r[100] = 'abc';
      add(r, 'invalid', -1, /non-numeric value "abc" in column pixel100/);
    }
    if (i === 31) {
      const r = csvRow(base, 31);
      r[200] = '256';
      add(r, 'invalid', -1, /pixel200 = 256 outside 0..255/);
    }
    if (i === 32) {
      const r = csvRow(base, 32);
      r[784] = '-1';
      add(r, 'invalid', -1, /pixel784 = -1 outside 0..255/);
    }
    if (i === 33) {
      const r = csvRow(base, 33);
      r[0] = '10';
      add(r, 'invalid', -1, /label = 10 outside 0..9/);
    }
    if (i === 34) add(csvRow(base, 34).slice(0, 784), 'invalid', -1, /wrong number of columns: 784, expected 785/);
    if (i === 35) add([...csvRow(base, 35), '0'], 'invalid', -1, /wrong number of columns: 786/);
    if (i === 36) {
      const r = csvRow(base, 36);
      r[50] = '2.5';
      add(r, 'invalid', -1, /non-integer value 2.5 in column pixel50/);
    }
    if (i === 37) {
      // an empty cell and a bad value: counted once, as an empty cell
      const r = csvRow(base, 37);
      r[5] = '';
      r[6] = 'x';
      add(r, 'empty');
    }
  }
  return { rows, kinds, src, reasons };
}

describe('Kaggle CSV reading and cleaning', () => {
  let base: Split;
  let dir: string;
  beforeAll(async () => {
    base = subset(await realTestSplit(), 0, 300);
    dir = tempDir('csv');
  });

  it('counts every planted problem exactly and keeps exactly the right rows in order', async () => {
    const { rows, kinds, src, reasons } = plantedCsv(base);
    const file = join(dir, 'planted.csv');
    writeCsv(file, rows);
    const { split, report } = await loadCsvSplit(file);
    const rowsOf = (k: Kind) => kinds.flatMap((x, i) => (x === k ? [i + 1] : []));

    expect(report.rowsRead).toBe(rows.length);
    expect(report.duplicates).toBe(rowsOf('duplicate').length);
    expect(report.emptyCells).toBe(rowsOf('empty').length);
    expect(report.invalid).toBe(rowsOf('invalid').length);
    expect(report.conflictingLabels).toBe(1);
    expect(report.rowsKept).toBe(base.n + 1);
    expect(report.rowsRead).toBe(report.rowsKept + report.duplicates + report.emptyCells + report.invalid);
    expect(report.examples.duplicates).toEqual(rowsOf('duplicate'));
    expect(report.examples.emptyCells).toEqual(rowsOf('empty'));
    expect(report.examples.conflictingLabels).toEqual(rowsOf('conflict'));
    expect(report.examples.invalid.map((x) => x.row)).toEqual(rowsOf('invalid'));
    for (const { row, reason } of report.examples.invalid) expect(reason).toMatch(reasons.get(row)!);

    // kept rows: every original image in order, plus the conflicting one right after row 10
    expect(split.n).toBe(report.rowsKept);
    const keptSrc = src.filter((_, i) => kinds[i] === 'keep' || kinds[i] === 'conflict');
    keptSrc.forEach((s, k) => {
      const from = s >= 0 ? s : -s;
      expect(sameBytes(split.images.subarray(k * PIXELS, (k + 1) * PIXELS), base.images.subarray(from * PIXELS, (from + 1) * PIXELS))).toBe(true);
      expect(split.labels[k]).toBe(s >= 0 ? base.labels[s] : (base.labels[from] + 1) % 10);
    });
  });

  it('accepts CRLF line endings, a BOM, quoted header names and counts blank lines', async () => {
    const file = join(dir, 'crlf.csv');
    const header = '\ufeff' + COLUMN_NAMES.map((c) => `"${c}"`).join(',');
    const lines = [header, csvRow(base, 0).join(','), '', csvRow(base, 1).join(',')];
    writeFileSync(file, lines.join('\r\n') + '\r\n');
    const r = await readCsv(file);
    expect(r.split.n).toBe(2);
    expect(r.blankLines).toBe(1);
    expect(r.rowNumbers).toEqual(new Int32Array([1, 2]));
    expect(r.split.images.subarray(784, 1568)).toEqual(base.images.subarray(784, 1568));
  });

  it('accepts old-Mac CR line endings, plain and gzip (lines across chunks), with a blank line', async () => {
    const { gzipSync } = await import('node:zlib');
    const rows = Array.from({ length: base.n }, (_, i) => csvRow(base, i).join(','));
    const lines = [COLUMN_NAMES.join(','), rows[0], '', ...rows.slice(1)];
    const plain = join(dir, 'old-mac.csv');
    writeFileSync(plain, lines.join('\r') + '\r');
    const gz = join(dir, 'old-mac.csv.gz');
    writeFileSync(gz, gzipSync(lines.join('\r')));
    for (const file of [plain, gz]) {
      const r = await readCsv(file);
      expect(r.split.n).toBe(base.n);
      expect(r.blankLines).toBe(1);
      expect(r.invalid + r.emptyCells).toBe(0);
      expect(sameBytes(r.split.images, base.images)).toBe(true);
      expect(r.split.labels).toEqual(base.labels);
    }
  });

  it('refuses a line longer than 64 KiB while streaming, naming the file and the line', async () => {
    const noNewline = join(dir, 'no-newline.csv');
    writeFileSync(noNewline, '0,'.repeat(1 << 21));
    const err = await readCsv(noNewline).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toMatch(/no-newline\.csv: line 1 is longer than 65,536 bytes/);
    const longRow = join(dir, 'long-row.csv');
    writeFileSync(longRow, [COLUMN_NAMES.join(','), csvRow(base, 0).join(','), '', '1,'.repeat(40_000) + '1', csvRow(base, 1).join(',')].join('\n'));
    await expect(readCsv(longRow)).rejects.toThrow(/long-row\.csv: line 4 is longer than 65,536 bytes/);
  });

  it('refuses a CSV of more rows than MAX_RECORDS while reading (a 700 KB gzip file holds 201,000)', async () => {
    const { gzipSync } = await import('node:zlib');
    // gzip members concatenated: one of the header, then the same 1,000 rows again and again
    const member = gzipSync((Array.from({ length: 785 }, () => '0').join(',') + '\n').repeat(1000));
    const file = join(dir, 'too-many-rows.csv.gz');
    writeFileSync(file, Buffer.concat([gzipSync(COLUMN_NAMES.join(',') + '\n'), ...Array.from({ length: MAX_RECORDS / 1000 + 1 }, () => member)]));
    const err = await readCsv(file).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toContain(`${file} holds more than 200,000 rows, the limit for one CSV`);
  }, 30_000);

  it('reads padded and spaced numbers (slow path) to the same values', async () => {
    const file = join(dir, 'padded.csv');
    const r0 = csvRow(base, 0);
    const padded = r0.map((v, c) => (c === 1 ? ` ${v} ` : c === 2 ? `000${v}` : c === 3 ? `"${v}"` : c === 4 ? `${v}.0` : v));
    writeCsv(file, [padded, csvRow(base, 1)]);
    const r = await readCsv(file);
    expect(r.split.n).toBe(2);
    expect(r.invalid + r.emptyCells).toBe(0);
    expect(sameBytes(r.split.images, base.images.subarray(0, 2 * PIXELS))).toBe(true);
  });

  it('reads a gzip CSV like a plain one', async () => {
    const { gzipSync } = await import('node:zlib');
    const text = [COLUMN_NAMES.join(','), ...[0, 1, 2].map((i) => csvRow(base, i).join(','))].join('\n');
    const file = join(dir, 'small.csv.gz');
    writeFileSync(file, gzipSync(text));
    const r = await readCsv(file);
    expect(r.split.n).toBe(3);
    expect(r.split.labels).toEqual(base.labels.subarray(0, 3));
  });

  it('rejects a wrong header, naming the file and the column', async () => {
    const file = join(dir, 'bad-header.csv');
    const header = COLUMN_NAMES.map((c) => (c === 'pixel7' ? 'pixel07' : c)).join(',');
    writeCsv(file, [csvRow(base, 0)], header);
    const err = await readCsv(file).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toContain(`${file}: CSV header column 8 is "pixel07", expected "pixel7"`);

    const short = join(dir, 'short-header.csv');
    writeCsv(short, [], 'label,pixel1');
    await expect(readCsv(short)).rejects.toThrow(/short-header\.csv: the CSV header has 2 columns, expected 785/);

    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    await expect(readCsv(empty)).rejects.toThrow(/empty\.csv is empty/);
  });

  it('names a missing CSV and a directory given as a CSV', async () => {
    await expect(readCsv(join(dir, 'missing.csv'))).rejects.toThrow(`CSV file not found: ${join(dir, 'missing.csv')}`);
    await expect(readCsv(dir)).rejects.toThrow(/is not a regular file: .* \(it is a directory\)/);
  });
});
