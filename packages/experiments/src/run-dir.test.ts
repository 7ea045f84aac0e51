import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeJsonAtomic } from './atomic';
import { runIdFor } from './config-hash';
import { openRun } from './run-dir';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fmnist-rundir-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { runsDir: '', technique: 'kfold' as const, profile: 'quick', seed: 1, backend: null, data: { dir: '/d', inputKey: 'k' } };

describe('run ids', () => {
  it('are stable for the same config whatever the key order, and differ for a different config', () => {
    const a = runIdFor('quick', { k: 3, params: { lr: 0.001, filters: [8, 16] } });
    expect(a).toMatch(/^quick-[0-9a-f]{8}$/);
    expect(runIdFor('quick', { params: { filters: [8, 16], lr: 0.001 }, k: 3 })).toBe(a);
    expect(runIdFor('quick', { k: 5, params: { lr: 0.001, filters: [8, 16] } })).not.toBe(a);
    expect(runIdFor('quick', { k: 3, params: { lr: 0.001, filters: [16, 8] } })).not.toBe(a);
    expect(runIdFor('full', { k: 3, params: { lr: 0.001, filters: [8, 16] } })).toMatch(/^full-/);
  });
});

describe('atomic writes', () => {
  it('replace the whole file and leave no temp files behind', async () => {
    const p = join(dir, 'a', 'x.json');
    await writeJsonAtomic(p, { v: 1 });
    await writeJsonAtomic(p, { v: 2 });
    expect(JSON.parse(await readFile(p, 'utf8'))).toEqual({ v: 2 });
    expect(await readdir(join(dir, 'a'))).toEqual(['x.json']);
  });

  it('a reader polling during large rewrites never sees a partial file', async () => {
    const p = join(dir, 'big.json');
    const big = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(2_000_000) });
    await writeFileAtomic(p, big(0));
    let torn = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const s = await readFile(p, 'utf8');
        try {
          JSON.parse(s);
        } catch {
          torn++;
        }
      }
    })();
    for (let i = 1; i <= 10; i++) await writeFileAtomic(p, big(i));
    reading = false;
    await reader;
    expect(torn).toBe(0);
    expect(JSON.parse(await readFile(p, 'utf8')).i).toBe(10);
  });
});

describe('run directories', () => {
  it('write the contract layout, resume the same id, and are read-only once complete', async () => {
    const cfg = { k: 3 };
    const r = await openRun({ ...base, runsDir: dir, config: cfg });
    expect(r.dir).toBe(join(dir, 'kfold', runIdFor('quick', cfg)));
    await expect(openRun({ ...base, runsDir: dir, config: cfg })).rejects.toThrow(/run directory is in use/);
    await r.metric({ scope: 'fold', id: '0', epoch: 1, loss: 1, accuracy: 0.5, seconds: 1, imagesPerSecond: 10 });
    await r.log('hello');
    await r.fail(new Error('boom'), 'interrupted');
    let m = JSON.parse(await readFile(join(r.dir, 'manifest.json'), 'utf8'));
    expect(m).toMatchObject({ technique: 'kfold', status: 'interrupted', profile: 'quick', config: cfg, seed: 1 });

    const r2 = await openRun({ ...base, runsDir: dir, config: cfg });
    expect(r2.resumed).toBe(true);
    // Re-running epoch 1 replaces its line; epoch 2 is added.
    await r2.metric({ scope: 'fold', id: '0', epoch: 1, loss: 0.9, accuracy: 0.6, seconds: 1, imagesPerSecond: 10 });
    await r2.metric({ scope: 'fold', id: '0', epoch: 2, loss: 0.8, accuracy: 0.7, seconds: 1, imagesPerSecond: 10 });
    await r2.complete({ technique: 'kfold', ok: true });
    const lines = (await readFile(join(r2.dir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.epoch, l.loss])).toEqual([[1, 0.9], [2, 0.8]]);
    m = JSON.parse(await readFile(join(r2.dir, 'manifest.json'), 'utf8'));
    expect(m.status).toBe('complete');
    expect(m.attempts.map((a: { status: string }) => a.status)).toEqual(['interrupted', 'complete']);
    expect(JSON.parse(await readFile(join(dir, 'kfold', 'latest.json'), 'utf8'))).toEqual({ runId: r2.runId });
    expect(await readdir(r2.dir)).not.toContain('lock');
    expect(await readFile(join(r2.dir, 'log.txt'), 'utf8')).toMatch(/hello/);

    const r3 = await openRun({ ...base, runsDir: dir, config: cfg });
    expect(r3.completedResults).toEqual({ technique: 'kfold', ok: true });
  });
});
