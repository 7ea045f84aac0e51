// A fixable error thrown inside a worker process (k-fold with --concurrency 2, each fold in its
// own process) reaches the user as one: the file named, the hint, exit 1, no stack-trace advice.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, runCli, tempDir } from './helpers';

afterAll(removeTempDirs);

describe('errors from worker processes', () => {
  it('a prepared directory with missing files: the workers fail, the CLI prints the file and the fix', async () => {
    const cwd = tempDir();
    const prep = join(cwd, 'prep');
    mkdirSync(prep);
    // enough for the parent to accept the directory; the workers read the rest and fail
    writeFileSync(join(prep, 'summary.json'), JSON.stringify({ inputKey: 'abc' }));
    writeFileSync(join(prep, 'train.arrow'), 'not arrow');
    const r = await runCli(['kfold', '--data', prep, '--concurrency', '2', '--folds', '2', '--epochs', '1', '--backend', 'cpu'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: .*${prep.replace(/[/.]/g, '\\$&')}/\\w+\\.(arrow|json)`, 'm'));
    expect(r.stderr).toContain(`fmnist data prepare --force --out ${prep}`);
    expect(r.stderr).not.toMatch(/--verbose|\n\s+at /);
  });
});
