// `fmnist data prepare|info` on real images, bad inputs, the config file and --json.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRealSplit, removeTempDirs, runCli, tempDir, writeKaggleCsv } from './helpers';

afterAll(removeTempDirs);

const PREPARED = ['train.arrow', 'test.arrow', 'cleaning.json', 'balance.json', 'correlation-train.arrow', 'correlation-test.arrow', 'summary.json'];

let dir: string;
let trainCsv: string;
let testCsv: string;

beforeAll(() => {
  dir = tempDir();
  trainCsv = join(dir, 'fashion-mnist_train.csv');
  testCsv = join(dir, 'fashion-mnist_test.csv');
  const train = readRealSplit('train', 400);
  // Planted problems: a duplicate of row 1, a row with an empty cell, a label of 12.
  const row1 = [train.labels[0], ...train.images.subarray(0, 784)].join(',');
  const empty = [3, ...Array.from({ length: 783 }, () => 0), ''].join(',');
  const bad = [12, ...Array.from({ length: 784 }, () => 0)].join(',');
  writeKaggleCsv(trainCsv, train, [row1, empty, bad]);
  writeKaggleCsv(testCsv, readRealSplit('t10k', 200));
});

describe('data prepare', () => {
  it('prepares Kaggle CSVs of real images: the files, the exact cleaning counts, a summary, --json', async () => {
    const out = join(dir, 'prepared');
    const r = await runCli(['data', 'prepare', '--train-csv', trainCsv, '--test-csv', testCsv, '--out', out, '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    for (const f of PREPARED) expect(existsSync(join(out, f)), f).toBe(true);
    const json = JSON.parse(r.stdout);
    expect(json.out).toBe(out);
    expect(json.cleaning.train).toMatchObject({ rowsRead: 403, duplicates: 1, emptyCells: 1, invalid: 1, rowsKept: 400 });
    expect(json.cleaning.test).toMatchObject({ rowsRead: 200, rowsKept: 200, duplicates: 0 });
    expect(json.balance.train.counts.reduce((a: number, b: number) => a + b, 0)).toBe(400);
    // the same numbers are in the files another package reads
    const cleaning = JSON.parse(readFileSync(join(out, 'cleaning.json'), 'utf8'));
    expect(cleaning.train.rowsKept).toBe(400);
    // progress and logs went to stderr, never into the JSON on stdout
    expect(r.stdout.trim().startsWith('{')).toBe(true);

    const human = await runCli(['data', 'prepare', '--train-csv', trainCsv, '--test-csv', testCsv, '--out', out], { cwd: dir });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('read from cache');
    expect(human.stdout).toMatch(/train: 403 read, 400 kept; dropped 1 duplicates, 1 with empty cells, 1 invalid/);

    const info = await runCli(['data', 'info', '--data', out, '--json'], { cwd: dir });
    expect(info.code).toBe(0);
    const infoJson = JSON.parse(info.stdout);
    expect(infoJson.prepared.rows).toEqual({ train: 400, test: 200 });
  });

  it('a damaged prepared directory: prepare repairs it with a warning, training names the file and --force, --force rebuilds', async () => {
    const out = join(dir, 'prepared-damaged');
    const args = ['data', 'prepare', '--train-csv', trainCsv, '--test-csv', testCsv, '--out', out, '--quiet'];
    expect((await runCli(args, { cwd: dir })).code).toBe(0);
    const train = join(out, 'train.arrow');
    const good = readFileSync(train);
    const bad = Buffer.from(good);
    bad[bad.length >> 1] ^= 0x55;
    writeFileSync(train, bad);
    const repaired = await runCli(args, { cwd: dir });
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stderr).toContain(`warning: ${train} does not match the SHA-256 recorded in summary.json: the prepared data is damaged; prepared it again`);
    expect(readFileSync(train).equals(good)).toBe(true);

    // truncated: training (which checks sizes) stops with the file and the command that fixes it
    writeFileSync(train, good.subarray(0, good.length - 1));
    const hold = await runCli(['holdout', '--data', out, '--no-tune', '--epochs', '1', '--concurrency', '1', '--quiet'], { cwd: tempDir() });
    expect(hold.code).toBe(1);
    const fix = `fmnist data prepare --force --train-csv ${trainCsv} --test-csv ${testCsv} --out ${out}`;
    expect(hold.stderr).toContain(`error: ${train} is ${good.length - 1} bytes but summary.json records ${good.length}: the prepared data is damaged`);
    expect(hold.stderr).toContain(fix);
    expect(hold.stderr).not.toMatch(/\n\s+at /);
    // the fix it names works; run twice, it rebuilds the intact directory too (no cache read)
    for (let i = 0; i < 2; i++) {
      const forced = await runCli(fix.split(' ').slice(1), { cwd: dir });
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toMatch(/^Prepared data in \S+\n/);
      expect(forced.stdout).not.toContain('read from cache');
      expect(readFileSync(train).equals(good)).toBe(true);
    }
  });

  it('a CSV with the wrong header exits 1 naming the file, and writes nothing', async () => {
    const badCsv = join(dir, 'wrong-header.csv');
    writeFileSync(badCsv, `label,p1,p2\n1,2,3\n`);
    const out = join(dir, 'out-bad-header');
    const r = await runCli(['data', 'prepare', '--train-csv', badCsv, '--test-csv', testCsv, '--out', out], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(badCsv);
    expect(r.stderr).toMatch(/header/i);
    expect(r.stderr).toContain('label,pixel1');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
    expect(existsSync(out)).toBe(false);
  });

  it('a missing input file exits 1 naming the file and the fix, and writes nothing', async () => {
    const out = join(dir, 'out-missing');
    const missing = join(dir, 'nope.csv');
    const r = await runCli(['data', 'prepare', '--train-csv', missing, '--test-csv', testCsv, '--out', out], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${missing}: file not found`);
    expect(r.stderr).toContain('--train-csv');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    // --verbose (or DEBUG=fmnist) adds the stack trace
    const v = await runCli(['data', 'prepare', '--train-csv', missing, '--test-csv', testCsv, '--out', out, '--verbose'], { cwd: dir });
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/\n\s+at /);
    const d = await runCli(['data', 'prepare', '--train-csv', missing, '--test-csv', testCsv, '--out', out], { cwd: dir, env: { DEBUG: 'fmnist' } });
    expect(d.stderr).toMatch(/\n\s+at /);
  });

  it('a missing data dir exits 1 naming the directory and how to get the data', async () => {
    const missing = join(dir, 'no-such-dir');
    const r = await runCli(['data', 'prepare', '--data-dir', missing], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).toContain('directory not found');
    expect(r.stderr).toContain('fmnist data fetch');
    expect(r.stderr).toContain('dataset-fashion-mnist');
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it('a data dir without the dataset files names the missing files', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    const r = await runCli(['data', 'prepare', '--data-dir', empty], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(empty);
    expect(r.stderr).toContain('train-images-idx3-ubyte.gz');
  });
});

describe('config file', () => {
  it('applies fmnist.config.json from the cwd; flags win; --config FILE', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'fmnist.config.json'), JSON.stringify({ 'runs-dir': 'from-config', trainCsv, testCsv: testCsv }));
    const a = await runCli(['data', 'prepare', '--quiet'], { cwd });
    expect(a.code, a.stderr).toBe(0);
    expect(readdirSync(join(cwd, 'from-config', 'data'))).toContain('train.arrow');

    const b = await runCli(['data', 'prepare', '--quiet', '--runs-dir', 'from-flag'], { cwd });
    expect(b.code, b.stderr).toBe(0);
    expect(existsSync(join(cwd, 'from-flag', 'data', 'train.arrow'))).toBe(true);

    const other = join(cwd, 'other.json');
    writeFileSync(other, JSON.stringify({ runsDir: 'from-other-config', 'train-csv': trainCsv, 'test-csv': testCsv }));
    const c = await runCli(['data', 'prepare', '--quiet', '--config', other], { cwd });
    expect(c.code, c.stderr).toBe(0);
    expect(existsSync(join(cwd, 'from-other-config', 'data', 'train.arrow'))).toBe(true);
  });

  it('an unknown key or a bad value in the config file is a usage error naming the file', async () => {
    const cwd = tempDir();
    const cfg = join(cwd, 'fmnist.config.json');
    writeFileSync(cfg, JSON.stringify({ bakend: 'wasm' }));
    const a = await runCli(['data', 'info'], { cwd });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(cfg);
    expect(a.stderr).toContain('Did you mean "backend"?');

    writeFileSync(cfg, JSON.stringify({ backend: 'gpu' }));
    const b = await runCli(['data', 'info'], { cwd });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^error: Invalid value for --backend: "gpu" \(choose from "auto", "tensorflow", "wasm", "cpu"\)$/m);

    // not JSON, over several lines: JSON.parse quotes the text, the message stays one line
    writeFileSync(cfg, 'seed = 7\nepochs: 2\n');
    const c = await runCli(['data', 'info'], { cwd });
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(new RegExp(`^error: config file ${cfg.replace(/[/.]/g, '\\$&')} is not valid JSON \\(.*\\)\\. Fix the file or remove it\\.$`, 'm'));
    expect(c.stderr).not.toMatch(/^epochs: 2/m);

    const d = await runCli(['data', 'info', '--config', join(cwd, 'missing.json')], { cwd });
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('missing.json not found');
  });
});
