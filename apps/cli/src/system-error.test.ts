// System errors produced for real (a full device, a path under a file, a directory opened as a
// file...) turned into one sentence naming the path and the fix.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatError } from './errors';
import { describeSystemError } from './system-error';

const dir = mkdtempSync(join(tmpdir(), 'fmnist-syserr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'a-file');
writeFileSync(file, 'x');

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('describeSystemError', () => {
  it('ENOSPC from a real device that is full (/dev/full), naming the file it was writing', async () => {
    const e = await writeFile('/dev/full', 'x'.repeat(10_000)).catch((x) => x);
    expect(e.code).toBe('ENOSPC');
    expect(describeSystemError(e, 'runs/holdout/quick-1/model/weights.bin')).toBe(
      'no space left on device while writing runs/holdout/quick-1/model/weights.bin: free some space, or choose another --out (or --runs-dir) on another disk',
    );
    // As the atomic writers report it: the destination set on the error
    expect(describeSystemError(Object.assign(e, { path: '/x/results.json' }))).toContain('while writing /x/results.json:');
  });

  it('ENOTDIR, EISDIR, EEXIST, ENOENT from real calls, each one line naming the path', () => {
    const cases: [Error, string][] = [
      [thrown(() => writeFileSync(join(file, 'report.md'), 'x')), `not a directory while opening ${join(file, 'report.md')}: a part of that path is a file; choose another --out (or --runs-dir), or move the file away`],
      [thrown(() => writeFileSync(dir, 'x')), `a directory where a file was expected while opening ${dir}: move ${dir} away, or choose another path`],
      [thrown(() => mkdirSync(file)), `file already exists while creating the directory ${file}: move ${file} away, or choose another --out (or --runs-dir)`],
      [thrown(() => writeFileSync(join(dir, 'gone', 'x'), 'x')), `no such file or directory while opening ${join(dir, 'gone', 'x')}: check the path (a directory may have been removed while fmnist ran), then run the command again`],
    ];
    for (const [e, text] of cases) {
      expect(describeSystemError(e)).toBe(text);
      expect(formatError(e, false)).toBe(`error: ${text}`);
    }
  });

  it('EACCES where even root may not write (sysfs)', () => {
    const e = thrown(() => writeFileSync('/sys/kernel/fmnist-test', 'x'));
    expect((e as NodeJS.ErrnoException).code).toBe('EACCES');
    expect(describeSystemError(e)).toBe(
      'permission denied while opening /sys/kernel/fmnist-test: choose another --out (or --runs-dir) in a directory you can write to, or change the permissions of /sys/kernel/fmnist-test',
    );
  });

  it('reads code, call and paths from the message alone (an error that crossed a worker process)', () => {
    const real = thrown(() => mkdirSync(file));
    const e = new Error(real.message);
    expect(describeSystemError(e)).toBe(describeSystemError(real));
  });

  it('leaves other errors alone', () => {
    expect(describeSystemError(new Error('something else'))).toBeUndefined();
    expect(describeSystemError(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBeUndefined();
    expect(formatError(new Error('something else'), false)).toBe('error: something else\n(run again with --verbose or DEBUG=fmnist for the stack trace)');
  });
});
