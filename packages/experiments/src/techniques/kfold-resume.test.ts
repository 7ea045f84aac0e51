import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKFold } from './kfold';
import type { KFoldResult } from './kfold';

const KFOLD = fileURLToPath(new URL('./kfold.ts', import.meta.url));
// Small real subset, tiny CNN: a few seconds per run on 2 cores.
const OVERRIDES = { data: { testSubset: 300 }, kfold: { k: 3, subset: 900, params: { filters: [4], denseUnits: 16, batchSize: 50, epochs: 3, dropout: 0.2 } } };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmnist-kfold-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** runKFold in a process of its own (so that it can be killed), its log lines on stdout. */
function startKFold(runsDir: string) {
  const options = { runsDir, concurrency: 1, overrides: OVERRIDES };
  const code = `import { runKFold } from ${JSON.stringify(KFOLD)};\nawait runKFold({ ...${JSON.stringify(options)}, log: (line) => console.log(line) });`;
  const child = spawn(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, exited, output: () => out };
}

/** The numbers of a result, without timings. */
function numbers(r: KFoldResult) {
  return {
    folds: r.folds.map((f) => ({ ...f, history: f.history.map(({ seconds: _s, imagesPerSecond: _i, threads: _t, ...h }) => h) })),
    summary: r.summary,
    ensemble: r.ensemble,
    params: r.params,
  };
}

describe('k-fold run killed with SIGKILL mid-fold', () => {
  it('resumes to the same numbers as an uninterrupted (and parallel) run', async () => {
    const killedDir = join(root, 'killed');
    const a = startKFold(killedDir);
    // Wait for fold 1's first epoch checkpoint, then kill -9 in the middle of the fold.
    const deadline = Date.now() + 90_000;
    let runDir = '';
    for (;;) {
      const ids = existsSync(join(killedDir, 'kfold')) ? (await readdir(join(killedDir, 'kfold'))).filter((d) => d.startsWith('quick-')) : [];
      runDir = ids.length ? join(killedDir, 'kfold', ids[0]) : '';
      if (runDir && existsSync(join(runDir, 'fold-1', 'checkpoint', 'checkpoint.json'))) break;
      if (Date.now() > deadline) throw new Error(`no checkpoint appeared:\n${a.output()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    a.child.kill('SIGKILL');
    const ex = await a.exited;
    expect(ex.signal).toBe('SIGKILL');
    expect(existsSync(join(runDir, 'results.json'))).toBe(false);
    expect(JSON.parse(await readFile(join(runDir, 'lock'), 'utf8')).pid).toBe(a.child.pid);

    // Re-run: takes over the stale lock, resumes fold 1 from its checkpoint, finishes.
    const b = startKFold(killedDir);
    expect((await b.exited).code, b.output()).toBe(0);
    expect(b.output()).toMatch(/fold 1\/3 done after 3 epochs: .*\(resumed from epoch \d\)/);
    const resumed = JSON.parse(await readFile(join(runDir, 'results.json'), 'utf8')) as KFoldResult;

    // Uninterrupted run with the same seed elsewhere, its folds in 3 worker processes at once:
    // neither the kill nor the concurrency changes a number.
    const clean = await runKFold({ runsDir: join(root, 'clean'), concurrency: 3, overrides: OVERRIDES });
    expect(clean.runId).toBe(resumed.runId);
    expect(numbers(resumed)).toEqual(numbers(clean));
    expect(resumed.folds).toHaveLength(3);
    expect(resumed.summary.validationAccuracy.mean).toBeGreaterThan(0.3);
    const m = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8'));
    expect(m.status).toBe('complete');
    expect(m.attempts).toHaveLength(2);
    // metrics.jsonl has exactly one line per fold and epoch, even for re-run epochs.
    const lines = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3 * 3);

    // A third run recomputes nothing.
    const again = await runKFold({ runsDir: killedDir, concurrency: 1, overrides: OVERRIDES });
    expect(again).toEqual(resumed);
  });
});
