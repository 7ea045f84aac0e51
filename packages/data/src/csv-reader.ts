import { COLUMN_NAMES, MAX_RECORDS, NUM_CLASSES, NUM_VARIABLES, PIXELS } from './constants';
import { readBytes } from './byte-stream';
import { FmnistError } from './errors';
import { assertReadableFile } from './file-checks';
import type { OnProgress, Split } from './types';

const MAX_EXAMPLES = 10;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;

export interface CsvParseResult {
  /** Rows that parsed cleanly (before duplicate removal), in input order. */
  split: Split;
  /** 1-based data row number of each parsed row. */
  rowNumbers: Int32Array;
  rowsRead: number;
  blankLines: number;
  emptyCells: number;
  invalid: number;
  examples: { emptyCells: number[]; invalid: { row: number; reason: string }[] };
}

const HEADER_HINT = 'Expected the Kaggle Fashion-MNIST CSV layout: a header `label,pixel1,...,pixel784`, then one image per line.';

/**
 * Longest line accepted. A data row is at most ~3.2 KB (785 values of up to 3 digits) and the
 * header ~6.9 KB; a longer line means the file is something else, and a file without line
 * breaks would otherwise be buffered whole.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * The line terminator a file uses, from its first one: LF (also for CRLF, whose CR is dropped
 * per line) or CR alone (old Mac OS). -1 while undecided: no terminator yet, or a CR that is the
 * last byte so far (the next byte may be its LF).
 */
function lineTerminator(buf: Uint8Array): number {
  const lf = buf.indexOf(NEWLINE);
  const cr = buf.indexOf(CR, 0);
  if (cr < 0 || (lf >= 0 && lf < cr)) return lf < 0 ? -1 : NEWLINE;
  if (cr + 1 >= buf.length) return -1;
  return buf[cr + 1] === NEWLINE ? NEWLINE : CR;
}

function trimmed(buf: Uint8Array, s: number, e: number): [number, number] {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB || buf[s] === QUOTE)) s++;
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB || buf[e - 1] === QUOTE)) e--;
  return [s, e];
}

function validateHeader(file: string, line: Uint8Array): void {
  let text = Buffer.from(line.buffer, line.byteOffset, line.length).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const cells = text.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  if (cells.length !== NUM_VARIABLES) {
    throw new FmnistError(`${file}: the CSV header has ${cells.length} columns, expected ${NUM_VARIABLES} (label,pixel1..pixel784)`, {
      file,
      hint: HEADER_HINT,
    });
  }
  for (let i = 0; i < NUM_VARIABLES; i++) {
    if (cells[i] !== COLUMN_NAMES[i]) {
      throw new FmnistError(`${file}: CSV header column ${i + 1} is "${cells[i].slice(0, 40)}", expected "${COLUMN_NAMES[i]}"`, {
        file,
        hint: HEADER_HINT,
      });
    }
  }
}

function lineTooLong(file: string, lineNo: number): FmnistError {
  return new FmnistError(
    `${file}: line ${lineNo} is longer than ${MAX_LINE_BYTES.toLocaleString('en-US')} bytes, far beyond a Fashion-MNIST row (~3.2 KB): not a Kaggle CSV`,
    { file, hint: HEADER_HINT },
  );
}

/**
 * Checks a CSV's first line, the header, from at most MAX_LINE_BYTES of it: a file that is
 * something else is refused before it is hashed or read to the end (a huge file of garbage costs
 * a few kilobytes, not minutes). An empty file passes: readCsv says what is wrong with it.
 */
export async function checkCsvHead(file: string): Promise<void> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of readBytes(file, { highWaterMark: 1 << 16 })) {
    let end = chunk.indexOf(NEWLINE);
    const cr = chunk.indexOf(CR);
    if (cr >= 0 && (end < 0 || cr < end)) end = cr;
    parts.push(end >= 0 ? chunk.subarray(0, end) : chunk);
    length += end >= 0 ? end : chunk.length;
    if (end >= 0 || length > MAX_LINE_BYTES) break;
  }
  if (length > MAX_LINE_BYTES) throw lineTooLong(file, 1);
  if (length > 0) validateHeader(file, Buffer.concat(parts));
}

/**
 * Streams a Kaggle-format CSV (`label,pixel1..pixel784`) byte by byte, never holding the text as
 * one string nor a line longer than MAX_LINE_BYTES; lines end in LF, CRLF or CR (old Mac OS).
 * Each data row is either parsed into the output Split or counted as dropped: a wrong column
 * count or a bad value is `invalid`, an empty cell is `emptyCells` (checked in that order, so
 * each dropped row is counted once). Entirely blank lines are counted in `blankLines`.
 */
export async function readCsv(file: string, onProgress?: OnProgress): Promise<CsvParseResult> {
  const { size } = await assertReadableFile(file, 'CSV file');
  // a guess from the file's size (~1.8 KB a row), capped: a huge file must not allocate up front
  let capacity = Math.min(MAX_RECORDS, 1 << 17, Math.max(1024, Math.ceil(size / 1800)));
  let images = new Uint8Array(capacity * PIXELS);
  let labels = new Uint8Array(capacity);
  let rowNumbers = new Int32Array(capacity);
  let n = 0;
  let rowsRead = 0;
  let blankLines = 0;
  let emptyCells = 0;
  let invalid = 0;
  const exEmpty: number[] = [];
  const exInvalid: { row: number; reason: string }[] = [];
  let headerSeen = false;
  const row = new Uint8Array(NUM_VARIABLES);

  const grow = () => {
    if (capacity >= MAX_RECORDS) {
      throw new FmnistError(`${file} holds more than ${MAX_RECORDS.toLocaleString('en-US')} rows, the limit for one CSV (Fashion-MNIST's largest holds 60,000)`, {
        file,
        hint: 'Split the file, or check that it is a Fashion-MNIST CSV.',
      });
    }
    capacity = Math.min(capacity * 2, MAX_RECORDS);
    const im = new Uint8Array(capacity * PIXELS);
    im.set(images);
    images = im;
    const lb = new Uint8Array(capacity);
    lb.set(labels);
    labels = lb;
    const rn = new Int32Array(capacity);
    rn.set(rowNumbers);
    rowNumbers = rn;
  };

  const badRow = (reason: string) => {
    invalid++;
    if (exInvalid.length < MAX_EXAMPLES) exInvalid.push({ row: rowsRead, reason });
  };

  const tooLong = () => lineTooLong(file, (headerSeen ? 2 : 1) + rowsRead + blankLines);

  /** Parses one line [s, e) of buf (no line terminator). */
  const line = (buf: Uint8Array, s: number, e: number) => {
    if (e - s > MAX_LINE_BYTES) throw tooLong();
    if (e > s && buf[e - 1] === CR) e--;
    if (!headerSeen) {
      headerSeen = true;
      validateHeader(file, buf.subarray(s, e));
      return;
    }
    let blank = true;
    for (let p = s; p < e; p++) {
      if (buf[p] !== SPACE && buf[p] !== TAB) {
        blank = false;
        break;
      }
    }
    if (blank) {
      blankLines++;
      return;
    }
    rowsRead++;
    if (n === capacity) grow();
    // fast path: plain digits and commas, every value in range, written straight into place
    {
      const im = images; // locals, not closure slots, in the hot loop
      const base = n * PIXELS - 1;
      let p = s;
      let col = 0;
      let ok = true;
      for (;;) {
        // one to three digits, unrolled; anything else goes to the slow path
        if (p >= e) {
          ok = false;
          break;
        }
        let d = buf[p] - 48;
        if (!(d >= 0 && d <= 9)) {
          ok = false;
          break;
        }
        let v = d;
        p++;
        if (p < e) {
          d = buf[p] - 48;
          if (d >= 0 && d <= 9) {
            v = v * 10 + d;
            p++;
            if (p < e) {
              d = buf[p] - 48;
              if (d >= 0 && d <= 9) {
                v = v * 10 + d;
                p++;
              }
            }
          }
        }
        if (col === 0) {
          if (v >= NUM_CLASSES) {
            ok = false;
            break;
          }
          labels[n] = v;
        } else {
          if (v > 255) {
            ok = false;
            break;
          }
          im[base + col] = v;
        }
        col++;
        if (p === e) break;
        if (buf[p] !== COMMA || col >= NUM_VARIABLES) {
          ok = false;
          break;
        }
        p++;
      }
      if (ok && col === NUM_VARIABLES) {
        rowNumbers[n] = rowsRead;
        n++;
        return;
      }
    }
    // slow path: whitespace, quotes, empty cells, bad values, wrong column counts
    // count columns first: a wrong count makes every other check meaningless
    let cols = 1;
    for (let p = s; p < e; p++) if (buf[p] === COMMA) cols++;
    if (cols !== NUM_VARIABLES) {
      badRow(`wrong number of columns: ${cols}, expected ${NUM_VARIABLES}`);
      return;
    }
    let hasEmpty = false;
    let reason: string | null = null;
    let c = 0;
    let cs = s;
    for (let p = s; p <= e; p++) {
      if (p < e && buf[p] !== COMMA) continue;
      const [a, b] = trimmed(buf, cs, p);
      cs = p + 1;
      const col = c++;
      if (a === b) {
        hasEmpty = true;
        continue;
      }
      if (reason !== null) continue;
      let v = 0;
      let digits = true;
      for (let q = a; q < b; q++) {
        const d = buf[q] - 48;
        if (d < 0 || d > 9) {
          digits = false;
          break;
        }
        v = v * 10 + d;
      }
      if (!digits) {
        const text = Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('utf8');
        const num = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
        if (!Number.isFinite(num)) {
          reason = `non-numeric value "${text.slice(0, 20)}" in column ${COLUMN_NAMES[col]}`;
          continue;
        }
        if (!Number.isInteger(num)) {
          reason = `non-integer value ${text.slice(0, 20)} in column ${COLUMN_NAMES[col]}`;
          continue;
        }
        v = num;
      }
      const max = col === 0 ? NUM_CLASSES - 1 : 255;
      if (v < 0 || v > max) {
        reason = `${COLUMN_NAMES[col]} = ${v} outside 0..${max}`;
        continue;
      }
      row[col] = v;
    }
    if (hasEmpty) {
      emptyCells++;
      if (exEmpty.length < MAX_EXAMPLES) exEmpty.push(rowsRead);
      return;
    }
    if (reason !== null) {
      badRow(reason);
      return;
    }
    labels[n] = row[0];
    images.set(row.subarray(1), n * PIXELS);
    rowNumbers[n] = rowsRead;
    n++;
  };

  let carry: Buffer | null = null;
  let eol = -1;
  const onBytes = onProgress ? (b: number) => onProgress({ done: b, total: size, unit: 'B', label: file }) : undefined;
  for await (const chunk0 of readBytes(file, { onBytes })) {
    const chunk: Buffer = carry ? Buffer.concat([carry, chunk0]) : chunk0;
    carry = null;
    let s = 0;
    if (eol < 0) eol = lineTerminator(chunk);
    if (eol >= 0) {
      for (;;) {
        const nl = chunk.indexOf(eol, s);
        if (nl < 0) break;
        line(chunk, s, nl);
        s = nl + 1;
      }
    }
    // the unfinished last line waits for the next chunk, up to the line limit
    if (chunk.length - s > MAX_LINE_BYTES) throw tooLong();
    if (s < chunk.length) carry = Buffer.from(chunk.subarray(s));
  }
  if (carry && carry.length > 0) line(carry, 0, carry.length);
  if (!headerSeen) {
    throw new FmnistError(`${file} is empty: no CSV header`, { file, hint: HEADER_HINT });
  }
  return {
    split: { n, images: images.subarray(0, n * PIXELS), labels: labels.subarray(0, n) },
    rowNumbers: rowNumbers.subarray(0, n),
    rowsRead,
    blankLines,
    emptyCells,
    invalid,
    examples: { emptyCells: exEmpty, invalid: exInvalid },
  };
}
