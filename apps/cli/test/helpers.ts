// Shared helpers of the CLI end-to-end tests: run the built bundle, read the real dataset,
// write fixtures into temp dirs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const CLI_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = join(CLI_ROOT, 'dist', 'fmnist.mjs');
export const DATASET = '/usr/share/datasets/fashion-mnist';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <bundle> ...args` (or another script) and collects its exit code and output. */
export function runCli(args: string[], o: { cwd?: string; env?: Record<string, string | undefined>; script?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [o.script ?? BUNDLE, ...args],
      {
        cwd: o.cwd ?? tmpdir(),
        env: { ...process.env, FMNIST_DATA_DIR: undefined, FORCE_COLOR: '0', ...o.env } as NodeJS.ProcessEnv,
        timeout: o.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
        res({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const made: string[] = [];

/** A new temp dir, removed by `removeTempDirs` (call it in afterAll). */
export function tempDir(prefix = 'fmnist-cli-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface RealSplit {
  n: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** The first `n` images and labels of the real dataset (official IDX files, parsed here independently). */
export function readRealSplit(which: 'train' | 't10k', n: number): RealSplit {
  const img = gunzipSync(readFileSync(join(DATASET, `${which}-images-idx3-ubyte.gz`)));
  const lab = gunzipSync(readFileSync(join(DATASET, `${which}-labels-idx1-ubyte.gz`)));
  if (img.readUInt32BE(0) !== 2051 || lab.readUInt32BE(0) !== 2049) throw new Error('unexpected IDX magic in the Debian dataset');
  return { n, images: new Uint8Array(img.subarray(16, 16 + n * 784)), labels: new Uint8Array(lab.subarray(8, 8 + n)) };
}

/** A Kaggle-format CSV (`label,pixel1..pixel784`) of a split. */
export function writeKaggleCsv(path: string, s: RealSplit, extraRows: string[] = []): void {
  const header = ['label', ...Array.from({ length: 784 }, (_v, i) => `pixel${i + 1}`)].join(',');
  const rows = [header];
  for (let i = 0; i < s.n; i++) rows.push([s.labels[i], ...s.images.subarray(i * 784, (i + 1) * 784)].join(','));
  rows.push(...extraRows);
  writeFileSync(path, `${rows.join('\n')}\n`);
}

/**
 * A valid PNG of one gray level, `width`×`height`, 8-bit grayscale, deflated row by row so that
 * even a 12000×12000 image (144 MB of pixels) is built in little memory and gives ~140 KB.
 * `interlaced`: Adam7 passes; `extraBytes`: zeros deflated after the pixel data (a zlib bomb).
 */
export async function solidGrayPng(width: number, height: number, level = 200, o: { interlaced?: boolean; extraBytes?: number } = {}): Promise<Buffer> {
  const { createDeflate, crc32 } = await import('node:zlib');
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, o.interlaced ? 1 : 0], 8); // bit depth 8, colour type 0 (gray), deflate, filter 0, interlace
  // rows of each pass (one pass of the whole image when not interlaced), each a filter byte 0 then the pixels
  const passes = o.interlaced ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] : [[0, 0, 1, 1]];
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise((res, rej) => deflate.on('end', res).on('error', rej));
  const write = async (b: Buffer) => {
    if (!deflate.write(b)) await new Promise((res) => deflate.once('drain', res));
  };
  for (const [x0, y0, dx, dy] of passes) {
    const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (w === 0) continue;
    const row = Buffer.alloc(1 + w, level);
    row[0] = 0; // filter type None
    for (let y = 0; y < h; y++) await write(row);
  }
  const zeros = Buffer.alloc(1 << 20);
  for (let left = o.extraBytes ?? 0; left > 0; left -= zeros.length) await write(zeros.subarray(0, Math.min(left, zeros.length)));
  deflate.end();
  await done;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', Buffer.alloc(0))]);
}
