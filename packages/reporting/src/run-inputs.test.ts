import { mkdtemp, readFile, rm, writeFile, appendFile, mkdir } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateReport } from './generate-report';
import { selectRun } from './run-inputs';
import { readIdxSubset, writeRunsDir, type Subset } from './testing/fixtures';

let test: Subset;
let root: string;
let runs: string;
beforeAll(() => {
  test = readIdxSubset('t10k', 200);
});
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmnist-runinputs-'));
  runs = join(root, 'runs');
  await writeRunsDir(runs, test);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const holdout = (id: string, f: string) => join(runs, 'holdout', id, f);

describe('a malformed run is skipped with a warning naming the file', () => {
  it('a corrupt results.json: the next newest complete run is shown', async () => {
    await writeFile(holdout('quick-11111111', 'results.json'), '{"technique": "holdout", "te');
    const h = await selectRun(runs, 'holdout');
    expect(h.run?.runId).toBe('quick-00000000');
    expect(h.warnings).toEqual([
      expect.stringMatching(new RegExp(`^${holdout('quick-11111111', 'results.json')} is not valid JSON \\(.+\\); skipped holdout run quick-11111111$`)),
    ]);
  });

  it('a corrupt manifest.json of another run, a JSON array as results, a FIFO as manifest', async () => {
    await writeFile(holdout('quick-22222222', 'manifest.json'), '\u0000\u0001garbage');
    let h = await selectRun(runs, 'holdout');
    expect(h.run?.runId).toBe('quick-11111111');
    expect(h.warnings).toEqual([expect.stringContaining(`${holdout('quick-22222222', 'manifest.json')} is not valid JSON`)]);

    await writeFile(holdout('quick-11111111', 'results.json'), '[1, 2, 3]');
    await rm(holdout('quick-22222222', 'manifest.json'));
    expect(spawnSync('mkfifo', [holdout('quick-22222222', 'manifest.json')]).status).toBe(0);
    h = await selectRun(runs, 'holdout');
    expect(h.run?.runId).toBe('quick-00000000');
    expect(h.warnings).toEqual([
      `Report input is not a regular file: ${holdout('quick-22222222', 'manifest.json')} (it is a named pipe (FIFO)); skipped holdout run quick-22222222`,
      `${holdout('quick-11111111', 'results.json')} is not a results object; skipped holdout run quick-11111111`,
    ]);
  });

  it('a corrupt latest.json, or a corrupt run it names: the newest complete run instead', async () => {
    await writeFile(join(runs, 'tune', 'latest.json'), '{"runId": ');
    const t = await selectRun(runs, 'tune');
    expect(t.run).toMatchObject({ runId: 'quick-0a1b2c3d', selectedBy: 'newest complete' });
    expect(t.warnings).toEqual([expect.stringMatching(/tune\/latest.json is not valid JSON \(.+\); using the newest complete tune run instead$/)]);

    // holdout: latest.json names the newest run, whose manifest is corrupt
    await writeFile(join(runs, 'holdout', 'latest.json'), JSON.stringify({ runId: 'quick-11111111' }));
    await writeFile(holdout('quick-11111111', 'manifest.json'), '{');
    const h = await selectRun(runs, 'holdout');
    expect(h.run).toMatchObject({ runId: 'quick-00000000', selectedBy: 'newest complete' });
    expect(h.warnings).toEqual([expect.stringMatching(/quick-11111111\/manifest.json is not valid JSON \(.+\); skipped holdout run quick-11111111 \(named by latest.json\)$/)]);
  });

  it('metrics.jsonl: a torn last line is a warning, garbage before it skips the run', async () => {
    const metrics = join(runs, 'kfold', 'quick-33333333', 'metrics.jsonl');
    const line = JSON.stringify({ scope: 'fold', id: '1', epoch: 1, loss: 1, accuracy: 0.5 });
    await writeFile(metrics, `${line}\n{"scope":"fo`);
    let k = await selectRun(runs, 'kfold');
    expect(k.run?.metrics).toHaveLength(1);
    expect(k.warnings).toEqual([`${metrics}: ignoring a truncated last line (an interrupted write)`]);

    await writeFile(metrics, `${line}\nnot json\n${line}\n`);
    k = await selectRun(runs, 'kfold');
    expect(k.run).toBeUndefined();
    expect(k.problem).toBe(`no usable kfold run in ${join(runs, 'kfold')}: quick-33333333 skipped as malformed (see the warnings)`);
    expect(k.warnings).toEqual([`${metrics} line 2 is not valid JSON; skipped kfold run quick-33333333 (named by latest.json)`]);
  });
});

describe('generateReport with a malformed run', () => {
  it('writes the report from the other runs and returns the warnings', async () => {
    await writeFile(holdout('quick-11111111', 'results.json'), '{');
    await writeFile(join(runs, 'kfold', 'quick-33333333', 'manifest.json'), '');
    await mkdir(join(runs, 'transfer', 'quick-55555555'));
    await appendFile(join(runs, 'transfer', 'quick-55555555', 'manifest.json'), '{"status":"complete"');
    const r = await generateReport({ dataDir: join(root, 'no-data'), runsDir: runs, outDir: join(root, 'out') });
    expect(r.warnings).toEqual([
      expect.stringMatching(/^.*holdout\/quick-11111111\/results.json is not valid JSON \(.+\); skipped holdout run quick-11111111$/),
      expect.stringMatching(/^.*kfold\/quick-33333333\/manifest.json is not valid JSON \(.+\); skipped kfold run quick-33333333 \(named by latest.json\)$/),
      expect.stringMatching(/^.*transfer\/quick-55555555\/manifest.json is not valid JSON \(.+\); skipped transfer run quick-55555555$/),
    ]);
    const md = await readFile(r.markdownPath, 'utf8');
    expect(md).toContain('quick-00000000');
    expect(r.missing).toContain(`kfold: no usable kfold run in ${join(runs, 'kfold')}: quick-33333333 skipped as malformed (see the warnings)`);
  });
});
