// `fmnist transfer` from the bundle: Keras HDF5 weights (read with h5wasm inside the bundle),
// a variant whose weights cannot be found is skipped with a message saying how to get them, and
// weights that are there but unusable fail the command (exit 1) naming the file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET, readRealSplit, removeTempDirs, runCli, tempDir, writeKaggleCsv } from './helpers';

afterAll(removeTempDirs);

let cwd: string;

/** A VGG16 "notop" weights file in the Keras layout (layer_names / weight_names), seeded random values. */
async function writeVgg16Keras(path: string): Promise<void> {
  await h5wasm.ready;
  const blocks = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];
  const f = new h5wasm.File(path, 'w');
  const names: string[] = [];
  let cin = 3;
  let s = 7;
  const rnd = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => {
      s = (s * 16807) % 2147483647;
      return (s / 2147483647 - 0.5) * scale;
    });
  blocks.forEach((blk, b) =>
    blk.forEach((cout, i) => {
      const name = `block${b + 1}_conv${i + 1}`;
      names.push(name);
      const g = f.create_group(name);
      g.create_attribute('weight_names', [`${name}/kernel:0`, `${name}/bias:0`]);
      const sub = g.create_group(name);
      sub.create_dataset({ name: 'kernel:0', data: rnd(9 * cin * cout, Math.sqrt(6 / (9 * cin))), shape: [3, 3, cin, cout] });
      sub.create_dataset({ name: 'bias:0', data: new Float32Array(cout), shape: [cout] });
      cin = cout;
    }),
  );
  f.create_attribute('layer_names', names);
  f.close();
}

beforeAll(async () => {
  cwd = tempDir();
  writeKaggleCsv(join(cwd, 'train.csv'), readRealSplit('train', 300));
  writeKaggleCsv(join(cwd, 'test.csv'), readRealSplit('t10k', 100));
  const r = await runCli(['data', 'prepare', '--train-csv', 'train.csv', '--test-csv', 'test.csv', '--quiet'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  await writeVgg16Keras(join(cwd, 'vgg16_notop.h5'));
}, 120_000);

describe('transfer', () => {
  it('trains a head on VGG16 features from Keras HDF5 weights; VGG19 without weights is skipped with the fix', async () => {
    // no VGG19 weights named, none in an empty user cache, no download
    const r = await runCli(['transfer', '--vgg16-weights', 'vgg16_notop.h5', '--epochs', '2', '--train-size', '200', '--test-size', '100', '--set', 'transfer.download=false', '--json'], {
      cwd,
      env: { FMNIST_VGG19_WEIGHTS: undefined, XDG_CACHE_HOME: join(cwd, 'empty-cache') },
      timeoutMs: 240_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const byVariant = Object.fromEntries(out.results.models.map((m: any) => [m.variant, m]));
    expect(byVariant.vgg16.status).toBe('complete');
    expect(byVariant.vgg16.weights.source).toContain('vgg16_notop.h5');
    expect(byVariant.vgg16.featureDim).toBe(512);
    expect(byVariant.vgg16.history).toHaveLength(2);
    expect(byVariant.vgg16.test.accuracy).toBeGreaterThan(0);
    expect(byVariant.vgg19.status).toBe('skipped');
    expect(byVariant.vgg19.reason).toContain('FMNIST_VGG19_WEIGHTS');

    // The head alone takes 512 features, not images: `predict` says which model to use instead.
    const head = join(out.runDir, 'vgg16', 'model');
    const p = await runCli(['predict', join(DATASET, 't10k-images-idx3-ubyte.gz'), '--limit', '3', '--model', head], { cwd });
    expect(p.code).toBe(1);
    expect(p.stderr).toContain(`${head}: the model takes inputs of shape [batch, 512], not 28×28×1 images`);
  });

  it('weights given but unusable (junk after the HDF5 signature): the base fails, exit 1 naming the file', async () => {
    const junk = join(cwd, 'junk.h5');
    writeFileSync(junk, Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(4096, 0x41)]));
    const r = await runCli(['transfer', '--variants', 'vgg19', '--train-size', '200', '--test-size', '100', '--json'], { cwd, env: { FMNIST_VGG19_WEIGHTS: junk }, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(1);
    const results = JSON.parse(r.stdout).results;
    expect(results.models[0]).toMatchObject({ variant: 'vgg19', status: 'failed' });
    expect(r.stderr).toMatch(new RegExp(`^error: transfer: vgg19 failed: ${junk.replace(/[/.]/g, '\\$&')} is not a readable HDF5 file`, 'm'));
    expect(r.stderr).not.toMatch(/--verbose|\n\s+at /);
    // the run is not called complete: its manifest says partial, with the failure, and a re-run retries it
    const manifest = JSON.parse(readFileSync(join(results.runDir, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('partial');
    expect(manifest.attempts.at(-1).error).toContain('vgg19 failed');
  });

  it('weights named but missing (a typo in FMNIST_VGG19_WEIGHTS) fail the command like a missing --data-dir, exit 1 naming the path', async () => {
    const missing = join(cwd, 'vgg19-typo.h5');
    const r = await runCli(['transfer', '--variants', 'vgg19', '--train-size', '200', '--test-size', '100', '--json'], { cwd, env: { FMNIST_VGG19_WEIGHTS: missing }, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).results.models[0]).toMatchObject({ variant: 'vgg19', status: 'failed' });
    expect(r.stderr).toMatch(new RegExp(`^error: transfer: vgg19 failed: .*${missing.replace(/[/.]/g, '\\$&')} does not exist`, 'm'));
    expect(r.stderr).not.toMatch(/--verbose|\n\s+at /);
  });

  it('fmnist run writes the report, then exits 1 for weights given but unusable', async () => {
    const junk = join(cwd, 'junk-run.h5');
    writeFileSync(junk, Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(4096, 0x41)]));
    const r = await runCli(['run', '--skip', 'holdout', 'kfold', '--variants', 'vgg19', '--train-size', '200', '--test-size', '100', '--out', 'report-x'], { cwd, env: { FMNIST_VGG19_WEIGHTS: junk }, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('transfer vgg19 failed');
    expect(existsSync(join(cwd, 'report-x', 'report.html'))).toBe(true);
    // the partial transfer run is in the report, with its failure
    expect(readFileSync(join(cwd, 'report-x', 'report.md'), 'utf8')).toMatch(/vgg19[^\n]*failed/i);
    expect(r.stderr).toContain(`error: transfer: vgg19 failed: ${junk} is not a readable HDF5 file`);
  });
});
