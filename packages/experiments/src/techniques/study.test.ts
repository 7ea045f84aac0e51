import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudyPool } from './context';
import { runHoldout, type HoldoutResult } from './holdout';
import { runKFold, type KFoldResult } from './kfold';
import type { PoolStatus } from '../scheduling/core-pool';
import type { Overrides } from '../settings/profiles';

// Two techniques on one core pool of real worker processes, as `fmnist run` runs them: their
// units overlap, an interrupted study resumes, and every number equals the technique run alone.
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmnist-study-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const overrides: Overrides = {
  data: { trainSubset: 600, testSubset: 200 },
  holdout: { tune: false, epochs: 3 },
  params: { filters: [4], denseUnits: 8, batchSize: 40, epochs: 3 },
  kfold: { k: 2, subset: 400, params: { filters: [4], denseUnits: 8, batchSize: 40, epochs: 3 } },
};

// how an epoch ran (its seconds, images per second and threads), not what it computed
const noTimes = <T extends { seconds: number; imagesPerSecond: number; threads?: number }>(h: T[]) => h.map(({ seconds: _s, imagesPerSecond: _i, threads: _t, ...rest }) => rest);
const holdoutNumbers = (r: HoldoutResult) => ({ history: noTimes(r.history), train: r.train, validation: r.validation, test: r.test });
const kfoldNumbers = (r: KFoldResult) => ({ folds: r.folds.map((f) => ({ ...f, history: noTimes(f.history) })), summary: r.summary, ensemble: r.ensemble });

describe('a study on one core pool', () => {
  it('runs the units of two techniques side by side, resumes when interrupted, and gives the numbers of each technique alone', async () => {
    const alone = join(root, 'alone');
    // alone: in this process, one unit at a time on one thread
    const soloHoldout = await runHoldout({ runsDir: alone, profile: 'smoke', concurrency: 1, overrides });
    const soloKFold = await runKFold({ runsDir: alone, profile: 'smoke', concurrency: 1, overrides });

    const together = join(root, 'together');
    const statuses: PoolStatus[] = [];
    const study = (signal?: AbortSignal, onEpoch?: () => void) =>
      createStudyPool({ concurrency: 2, onStatus: (s) => statuses.push(s) }).then(async (pool) => {
        // one thread each: a unit of each technique fits on the two cores at once
        const o = { runsDir: together, profile: 'smoke', pool, threads: 1, overrides, signal, onEpoch };
        try {
          return await Promise.allSettled([runHoldout(o), runKFold(o)]);
        } finally {
          await pool.close();
        }
      });

    // interrupted after the first finished epoch: both stop after their batch, checkpoints kept
    const ac = new AbortController();
    const first = await study(ac.signal, () => ac.abort());
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const r of first) expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'AbortError' });

    let resumedEpochs = 0;
    const second = await study(undefined, () => resumedEpochs++);
    expect(second.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const [h, k] = second.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [HoldoutResult, KFoldResult];
    // a unit of each technique ran at the same time, each on one thread
    const both = statuses.find((s) => s.running.some((u) => u.label === 'holdout') && s.running.some((u) => u.label.startsWith('fold ')));
    expect(both, JSON.stringify(statuses.map((s) => s.running))).toBeDefined();
    for (const s of statuses) expect(s.running.reduce((a, u) => a + u.threads, 0)).toBeLessThanOrEqual(2);
    // resumed: the epochs the interrupted study finished came from its checkpoints
    expect(h.history.length + k.folds.reduce((a, f) => a + f.history.length, 0)).toBe(3 + 2 * 3);
    expect(resumedEpochs).toBeLessThan(3 + 2 * 3);

    expect(holdoutNumbers(h)).toEqual(holdoutNumbers(soloHoldout));
    expect(kfoldNumbers(k)).toEqual(kfoldNumbers(soloKFold));
  }, 120_000);
});
