import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFmnistError } from '@fmnist/core';
import { locateDataset } from '@fmnist/data';
import { createPoolExecutor, type Executor } from './executor';
import type { TrainTask } from '../techniques/train-task';

// A real worker process (forked from worker-entry.ts) fails its task; the caller must get the
// error as thrown there, not a stripped copy.
let root: string;
let pool: Executor;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmnist-executor-'));
  pool = createPoolExecutor({ size: 1, backend: 'cpu' });
});
afterAll(async () => {
  await pool.close();
  await rm(root, { recursive: true, force: true });
});

const task = (o: Partial<TrainTask>): TrainTask => ({
  id: 'unit',
  source: { dir: join(root, 'no-such-prepared-dir'), kind: 'prepared', inputKey: 'k' },
  data: { seed: 1 },
  split: { kind: 'holdout', validationFraction: 0.2, seed: 1 },
  params: { activation: 'relu', filters: [4], denseUnits: 0, dropout: 0, batchNorm: false, optimizer: 'adam', learningRate: 0.001, momentum: 0, batchSize: 8, epochs: 1 },
  seed: 1,
  checkpointDir: join(root, 'ckpt'),
  resultFile: join(root, 'result.json'),
  ...o,
});

describe('pool executor errors', () => {
  it('a FmnistError thrown in a worker process reaches the caller with its file, hint and class name', async () => {
    const dir = join(root, 'no-such-prepared-dir');
    const err = await pool.run(task({})).then(() => null, (e: unknown) => e);
    expect(isFmnistError(err)).toBe(true);
    const e = err as Error & { file?: string; hint?: string; exitCode?: number };
    expect(e.name).toBe('FmnistError');
    expect(e.file).toBe(dir);
    expect(e.hint).toBe(`Run \`fmnist data prepare --out ${dir}\` first.`);
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(`Prepared data directory not found: ${dir}\n${e.hint}`);
    // the stack is the worker's, where the error was thrown
    expect(e.stack).toMatch(/read-prepared\.ts/);
  });

  it('any other error stays a plain Error (a bug, not a user mistake) with its name and system error code', async () => {
    // The real dataset loads, then the checkpoint directory sits under a regular file: reading
    // its checkpoint fails with ENOTDIR, which no layer turns into a user error.
    const loc = await locateDataset({});
    if (loc.kind !== 'idx') throw new Error(`the test needs the IDX files, found ${loc.kind} in ${loc.dir}`);
    const aFile = join(root, 'a-file');
    await writeFile(aFile, '');
    const t = task({ source: { dir: loc.dir, kind: 'idx', inputKey: 'k', files: loc.files }, data: { seed: 1, trainSubset: 100, testSubset: 100 }, checkpointDir: join(aFile, 'ckpt') });
    const err = await pool.run(t).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isFmnistError(err)).toBe(false);
    expect((err as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    expect((err as NodeJS.ErrnoException).syscall).toBe('open');
  });
});
