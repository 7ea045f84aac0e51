// What the built CLI does to the places it writes: the report leaves the user's files in --out
// alone, a reader that closes the pipe ends the command quietly, and failures of the operating
// system are one line naming the path and the fix. Real files, real pipes, real devices.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCnn, initBackend, saveModel } from '@fmnist/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, readRealSplit, removeTempDirs, runCli, tempDir, writeKaggleCsv, type CliResult } from './helpers';

afterAll(removeTempDirs);

let cwd: string;
beforeAll(() => {
  cwd = tempDir();
  writeFileSync(join(cwd, 'a-file'), 'not a directory');
});

/** One line on stderr, `error: ...`, naming `path`, no raw errno text and no stack trace. */
function expectOneLineError(r: CliResult, path: string): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toContain(path);
  expect(lines[0]).not.toMatch(/\bE[A-Z]{3,}\b|--verbose/);
}

describe('fmnist report --out', () => {
  it('keeps the files the user has in --out and in its figures/ across reports', async () => {
    const out = join(cwd, 'site');
    mkdirSync(join(out, 'figures'), { recursive: true });
    writeFileSync(join(out, 'index.html'), 'my site');
    writeFileSync(join(out, 'figures', 'my-plot.svg'), '<svg>mine</svg>');
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['report', '--runs-dir', 'no-runs', '--out', 'site', '--quiet'], { cwd });
      expect(r.code, r.stderr).toBe(0);
    }
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('my site');
    expect(readFileSync(join(out, 'figures', 'my-plot.svg'), 'utf8')).toBe('<svg>mine</svg>');
    expect(readdirSync(out).sort()).toEqual(['.fmnist-report.json', 'figures', 'index.html', 'report.html', 'report.md']);
  });

  it('names a run it leaves out as malformed even with --quiet, and reports the rest', async () => {
    const run = join(cwd, 'broken-runs', 'holdout', 'quick-11111111');
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'manifest.json'), '{"technique": "hold');
    writeFileSync(join(cwd, 'broken-runs', 'holdout', 'latest.json'), '{"runId": "quick-11111111"}');
    const r = await runCli(['report', '--runs-dir', 'broken-runs', '--out', 'broken-report', '--quiet'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^warning: report: ${join(run, 'manifest.json')} is not valid JSON .*; skipped holdout run quick-11111111 \\(named by latest.json\\)\n$`));
    expect(readdirSync(join(cwd, 'broken-report'))).toContain('report.md');
  });

  it('refuses to overwrite a report.md it did not write (the message and its hint), unless --force', async () => {
    const out = join(cwd, 'notes');
    mkdirSync(out);
    writeFileSync(join(out, 'report.md'), 'my own notes');
    const r = await runCli(['report', '--runs-dir', 'no-runs', '--out', 'notes', '--quiet'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(
      `error: ${join(out, 'report.md')} exists and was not written by fmnist report; not overwriting it\n` +
        "Move it away, choose another --out, or pass --force to overwrite the report's own file names (nothing else is touched).\n",
    );
    expect(readdirSync(out)).toEqual(['report.md']);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe('my own notes');
    const forced = await runCli(['report', '--runs-dir', 'no-runs', '--out', 'notes', '--quiet', '--force'], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/^# Fashion-MNIST study report/);
  });
  it('fmnist run checks its report directory before any work', async () => {
    const out = join(cwd, 'notes-run');
    mkdirSync(out);
    writeFileSync(join(out, 'report.html'), 'my page');
    const r = await runCli(['run', '--runs-dir', 'runs-x', '--out', 'notes-run', '--data-dir', '/usr/share/datasets/fashion-mnist'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`error: ${join(out, 'report.html')} exists and was not written by fmnist report; not overwriting it`);
    expect(readdirSync(cwd)).not.toContain('runs-x');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toBe('my page');
  });
});

describe('system errors', () => {
  it('ENOTDIR: --out under a file', async () => {
    expectOneLineError(await runCli(['report', '--runs-dir', 'no-runs', '--out', 'a-file/report'], { cwd }), join(cwd, 'a-file', 'report'));
  });

  it('EACCES: --out where even root may not create a directory (sysfs)', async () => {
    expectOneLineError(await runCli(['report', '--runs-dir', 'no-runs', '--out', '/sys/kernel/fmnist-report'], { cwd }), '/sys/kernel/fmnist-report');
  });

  describe('data prepare', () => {
    beforeAll(() => writeKaggleCsv(join(cwd, 'small.csv'), readRealSplit('t10k', 100)));
    const prepare = (out: string) => runCli(['data', 'prepare', '--train-csv', 'small.csv', '--test-csv', 'small.csv', '--out', out, '--quiet'], { cwd });

    it('EEXIST: a file where the output\'s parent directory goes', async () => {
      expectOneLineError(await prepare('a-file/data'), join(cwd, 'a-file'));
    });

    it('EISDIR: a directory where an output file goes', async () => {
      mkdirSync(join(cwd, 'prepared', 'cleaning.json'), { recursive: true });
      expectOneLineError(await prepare('prepared'), join(cwd, 'prepared', 'cleaning.json'));
    });
  });

  it('ENOSPC: standard output on a full device (/dev/full)', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = await new Promise<CliResult>((res) => {
        const child = spawn(process.execPath, [BUNDLE, 'completion'], { cwd, stdio: ['ignore', fd, 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d) => (stderr += d));
        child.on('close', (code) => res({ code, stdout: '', stderr }));
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('error: no space left on device while writing standard output: send the output elsewhere (a file on a disk with free space, or a pipe)\n');
    } finally {
      closeSync(fd);
    }
  });
});

describe('a reader that closes the pipe', () => {
  it('`fmnist predict many.idx | head -1`: the first line, then exit 0 without a message', async () => {
    // A small untrained model is enough to print a line per image.
    await initBackend('cpu');
    await saveModel(createCnn({ filters: [4], denseUnits: 0, seed: 1 }) as never, join(cwd, 'model'));
    const n = 3000;
    const s = readRealSplit('t10k', n);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x803, 0);
    header.writeUInt32BE(n, 4);
    header.writeUInt32BE(28, 8);
    header.writeUInt32BE(28, 12);
    writeFileSync(join(cwd, 'many-images-idx3-ubyte'), Buffer.concat([header, s.images]));

    const r = await new Promise<{ code: number | null; signal: string | null; first: string; stderr: string }>((res) => {
      const child = spawn(process.execPath, [BUNDLE, 'predict', 'many-images-idx3-ubyte', '--model', 'model', '--quiet'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let first = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (!first && out.includes('\n')) {
          first = out.slice(0, out.indexOf('\n'));
          child.stdout.destroy(); // as `head -1` does: read one line, close the pipe
        }
      });
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code, signal) => res({ code, signal, first, stderr }));
    });
    expect(r.first).toMatch(/many-images-idx3-ubyte#1: \S/);
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
  }, 120_000);
});
