// `fmnist predict` on PNG/JPEG files made from real test-set images, against the same model's
// predictions computed directly with @fmnist/models on the original pixels.
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, loadModel, predictProbabilities } from '@fmnist/models';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ROOT, DATASET, readRealSplit, removeTempDirs, runCli, tempDir, writeKaggleCsv, type RealSplit } from './helpers';

afterAll(removeTempDirs);

const N = 100;
let cwd: string;
let modelDir: string;
let test: RealSplit;
/** The model's top-1 class and probabilities per test image, computed directly. */
let direct: { top1: number[]; probs: Float32Array; accuracy: number };

function argmax(p: Float32Array, row: number): number {
  let best = 0;
  for (let k = 1; k < 10; k++) if (p[row * 10 + k] > p[row * 10 + best]) best = k;
  return best;
}

/** RGBA of image i: gray as is, or scaled up `k`× onto a light, slightly tinted background (a "photo"). */
function rgba(i: number, k: number, photo: boolean): { width: number; height: number; data: Buffer } {
  const w = 28 * k;
  const data = Buffer.alloc(w * w * 4);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const v = test.images[i * 784 + Math.floor(y / k) * 28 + Math.floor(x / k)];
      const g = photo ? 255 - v : v;
      // a warm tint keeps the luminance (almost) equal to g
      const px = photo ? [Math.min(255, g + 6), g, Math.max(0, g - 10)] : [g, g, g];
      data.set([...px, 255], (y * w + x) * 4);
    }
  }
  return { width: w, height: w, data };
}

beforeAll(async () => {
  cwd = tempDir();
  test = readRealSplit('t10k', N);
  // A small model trained through the CLI itself on real training images.
  const train = readRealSplit('train', 3000);
  writeKaggleCsv(join(cwd, 'train.csv'), train);
  writeKaggleCsv(join(cwd, 'test.csv'), readRealSplit('t10k', 500));
  const prep = await runCli(['data', 'prepare', '--train-csv', 'train.csv', '--test-csv', 'test.csv', '--quiet'], { cwd });
  expect(prep.code, prep.stderr).toBe(0);
  const hold = await runCli(['holdout', '--no-tune', '--epochs', '3', '--concurrency', '1', '--seed', '7', '--json', '--quiet'], { cwd, timeoutMs: 240_000 });
  expect(hold.code, hold.stderr).toBe(0);
  const result = JSON.parse(hold.stdout);
  modelDir = join(result.runDir, 'model');
  expect(readdirSync(modelDir)).toContain('model.json');

  await initBackend('auto');
  const model = await loadModel(modelDir);
  const x = Float32Array.from(test.images, (v) => v / 255);
  const probs = await predictProbabilities(model as any, { x, labels: test.labels, n: N } as any);
  const top1 = Array.from({ length: N }, (_v, i) => argmax(probs, i));
  direct = { top1, probs, accuracy: top1.filter((c, i) => c === test.labels[i]).length / N };
  // A model that learned something, so that agreement is not trivial.
  expect(direct.accuracy).toBeGreaterThan(0.5);
  expect(direct.accuracy).toBeLessThan(1);

  mkdirSync(join(cwd, 'png'));
  mkdirSync(join(cwd, 'photo'));
  for (let i = 0; i < N; i++) {
    const name = `${String(i).padStart(3, '0')}.png`;
    // 28×28 as 8-bit grayscale PNGs (colour type 0)
    writeFileSync(join(cwd, 'png', name), PNG.sync.write(Object.assign(new PNG({ width: 28, height: 28 }), { data: rgba(i, 1, false).data }), { colorType: 0 }));
    // 84×84 RGB "photos": light background, dark garment; every fifth one as a JPEG
    const img = rgba(i, 3, true);
    if (i % 5 === 0) writeFileSync(join(cwd, 'photo', `${String(i).padStart(3, '0')}.jpg`), jpeg.encode(img, 95).data);
    else writeFileSync(join(cwd, 'photo', name), PNG.sync.write(Object.assign(new PNG({ width: img.width, height: img.height }), { data: img.data }), { colorType: 2 }));
  }
}, 300_000);

interface Predicted {
  input: string;
  top: { label: number; name: string; probability: number }[];
}

async function predictDir(sub: string): Promise<Predicted[]> {
  // a directory stands for the images in it, sorted by name
  const r = await runCli(['predict', sub, '--json'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.model).toBe(modelDir); // the latest holdout run's model by default
  expect(out.predictions).toHaveLength(N);
  return out.predictions;
}

describe('predict', () => {
  it('on 28×28 PNGs of test images gives exactly the model\'s own predictions and accuracy', async () => {
    const preds = await predictDir('png');
    let correct = 0;
    preds.forEach((p, i) => {
      expect(p.top).toHaveLength(3);
      expect(p.top[0].label).toBe(direct.top1[i]);
      expect(p.top[0].probability).toBeCloseTo(direct.probs[i * 10 + direct.top1[i]], 5);
      expect(p.top[0].probability).toBeGreaterThanOrEqual(p.top[1].probability);
      if (p.top[0].label === test.labels[i]) correct++;
    });
    expect(correct / N).toBe(direct.accuracy);
  });

  it('on 3× scaled, colour-inverted RGB photos (PNG and JPEG) agrees with the model on the originals', async () => {
    const preds = await predictDir('photo');
    const agree = preds.filter((p, i) => p.top[0].label === direct.top1[i]).length;
    const correct = preds.filter((p, i) => p.top[0].label === test.labels[i]).length;
    expect(agree / N).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(correct / N - direct.accuracy)).toBeLessThanOrEqual(0.05);
  });

  it('on the IDX test file (labels read from beside it) reports the same accuracy', async () => {
    const r = await runCli(['predict', join(DATASET, 't10k-images-idx3-ubyte.gz'), '--limit', String(N), '--json', '--quiet'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.n).toBe(N);
    expect(out.accuracy).toBe(direct.accuracy);
    expect(out.predictions[0]).toMatchObject({ index: 1, label: test.labels[0] });
  });

  it('prints the top 3 per image for humans', async () => {
    const r = await runCli(['predict', join('png', '000.png'), join('photo', '001.png'), '--model', modelDir], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/\.png: [A-Za-z/ -]+ \d+\.\d%, [A-Za-z/ -]+ \d+\.\d%, [A-Za-z/ -]+ \d+\.\d%$/);
  });

  it('`report` writes the report from the prepared data and the holdout run, and prints the paths as JSON', async () => {
    const r = await runCli(['report', '--json', '--quiet'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.html).toBe(join(cwd, 'runs', 'report', 'report.html'));
    expect(out.markdown).toBe(join(cwd, 'runs', 'report', 'report.md'));
    expect(readdirSync(join(cwd, 'runs', 'report'))).toEqual(expect.arrayContaining(['report.html', 'report.md', 'figures']));
    // sections without runs are reported, not fatal
    expect(out.missing.join('\n')).toMatch(/kfold/);
  });

  it('runs from a copy of dist/ outside the repository (no node_modules; WASM binaries beside the bundle)', async () => {
    const dist = join(tempDir(), 'dist');
    cpSync(join(CLI_ROOT, 'dist'), dist, { recursive: true });
    const files = ['png/000.png', 'png/001.png', 'photo/002.png'];
    const copied = await runCli(['predict', ...files, '--json', '--backend', 'wasm'], { cwd, script: join(dist, 'fmnist.mjs') });
    expect(copied.code, copied.stderr).toBe(0);
    const here = await runCli(['predict', ...files, '--json', '--backend', 'wasm'], { cwd });
    expect(JSON.parse(copied.stdout).predictions).toEqual(JSON.parse(here.stdout).predictions);
    expect(JSON.parse(copied.stdout).backend).toBe('wasm');
  });

  it('bad inputs exit 1 with the file and the fix', async () => {
    writeFileSync(join(cwd, 'notes.txt'), 'not an image');
    const a = await runCli(['predict', 'notes.txt'], { cwd });
    expect(a.code).toBe(1);
    expect(a.stderr).toContain(join(cwd, 'notes.txt'));
    expect(a.stderr).toContain('not a PNG or JPEG image');
    writeFileSync(join(cwd, 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]));
    const b = await runCli(['predict', 'broken.png'], { cwd });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('broken.png: cannot decode the PNG image');
    const c = await runCli(['predict', 'png/000.png', '--model', 'no-model-here'], { cwd });
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('no-model-here');
    expect(c.stderr).toContain('fmnist holdout');
    const d = await runCli(['predict', 'png/000.png', '--runs-dir', 'empty-runs'], { cwd });
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(join(cwd, 'empty-runs', 'holdout', 'latest.json'));
  });
});
