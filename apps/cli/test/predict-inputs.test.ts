// `fmnist predict` on hostile inputs: FIFOs and devices are refused at once, a run id in
// latest.json cannot lead out of runs/holdout, and a small .gz that inflates to 1 GiB is read by
// streaming (refused on its header, or as soon as it holds more than its header announces) with
// bounded memory. Peak memory is measured on the real process with /usr/bin/time.
import { execFile, execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { createCnn, initBackend, saveModel } from '@fmnist/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, removeTempDirs, runCli, tempDir } from './helpers';

afterAll(removeTempDirs);

let cwd: string;
let modelDir: string;

/** A gzip file of a 16-byte IDX images header announcing `count` 28×28 images, then `zeros` zero bytes, streamed. */
async function idxBomb(path: string, count: number, zeros: number): Promise<void> {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x0803, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(28, 8);
  header.writeUInt32BE(28, 12);
  const chunk = Buffer.alloc(1 << 20);
  async function* content() {
    yield header;
    for (let left = zeros; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
  await pipeline(content(), createGzip({ level: 1 }), createWriteStream(path));
}

/** Runs the CLI under /usr/bin/time and returns its exit code, stderr and peak resident memory in MB. */
function runMeasured(args: string[]): Promise<{ code: number | null; stderr: string; peakMb: number }> {
  return new Promise((res) => {
    execFile(
      '/usr/bin/time',
      ['-f', 'peak-rss-kb %M', process.execPath, BUNDLE, ...args],
      { cwd, env: { ...process.env, FORCE_COLOR: '0' }, timeout: 120_000 },
      (err, _stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        const peakKb = Number(/peak-rss-kb (\d+)/.exec(stderr)?.[1] ?? NaN);
        res({ code: typeof code === 'number' ? code : null, stderr, peakMb: peakKb / 1024 });
      },
    );
  });
}

beforeAll(async () => {
  cwd = tempDir();
  modelDir = join(cwd, 'model');
  await initBackend('cpu');
  const m = createCnn({ filters: [2], denseUnits: 0, seed: 1 });
  await saveModel(m, modelDir);
  m.dispose();
}, 60_000);

describe('predict refuses FIFOs and devices promptly', () => {
  it('a FIFO given as the image to classify', async () => {
    const fifo = join(cwd, 'photo.png');
    execFileSync('mkfifo', [fifo]);
    const r = await runCli(['predict', fifo, '--model', modelDir], { cwd, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`Input is not a regular file: ${fifo} (it is a named pipe (FIFO))`);
  }, 70_000);

  it('/dev/zero', async () => {
    const r = await runCli(['predict', '/dev/zero', '--model', modelDir], { cwd, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('Input is not a regular file: /dev/zero (it is a character device)');
  }, 70_000);
});

describe('predict follows latest.json only inside runs/holdout', () => {
  it.each([
    ['../../outside', /names an invalid run id "\.\.\/\.\.\/outside"/],
    ['/etc', /names an invalid run id "\/etc"/],
    ['..', /names an invalid run id "\.\."/],
    [42, /names an invalid run id 42/],
  ])('refuses the run id %j', async (runId, message) => {
    const dir = tempDir();
    mkdirSync(join(dir, 'runs', 'holdout'), { recursive: true });
    // A model where "../../outside" would lead: it must not be loaded.
    mkdirSync(join(dir, 'outside'));
    execFileSync('cp', ['-r', modelDir, join(dir, 'outside', 'model')]);
    const latest = join(dir, 'runs', 'holdout', 'latest.json');
    writeFileSync(latest, JSON.stringify({ runId }));
    const r = await runCli(['predict', 'x.png'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(latest);
  }, 70_000);

  it('refuses a run directory that is a symbolic link out of runs/holdout', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'runs', 'holdout'), { recursive: true });
    mkdirSync(join(dir, 'elsewhere'));
    execFileSync('cp', ['-r', modelDir, join(dir, 'elsewhere', 'model')]);
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'runs', 'holdout', 'quick-0000abcd'));
    const latest = join(dir, 'runs', 'holdout', 'latest.json');
    writeFileSync(latest, JSON.stringify({ runId: 'quick-0000abcd' }));
    const r = await runCli(['predict', 'x.png'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${latest} lists the path "quick-0000abcd", which goes through a symbolic link to ${join(dir, 'elsewhere')}`);
  }, 70_000);
});

describe('predict streams a .gz that inflates to 1 GiB', () => {
  const GiB = 1 << 30;

  it('refuses a header announcing more images than it reads per file, before inflating the rest', async () => {
    const f = join(cwd, 'huge-count-images-idx3-ubyte.gz');
    await idxBomb(f, Math.floor(GiB / 784), GiB);
    const r = await runMeasured(['predict', f, '--model', modelDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${f}: its IDX header announces 1,369,568 images; predict reads at most 100,000 per file`);
    expect(r.peakMb).toBeLessThan(512);
  }, 120_000);

  it('refuses a file holding more than its header announces as soon as it does', async () => {
    const f = join(cwd, 'bomb-images-idx3-ubyte.gz');
    await idxBomb(f, 10, GiB);
    const r = await runMeasured(['predict', f, '--model', modelDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${f} is longer than its header says (10 images)`);
    expect(r.peakMb).toBeLessThan(512);
  }, 120_000);
});
