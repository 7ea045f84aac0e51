import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { medianSeconds, runSpeedrun, speedrunSeeds } from './speedrun';

let runsDir: string;
beforeAll(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'fmnist-speedrun-'));
});
afterAll(async () => {
  await rm(runsDir, { recursive: true, force: true });
});

describe('speedrun medians and seeds', () => {
  it('takes the middle value, the mean of the two middle ones, and counts never as slower than any time', () => {
    expect(medianSeconds([30, 10, 20])).toBe(20);
    expect(medianSeconds([40, 10, 20, 30])).toBe(25);
    expect(medianSeconds([null, 10, 20])).toBe(20);
    expect(medianSeconds([null, null, 20])).toBeNull();
    expect(medianSeconds([10, null])).toBeNull();
    expect(medianSeconds([7])).toBe(7);
    expect(medianSeconds([])).toBeNull();
  });

  it('derives distinct seeds from the study seed, the same ones each time', () => {
    const s = speedrunSeeds(42, 5);
    expect(new Set(s).size).toBe(5);
    expect(speedrunSeeds(42, 5)).toEqual(s);
    expect(speedrunSeeds(42, 2)).toEqual(s.slice(0, 2));
    expect(speedrunSeeds(43, 1)[0]).not.toBe(s[0]);
  });
});

describe('speedrun on real images (smoke profile)', () => {
  it('times each target per seed, stops at the highest reached, and gives null for one never reached', async () => {
    const lines: string[] = [];
    // 0.3 is reached after the first epoch; 0.99 never is, so every seed trains all 3 epochs.
    const r = await runSpeedrun({ runsDir, profile: 'smoke', seeds: 3, overrides: { speedrun: { targets: [0.99, 0.3], params: { epochs: 3 } } }, log: (l) => lines.push(l) });
    expect(r.targets).toEqual([0.3, 0.99]);
    expect(Object.keys(r.secondsTo)).toEqual(['0.3', '0.99']);
    expect(r.secondsTo['0.99']).toBeNull();
    expect(r.secondsTo['0.3']).toBeGreaterThan(0);
    expect(r).toMatchObject({ seeds: 3, backend: expect.any(String), threads: expect.any(Number), data: { trainRows: 1000, testRows: 200 } });
    expect(new Set(r.runs.map((s) => s.seed)).size).toBe(3);
    for (const s of r.runs) {
      expect(s.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
      // the wall clock only grows, and a target's time is that of the first epoch at or above it
      expect(s.epochs[1].seconds).toBeGreaterThan(s.epochs[0].seconds);
      const first = s.epochs.find((e) => e.testAccuracy >= 0.3);
      expect(s.secondsTo['0.3']).toBe(first?.seconds ?? null);
      expect(s.bestTestAccuracy).toBe(Math.max(...s.epochs.map((e) => e.testAccuracy)));
    }
    expect(r.secondsTo['0.3']).toBe(medianSeconds(r.runs.map((s) => s.secondsTo['0.3'])));
    expect(lines.some((l) => /seed \d+ epoch 1\/3: test_acc/.test(l))).toBe(true);
    // nothing written
    expect(await readdir(runsDir)).toEqual([]);
  });

  it('stops a seed as soon as the highest target is reached', async () => {
    const r = await runSpeedrun({ runsDir, profile: 'smoke', overrides: { speedrun: { targets: [0.2], params: { epochs: 5 } } } });
    expect(r.runs[0].epochs).toHaveLength(1);
    expect(r.secondsTo['0.2']).toBe(r.runs[0].epochs[0].seconds);
  });

  it('refuses bad seeds and targets before any training', async () => {
    await expect(runSpeedrun({ runsDir, profile: 'smoke', seeds: 0 })).rejects.toThrow(/seeds must be a whole number ≥ 1, got 0/);
    await expect(runSpeedrun({ runsDir, profile: 'smoke', overrides: { speedrun: { targets: [1.5] } } })).rejects.toThrow(/invalid setting speedrun.targets.0 = 1.5/);
    await expect(runSpeedrun({ runsDir, profile: 'smoke', overrides: { speedrun: { targets: [] } } })).rejects.toThrow(/invalid setting speedrun.targets = \[\]/);
  });
});
