// Every route to a setting (flag, config-file key, --set) is checked by the experiments settings
// schema before anything is written: a bad value is a usage error naming the setting, the value,
// the allowed range and where it came from, and no run (or prepared data) directory is created.
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASET, removeTempDirs, runCli, tempDir } from './helpers';

afterAll(removeTempDirs);

/** Real data is given, so a command that got past the settings would prepare it into runs/. */
const DATA = ['--data-dir', DATASET];

const CASES: [string, string[], RegExp][] = [
  ['a non-finite learning rate', ['holdout', '--set', 'params.learningRate=1e999'], /invalid setting params\.learningRate = Infinity \(from --set params\.learningRate=1e999\): expected a finite number > 0/],
  ['k=1 (a misplaced key)', ['kfold', '--set', 'k=1'], /unknown setting k \(from --set k=1\).*Did you mean kfold\.k\?/],
  ['kfold.k=1', ['kfold', '--set', 'kfold.k=1'], /invalid setting kfold\.k = 1 \(from --set kfold\.k=1\): expected a whole number ≥ 2/],
  ['batch size 0', ['kfold', '--set', 'params.batchSize=0'], /invalid setting params\.batchSize = 0 \(from --set params\.batchSize=0\): expected a whole number ≥ 1/],
  ['dropout 5', ['run', '--set', 'params.dropout=5'], /invalid setting params\.dropout = 5 \(from --set params\.dropout=5\): expected a finite number ≥ 0 and < 1/],
  ['a prototype key', ['tune', '--set', '__proto__.x=1'], /setting __proto__ \(from --set __proto__\.x=1\) uses the reserved name "__proto__"/],
  ['a bad flag value', ['kfold', '--batch-size', '0'], /invalid setting params\.batchSize = 0 \(from flag --batch-size\): expected a whole number ≥ 1/],
  ['a bad alias value', ['kfold', '-k', '1'], /invalid setting kfold\.k = 1 \(from flag --folds\): expected a whole number ≥ 2/],
  ['a non-numeric flag', ['transfer', '--input-size', 'big'], /invalid setting transfer\.inputSize = not a number \(from flag --input-size\): expected a whole number ≥ 32 and ≤ 224/],
];

describe('settings are checked before any work', () => {
  it.each(CASES)('%s: exit 2, one message, no run directory', async (_what, args, message) => {
    const cwd = tempDir();
    const r = await runCli([...args, ...DATA], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a bad value in fmnist.config.json names the file and its key', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'fmnist.config.json'), JSON.stringify({ batchSize: 0 }));
    const r = await runCli(['kfold', ...DATA], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`invalid setting params.batchSize = 0 (from ${join(cwd, 'fmnist.config.json')} key "batchSize"): expected a whole number ≥ 1`);
    expect(readdirSync(cwd)).toEqual(['fmnist.config.json']);
    // the command line wins over the file, and its value is checked the same way
    const flag = await runCli(['kfold', '--batch-size', '-3', ...DATA], { cwd });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('params.batchSize = -3 (from flag --batch-size)');
    expect(readdirSync(cwd)).toEqual(['fmnist.config.json']);
  });

  it('a --set in the config file, and an unknown config key, are usage errors too', async () => {
    const cwd = tempDir();
    const file = join(cwd, 'fmnist.config.json');
    writeFileSync(file, JSON.stringify({ set: ['tune.space={"batchSize":[64,0]}'] }));
    const a = await runCli(['tune', ...DATA], { cwd });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`invalid setting tune.space.batchSize.1 = 0 (from ${file} key "set": tune.space={"batchSize":[64,0]})`);
    writeFileSync(file, JSON.stringify({ batchSise: 3 }));
    const b = await runCli(['kfold', ...DATA], { cwd });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('unknown key "batchSise". Did you mean "batch-size"?');
    expect(readdirSync(cwd)).toEqual(['fmnist.config.json']);
  });

  it('a config file that is a FIFO is refused at once, not read (a read would block forever)', async () => {
    const cwd = tempDir();
    const file = join(cwd, 'fmnist.config.json');
    execFileSync('mkfifo', [file]);
    const r = await runCli(['holdout', '--data-dir', DATASET], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(`error: config file ${file} is a named pipe (FIFO); --config expects a JSON file such as fmnist.config.json.\n`);
    expect(readdirSync(cwd)).toEqual(['fmnist.config.json']);
  }, 20_000);
});
