// The report's inputs are read only from regular files (a FIFO or a device is refused at once with
// a ReportError naming it), and a run id in latest.json must be one plain directory name.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageTable } from './arrow-io';
import { readJsonIfExists, readJsonLinesIfExists } from './read-json';
import { ReportError } from './report-error';
import { selectRun } from './run-inputs';

let dir: string;
let fifo: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fmnist-report-inputs-'));
  fifo = join(dir, 'results.json');
  execFileSync('mkfifo', [fifo]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report inputs that are not regular files', () => {
  it('a FIFO as a JSON, JSON-lines or Arrow input fails at once, naming it', async () => {
    for (const read of [readJsonIfExists, readJsonLinesIfExists, readImageTable]) {
      const err: ReportError = await (read as (f: string) => Promise<never>)(fifo).catch((e: ReportError) => e);
      expect(err).toBeInstanceOf(ReportError);
      expect(err.file).toBe(fifo);
      expect(err.message).toContain(`is not a regular file: ${fifo} (it is a named pipe (FIFO))`);
    }
  }, 5000);

  it('/dev/zero as an Arrow input fails at once', async () => {
    await expect(readImageTable('/dev/zero')).rejects.toThrow('is not a regular file: /dev/zero (it is a character device)');
  }, 5000);

  it('a missing JSON file is still just missing', async () => {
    expect(await readJsonIfExists(join(dir, 'nope.json'))).toBeUndefined();
  });
});

describe('run ids read from latest.json', () => {
  it.each(['.', '..', '../holdout', 'a/b', 'a\\b', 'a\0b'])('refuses %j as a run id', async (runId) => {
    const runs = join(dir, `runs-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(runs, 'holdout'), { recursive: true });
    writeFileSync(join(runs, 'holdout', 'latest.json'), JSON.stringify({ runId }));
    const r = await selectRun(runs, 'holdout');
    expect(r.problem).toBe(`${join(runs, 'holdout', 'latest.json')} names an invalid run id`);
  });
});
