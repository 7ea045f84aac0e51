// A saved model is read only from its own folder and only from regular files: weight shard paths in
// model.json (and a checkpoint's epoch folder in checkpoint.json) that lead elsewhere are refused,
// naming the file that lists them, and a FIFO or device in a shard's place fails at once.
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointFile, restoreCheckpoint, writeCheckpoint } from './checkpoint';
import { createHead } from './head';
import { loadModel, saveModel } from './model-io';
import { readTfjsWeights } from './weights/tfjs-weights';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'fmnist-model-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A saved 8-feature head in `dir/name`, its model.json's shard paths replaced by `paths`. */
async function savedWithPaths(name: string, paths?: string[]): Promise<{ model: string; json: string }> {
  const model = join(dir, name);
  await saveModel(createHead(8, { seed: 1 }), model);
  const json = join(model, 'model.json');
  if (paths) {
    const mj = JSON.parse(readFileSync(json, 'utf8'));
    mj.weightsManifest[0].paths = paths;
    writeFileSync(json, JSON.stringify(mj));
  }
  return { model, json };
}

describe('weight shard paths read from model.json stay in its folder', () => {
  it('loads a model whose shard sits in a subfolder', async () => {
    const { model } = await savedWithPaths('sub', ['shards/weights.bin']);
    mkdirSync(join(model, 'shards'));
    renameSync(join(model, 'weights.bin'), join(model, 'shards', 'weights.bin'));
    (await loadModel(model)).dispose();
  });

  it('refuses "..", naming model.json and the fix, without reading the file outside', async () => {
    writeFileSync(join(dir, 'outside.bin'), Buffer.alloc(4096));
    const { model, json } = await savedWithPaths('dotdot', ['../outside.bin']);
    const err = await loadModel(model).catch((e) => e);
    expect(err.file).toBe(json);
    expect(err.message).toContain(`${json} lists the path "../outside.bin", which leads outside that folder; paths in it must stay inside ${model}`);
    expect(err.hint).toMatch(/Keep every file .* beside it/);
  });

  it('refuses an absolute path', async () => {
    const { model, json } = await savedWithPaths('absolute', [join(dir, 'outside.bin')]);
    await expect(loadModel(model)).rejects.toThrow(`${json} lists the path "${join(dir, 'outside.bin')}", which is absolute`);
  });

  it('refuses a shard that is a symbolic link to a file outside the folder', async () => {
    const { model, json } = await savedWithPaths('symlink');
    unlinkSync(join(model, 'weights.bin'));
    symlinkSync(join(dir, 'outside.bin'), join(model, 'weights.bin'));
    await expect(loadModel(model)).rejects.toThrow(`${json} lists the path "weights.bin", which goes through a symbolic link to ${join(dir, 'outside.bin')}`);
  });

  it('applies the same rule to transfer weights (readTfjsWeights)', async () => {
    const { json } = await savedWithPaths('transfer', ['../../etc/passwd']);
    await expect(readTfjsWeights(json)).rejects.toThrow(`${json} lists the path "../../etc/passwd", which leads outside that folder`);
  });

  it("refuses a checkpoint whose checkpoint.json names an epoch folder outside it", async () => {
    const ck = join(dir, 'ck');
    const m = createHead(8, { seed: 1 });
    await writeCheckpoint(ck, m, 1, {}, {});
    const file = (await readCheckpointFile<object>(ck))!;
    await expect(restoreCheckpoint(ck, { ...file, dir: '../transfer' }, m)).rejects.toThrow(`${join(ck, 'checkpoint.json')} lists the path "../transfer", which leads outside that folder`);
    await restoreCheckpoint(ck, file, m); // the real one still restores
    m.dispose();
  });
});

describe('only regular files are read as model inputs', () => {
  it('refuses a FIFO as a weight shard at once instead of blocking forever', async () => {
    const { model } = await savedWithPaths('fifo');
    unlinkSync(join(model, 'weights.bin'));
    execFileSync('mkfifo', [join(model, 'weights.bin')]);
    await expect(loadModel(model)).rejects.toThrow(`weights shard is not a regular file: ${join(model, 'weights.bin')} (it is a named pipe (FIFO))`);
  }, 5000);

  it('refuses a FIFO as model.json, and as a transfer model.json', async () => {
    const model = join(dir, 'fifo-json');
    mkdirSync(model);
    execFileSync('mkfifo', [join(model, 'model.json')]);
    await expect(loadModel(model)).rejects.toThrow(/Model file is not a regular file: .*model\.json \(it is a named pipe \(FIFO\)\)/);
    await expect(readTfjsWeights(join(model, 'model.json'))).rejects.toThrow(/is not a regular file: .*\(it is a named pipe \(FIFO\)\)/);
  }, 5000);
});

describe('weight shards hold what model.json describes', () => {
  it('refuses a truncated shard, naming it, instead of failing inside tfjs', async () => {
    const { model, json } = await savedWithPaths('truncated');
    const shard = join(model, 'weights.bin');
    const full = readFileSync(shard);
    writeFileSync(shard, full.subarray(0, 100));
    const err = await loadModel(model).catch((e) => e);
    expect(err.file).toBe(shard);
    expect(err.message).toContain(`${shard} hold 100 bytes of weights, but ${json} describes ${full.length}`);
    writeFileSync(shard, Buffer.concat([full, Buffer.alloc(8)])); // a shard of another model: too long
    await expect(loadModel(model)).rejects.toThrow(`describes ${full.length}`);
    writeFileSync(shard, full);
    (await loadModel(model)).dispose();
  });
});
