// `fmnist predict` on images whose header announces more pixels than the limit, or whose data
// inflates beyond them: refused before decoding, in bounded memory (peak RSS of the CLI process
// measured by /usr/bin/time).
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCnn, initBackend, saveModel } from '@fmnist/models';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IMAGE_PIXELS } from '../src/image/decode-image';
import { BUNDLE, removeTempDirs, solidGrayPng, tempDir } from './helpers';

afterAll(removeTempDirs);

const TIME = '/usr/bin/time';
let cwd: string;
let modelDir: string;

/** Runs the CLI under /usr/bin/time: exit code, output and peak resident memory in MB. */
function runMeasured(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; peakMb: number }> {
  return new Promise((res) => {
    execFile(TIME, ['-f', 'peak-rss-kb=%M', process.execPath, BUNDLE, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number) : 0;
      const kb = Number(/peak-rss-kb=(\d+)/.exec(String(stderr))?.[1]);
      res({ code, stdout: String(stdout), stderr: String(stderr).replace(/(Command exited with non-zero status \d+\n)?peak-rss-kb=\d+\n?/, ''), peakMb: kb / 1024 });
    });
  });
}

beforeAll(async () => {
  cwd = tempDir();
  // an untrained one-filter CNN: enough for predict to run, the images are what is tested
  await initBackend('cpu');
  modelDir = join(cwd, 'model');
  await saveModel(createCnn({ filters: [1], denseUnits: 0 }), modelDir);
  writeFileSync(join(cwd, 'huge.png'), await solidGrayPng(12000, 12000));
  // 64×64 interlaced, with 512 MiB of zeros deflated after its pixels: ~500 KB on disk
  writeFileSync(join(cwd, 'bomb.png'), await solidGrayPng(64, 64, 90, { interlaced: true, extraBytes: 512 << 20 }));
  // at the limit: the worst case for memory is a JPEG with full-resolution chroma (jpeg-js writes 4:4:4)
  const side = Math.floor(Math.sqrt(MAX_IMAGE_PIXELS));
  writeFileSync(join(cwd, 'at-limit.png'), await solidGrayPng(side, side, 30));
  const rgba = Buffer.alloc(side * side * 4, 220);
  for (let y = side >> 2; y < (3 * side) >> 2; y++) rgba.fill(40, (y * side + (side >> 2)) * 4, (y * side + ((3 * side) >> 2)) * 4);
  writeFileSync(join(cwd, 'at-limit.jpg'), jpeg.encode({ width: side, height: side, data: rgba }, 85).data);
}, 60_000);

describe.runIf(existsSync(TIME))('predict on huge images', () => {
  it('refuses a 12000×12000 PNG of 170 KB from its header, in bounded memory', async () => {
    const r = await runMeasured(['predict', 'huge.png', '--model', modelDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(cwd, 'huge.png')}: the PNG image is 12000×12000 pixels, more than the limit of 10 megapixels. Scale it down`);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1); // one line, no stack trace
    expect(r.stdout).toBe('');
    expect(r.peakMb).toBeLessThan(512);
  });

  it('refuses an interlaced PNG bomb (64×64 inflating to 512 MiB), in bounded memory', async () => {
    const r = await runMeasured(['predict', 'bomb.png', '--model', modelDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(cwd, 'bomb.png')}: the PNG image's data inflates to more than the 4,216 bytes its 64×64 pixels need`);
    expect(r.peakMb).toBeLessThan(512);
  });

  it('classifies a PNG and a JPEG at the limit (3162×3162) in bounded memory', async () => {
    for (const file of ['at-limit.png', 'at-limit.jpg']) {
      const r = await runMeasured(['predict', file, '--model', modelDir, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).predictions).toHaveLength(1);
      expect(r.peakMb, file).toBeLessThan(512);
    }
  }, 60_000);
});
