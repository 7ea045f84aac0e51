import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const entry = join(dirname(fileURLToPath(import.meta.url)), 'cli-entry.ts');
// The script runs from a temp dir, where `--import tsx/esm` would not resolve: pass tsx by path.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
let cwd: string;

function run(args: string[]) {
  return spawnSync(process.execPath, ['--import', tsx, entry, ...args], { cwd, encoding: 'utf8' });
}

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'fmnist-report-cli-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('report script (nx run reporting:report)', () => {
  it('writes runs/report from runs/data and runs by default, listing what is missing', () => {
    const r = run([]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([join(cwd, 'runs/report/report.html'), join(cwd, 'runs/report/report.md')]);
    expect(r.stderr).toContain('not in the report: runs/data (no prepared data)');
    expect(r.stderr).toContain('kfold: no kfold run found in runs/kfold');
  });

  it('honours --out and rejects an unknown option with exit code 2', async () => {
    const ok = run(['--out', 'elsewhere', '--runs-dir', 'nothing-here']);
    expect(ok.status).toBe(0);
    expect(await readFile(join(cwd, 'elsewhere/report.md'), 'utf8')).toContain('no holdout run found in nothing-here/holdout');
    const bad = run(['--bogus']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--bogus'");
    expect(bad.stderr).toContain('Usage: report');
  });
});
