// Ctrl-C: exit 130 with the resume hint, and the same command resumes and completes.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, DATASET, readRealSplit, removeTempDirs, runCli, tempDir, writeKaggleCsv } from './helpers';

afterAll(removeTempDirs);

let cwd: string;
const KFOLD = ['kfold', '--folds', '2', '--epochs', '3', '--train-size', '2000', '--test-size', '200', '--concurrency', '1', '--seed', '3'];

beforeAll(async () => {
  cwd = tempDir();
  writeKaggleCsv(join(cwd, 'train.csv'), readRealSplit('train', 2000));
  writeKaggleCsv(join(cwd, 'test.csv'), readRealSplit('t10k', 200));
  const r = await runCli(['data', 'prepare', '--train-csv', 'train.csv', '--test-csv', 'test.csv', '--quiet'], { cwd });
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

/** Starts the CLI, sends SIGINT once its stderr matches `when`, resolves with the outcome. */
function interruptWhen(args: string[], when: RegExp): Promise<{ code: number | null; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], { cwd, env: { ...process.env, FMNIST_DATA_DIR: undefined } as NodeJS.ProcessEnv });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d) => {
      stderr += String(d);
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => res({ code, stderr }));
  });
}

describe('Ctrl-C', () => {
  it('during data preparation stops at the next stage, exits 130 and leaves no partial output', async () => {
    const r = await interruptWhen(['data', 'prepare', '--data-dir', DATASET, '--out', 'interrupted-prep'], /train-images-idx3-ubyte\.gz/);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('interrupted; re-run the same command to resume');
    expect(existsSync(join(cwd, 'interrupted-prep'))).toBe(false);
    expect(readdirSync(cwd).filter((f) => f.includes('interrupted-prep'))).toEqual([]);
  });

  it('stops with exit 130 and the resume hint; re-running the same command completes the run', async () => {
    const first = await interruptWhen(KFOLD, /epoch 1\/3: .*images/);
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toContain('stopping after the current step');
    expect(first.stderr).toContain('interrupted; re-run the same command to resume');
    expect(first.stderr).not.toMatch(/\n\s+at /);
    const kfoldDir = join(cwd, 'runs', 'kfold');
    const runs = readdirSync(kfoldDir).filter((d) => d !== 'latest.json');
    expect(runs).toHaveLength(1);
    const runId = runs[0];
    const manifest = JSON.parse(readFileSync(join(kfoldDir, runId, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('interrupted');
    expect(existsSync(join(kfoldDir, runId, 'results.json'))).toBe(false);

    const second = await runCli([...KFOLD, '--json', '--quiet'], { cwd });
    expect(second.code, second.stderr).toBe(0);
    const out = JSON.parse(second.stdout);
    expect(out.runId).toBe(runId); // the same run, resumed
    expect(out.results.folds).toHaveLength(2);
    for (const f of out.results.folds) expect(f.history).toHaveLength(3);
    expect(JSON.parse(readFileSync(join(kfoldDir, runId, 'manifest.json'), 'utf8')).status).toBe('complete');
  });
});
