// `fmnist report` without any runs (also what `nx run reporting:report` runs): the defaults
// <runs-dir>/data, <runs-dir> and <runs-dir>/report, the missing inputs listed, --out, --runs-dir.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, runCli, tempDir } from './helpers';

afterAll(removeTempDirs);

describe('report', () => {
  it('writes runs/report from runs/data and runs by default, listing what is missing', async () => {
    const cwd = tempDir();
    const r = await runCli(['report'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').slice(1).map((l) => l.trim())).toEqual([join(cwd, 'runs/report/report.html'), join(cwd, 'runs/report/report.md')]);
    expect(r.stderr).toContain(`report: ${join(cwd, 'runs/data')} (no prepared data)`);
    expect(r.stderr).toContain(`report: kfold: no kfold run found in ${join(cwd, 'runs/kfold')}`);
  });

  it('honours --out and --runs-dir; an unknown option is a usage error', async () => {
    const cwd = tempDir();
    const ok = await runCli(['report', '--out', 'elsewhere', '--runs-dir', 'nothing-here'], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'elsewhere/report.md'), 'utf8')).toContain(`no holdout run found in ${join(cwd, 'nothing-here/holdout')}`);
    expect(existsSync(join(cwd, 'runs'))).toBe(false);
    const bad = await runCli(['report', '--bogus'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown argument: bogus');
  });
});
