// `fmnist export --format onnx` and predict's onnxruntime scoring, on a CNN trained here on real
// images; the exported file is run with onnxruntime-node itself and compared with TensorFlow.js.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCnn, initBackend, loadOnnxRuntime, predictWithEngine, saveModel, train } from '@fmnist/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ROOT, DATASET, readRealSplit, removeTempDirs, runCli, tempDir, type RealSplit } from './helpers';

afterAll(removeTempDirs);

const N = 1000;
let cwd: string;
let modelDir: string;
let test: RealSplit;
let x: Float32Array;
let tfjsTop1: number[];

const argmax = (p: ArrayLike<number>, row: number) => {
  let best = 0;
  for (let k = 1; k < 10; k++) if (p[row * 10 + k] > p[row * 10 + best]) best = k;
  return best;
};

beforeAll(async () => {
  cwd = tempDir();
  test = readRealSplit('t10k', N);
  x = Float32Array.from(test.images, (v) => v / 255);
  const trainSplit = readRealSplit('train', 2000);
  await initBackend('wasm');
  // The strong CNN's layers (batch norm, relu, dropout, same padding), small enough to train in seconds.
  const model = createCnn({ activation: 'relu', filters: [8, 16], denseUnits: 32, dropout: 0.3, batchNorm: true, padding: 'same', seed: 3 });
  await train(model, { x: Float32Array.from(trainSplit.images, (v) => v / 255), labels: trainSplit.labels, n: trainSplit.n }, { epochs: 1, batchSize: 50, seed: 1 });
  modelDir = join(cwd, 'model');
  await saveModel(model, modelDir);
  const probs = (await predictWithEngine(model, { x, n: N }, { engine: 'tfjs' })).probabilities;
  tfjsTop1 = Array.from({ length: N }, (_v, i) => argmax(probs, i));
  // A model that learned something, so that agreement is not trivial.
  expect(tfjsTop1.filter((c, i) => c === test.labels[i]).length / N).toBeGreaterThan(0.5);
}, 120_000);

describe('fmnist export --format onnx', () => {
  it('writes model.onnx beside model.json; onnxruntime gives the tfjs class for every test image', async () => {
    const r = await runCli(['export', '--format', 'onnx', modelDir, '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ model: modelDir, format: 'onnx', out: join(modelDir, 'model.onnx'), opset: 13, check: { engine: 'onnxruntime' } });
    expect(out.check.maxAbsDifference).toBeLessThan(1e-5);
    // The file itself, in a session of its own (onnxruntime-node as @fmnist/models loads it).
    const loaded = await loadOnnxRuntime({});
    if (!loaded.ok) throw new Error(loaded.why);
    const ort = loaded.ort;
    const session = await ort.InferenceSession.create(readFileSync(out.out));
    const result = await session.run({ input: new ort.Tensor('float32', x, [N, 28, 28, 1]) });
    const probs = result.output.data as Float32Array;
    expect(result.output.dims).toEqual([N, 10]);
    for (let i = 0; i < N; i++) expect(argmax(probs, i), `image ${i}`).toBe(tfjsTop1[i]);
    await session.release();
  });

  it('--out names a file, or a directory to hold model.onnx', async () => {
    const a = await runCli(['export', modelDir, '--out', 'cnn.onnx'], { cwd });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/cnn\.onnx \(\d+ KB, ONNX opset 13; checked on onnxruntime/);
    mkdirSync(join(cwd, 'exports'));
    const b = await runCli(['export', join(modelDir, 'model.json'), '--out', 'exports', '--json'], { cwd });
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).out).toBe(join(cwd, 'exports', 'model.onnx'));
    expect(readFileSync(join(cwd, 'cnn.onnx'))).toEqual(readFileSync(join(cwd, 'exports', 'model.onnx')));
  });

  it('bad inputs: no model there (exit 1), an unknown format (exit 2), --out in a missing directory (exit 1, nothing written)', async () => {
    const a = await runCli(['export', 'nowhere'], { cwd });
    expect(a.code).toBe(1);
    expect(a.stderr).toContain(`${join(cwd, 'nowhere')}: no model.json there`);
    const b = await runCli(['export', modelDir, '--format', 'tflite'], { cwd });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^error: Invalid value for --format: "tflite" \(choose from "onnx"\)$/m);
    const c = await runCli(['export', modelDir, '--out', join('missing', 'cnn.onnx')], { cwd });
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(`directory ${join(cwd, 'missing')} does not exist`);
    expect(existsSync(join(cwd, 'missing'))).toBe(false);
  });

  it('replaces its own earlier export, but not a file of the user\'s unless --force', async () => {
    const again = await runCli(['export', modelDir], { cwd });
    expect(again.code, again.stderr).toBe(0);
    writeFileSync(join(cwd, 'notes.onnx'), 'my notes');
    const refused = await runCli(['export', modelDir, '--out', 'notes.onnx'], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${join(cwd, 'notes.onnx')} exists and was not written by fmnist export; nothing written`);
    expect(readFileSync(join(cwd, 'notes.onnx'), 'utf8')).toBe('my notes');
    const forced = await runCli(['export', modelDir, '--out', 'notes.onnx', '--force'], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'notes.onnx'))).toEqual(readFileSync(join(modelDir, 'model.onnx')));
  });
});

describe('predict scores on onnxruntime', () => {
  it('with the same classes and accuracy as on tfjs (--backend wasm)', async () => {
    const file = join(DATASET, 't10k-images-idx3-ubyte.gz');
    const native = await runCli(['predict', file, '--limit', String(N), '--model', modelDir, '--json', '--quiet'], { cwd });
    expect(native.code, native.stderr).toBe(0);
    const tfjs = await runCli(['predict', file, '--limit', String(N), '--model', modelDir, '--json', '--quiet', '--backend', 'wasm'], { cwd });
    expect(tfjs.code, tfjs.stderr).toBe(0);
    const [a, b] = [JSON.parse(native.stdout), JSON.parse(tfjs.stdout)];
    expect(a.engine).toBe('onnxruntime');
    expect(b.engine).toBe('tfjs');
    expect(a.accuracy).toBe(b.accuracy);
    expect(a.predictions.map((p: { top: { label: number }[] }) => p.top[0].label)).toEqual(tfjsTop1);
  });

  it('falls back to tfjs with a one-line warning where onnxruntime-node cannot load (a copy of dist/ without node_modules)', async () => {
    const dist = join(tempDir(), 'dist');
    cpSync(join(CLI_ROOT, 'dist'), dist, { recursive: true });
    const r = await runCli(['predict', join(DATASET, 't10k-images-idx3-ubyte.gz'), '--limit', '50', '--model', modelDir, '--json'], { cwd, script: join(dist, 'fmnist.mjs') });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).engine).toBe('tfjs');
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: scoring on the tfjs \w+ backend: onnxruntime-node is not installed/);
    const e = await runCli(['export', modelDir, '--out', 'copy.onnx', '--json'], { cwd, script: join(dist, 'fmnist.mjs') });
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).check).toMatchObject({ engine: 'tfjs', note: expect.stringMatching(/not installed/) });
    expect(readFileSync(join(cwd, 'copy.onnx'))).toEqual(readFileSync(join(modelDir, 'model.onnx')));
    expect(readdirSync(cwd)).toContain('copy.onnx');
  });
});
