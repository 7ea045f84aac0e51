import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKFold } from './kfold';
import type { Overrides } from '../settings/profiles';

let runsDir: string;
beforeAll(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'fmnist-abort-'));
});
afterAll(async () => {
  await rm(runsDir, { recursive: true, force: true });
});

const overrides: Overrides = {
  data: { testSubset: 200 },
  kfold: { k: 2, subset: 400, params: { filters: [4], denseUnits: 8, batchSize: 40, epochs: 3 } },
};

describe('interrupting a run through its AbortSignal', () => {
  it('stops after the current batch, marks the run interrupted, releases the lock; a re-run resumes and completes', async () => {
    const ac = new AbortController();
    const epochs: string[] = [];
    await expect(
      runKFold({
        runsDir,
        concurrency: 1,
        overrides,
        signal: ac.signal,
        onEpoch: (e) => {
          epochs.push(`${e.id}:${e.metrics.epoch}`);
          if (epochs.length === 2) ac.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(epochs).toEqual(['1:1', '1:2']);
    const dirs = await readdir(join(runsDir, 'kfold'));
    const dir = join(runsDir, 'kfold', dirs.find((d) => d.startsWith('quick-'))!);
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(m.status).toBe('interrupted');
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    expect(existsSync(join(dir, 'results.json'))).toBe(false);

    const resumedEpochs: string[] = [];
    const r = await runKFold({ runsDir, concurrency: 1, overrides, onEpoch: (e) => resumedEpochs.push(`${e.id}:${e.metrics.epoch}`) });
    // Fold 1 continues at epoch 3 (epochs 1-2 were checkpointed), fold 2 runs whole.
    expect(resumedEpochs).toEqual(['1:3', '2:1', '2:2', '2:3']);
    expect(r.folds.map((f) => f.history.length)).toEqual([3, 3]);
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')).status).toBe('complete');
  });
});
