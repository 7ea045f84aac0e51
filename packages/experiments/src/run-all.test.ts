import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What `nx run experiments:all` runs: prepare (own process), the three techniques, the report.
const RUN_ALL = fileURLToPath(new URL('./run-all.ts', import.meta.url));

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmnist-all-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('experiments:all', () => {
  it('prepares, runs every technique and writes the report, with one tfjs per process (no duplicate kernel warnings)', async () => {
    const runsDir = join(root, 'runs');
    const sets = ['tune.subset=500', 'kfold.k=2', 'params.filters=[4]', 'params.denseUnits=16', 'transfer.trainSubset=60', 'transfer.testSubset=30', 'transfer.download=false'];
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx/esm', RUN_ALL, '--runs-dir', runsDir, '--train-subset', '800', '--test-subset', '200', '--epochs', '1', ...sets.flatMap((s) => ['--set', s])],
      { encoding: 'utf8', env: { ...process.env, FMNIST_VGG16_WEIGHTS: '', FMNIST_VGG19_WEIGHTS: '' } },
    );
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out.slice(-2000)).toBe(0);
    expect(out).toMatch(/prepare finished/);
    expect(out).toMatch(/kfold done: val_acc/);
    expect(out).not.toMatch(/already registered|has already been set/);
    for (const t of ['holdout', 'kfold', 'transfer']) {
      const latest = JSON.parse(readFileSync(join(runsDir, t, 'latest.json'), 'utf8')) as { runId: string };
      expect(existsSync(join(runsDir, t, latest.runId, 'results.json'))).toBe(true);
    }
    expect(existsSync(join(runsDir, 'data', 'train.arrow'))).toBe(true);
    expect(await readFile(join(runsDir, 'report', 'report.md'), 'utf8')).toMatch(/Technique 2: k-fold/);
  }, 300_000);
});
