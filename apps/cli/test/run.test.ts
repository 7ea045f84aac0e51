// `fmnist run`, the main job, on a small subset of real images: data preparation, the three
// techniques, the report, its path on stdout; a second run finds its finished runs again.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRealSplit, removeTempDirs, runCli, tempDir, writeKaggleCsv } from './helpers';

afterAll(removeTempDirs);

let cwd: string;
// No VGG weights named, none in the (absent) user cache, and `--set transfer.download=false` below:
// both variants are skipped, saying how to provide weights. (Weights named but missing would fail.)
const ENV = { FMNIST_VGG16_WEIGHTS: undefined, FMNIST_VGG19_WEIGHTS: undefined, XDG_CACHE_HOME: '/nonexistent/cache' };

/**
 * Every Node process the run starts records itself (pid, parent, arguments) through a preloaded
 * script, so the test sees which processes really ran.
 */
function recordProcesses(dir: string): { env: Record<string, string>; read(): { pid: number; ppid: number; argv: string[] }[] } {
  const script = join(dir, 'record-process.cjs');
  const log = join(dir, 'processes.jsonl');
  writeFileSync(
    script,
    `const { isMainThread } = require('node:worker_threads');
if (isMainThread) require('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify({ pid: process.pid, ppid: process.ppid, argv: process.argv.slice(1) }) + '\\n');
`,
  );
  writeFileSync(log, '');
  return {
    env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${script}`.trim() },
    read: () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)),
  };
}

beforeAll(() => {
  cwd = tempDir();
  // Kaggle CSVs in a data dir: `run` finds them with --data-dir and prepares them itself.
  writeKaggleCsv(join(cwd, 'fashion-mnist_train.csv'), readRealSplit('train', 600));
  writeKaggleCsv(join(cwd, 'fashion-mnist_test.csv'), readRealSplit('t10k', 200));
});

describe('run', () => {
  it('prepares the data, runs holdout, k-fold and transfer, writes the report and prints its path', async () => {
    // the smoke profile: every step of the study on these few hundred images, 1 epoch, 2 folds
    const args = ['run', '--data-dir', '.', '--profile', 'smoke', '--set', 'transfer.download=false'];
    const processes = recordProcesses(tempDir());
    const r = await runCli(args, { cwd, env: { ...ENV, ...processes.env }, timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    // The data is prepared in the CLI's own process: every other process is a training worker.
    const started = processes.read();
    const cli = started.find((p) => p.argv[1] === 'run');
    expect(cli, JSON.stringify(started)).toBeDefined();
    expect(started.filter((p) => p.pid !== cli!.pid && !p.argv.includes('__worker'))).toEqual([]);
    expect(r.stderr).toContain('preparing data from');
    // One TensorFlow.js in the process that prepares (danfojs) and trains: no kernel or backend registered twice.
    expect(r.stderr).not.toMatch(/already (been )?registered|has already been set/i);
    // no Node process warning (e.g. a MaxListenersExceededWarning from units listening to one signal)
    expect(r.stderr).not.toMatch(/^\(node:\d+\) \w*Warning/m);
    const html = join(cwd, 'runs', 'report', 'report.html');
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`report: ${html}`);
    expect(r.stdout).toMatch(/^holdout +test accuracy \d+\.\d\d% \(original 89\.58%\)$/m);
    expect(r.stdout).toMatch(/^kfold +validation \d+\.\d\d% ± \d+\.\d\d%/m);
    expect(r.stdout).toMatch(/^transfer +vgg16 skipped, vgg19 skipped/m);
    expect(existsSync(html)).toBe(true);
    expect(existsSync(join(cwd, 'runs', 'data', 'train.arrow'))).toBe(true);
    for (const t of ['holdout', 'kfold', 'transfer']) {
      const { runId } = JSON.parse(readFileSync(join(cwd, 'runs', t, 'latest.json'), 'utf8'));
      expect(existsSync(join(cwd, 'runs', t, runId, 'results.json')), t).toBe(true);
    }
    // the techniques ran at once on one pool; each unit's start (with its threads) is in its run's log
    expect(r.stderr).toMatch(/^== holdout, kfold, transfer: at once, their units sharing \d+ cores?$/m);
    const kfoldLog = readFileSync(join(cwd, 'runs', 'kfold', JSON.parse(readFileSync(join(cwd, 'runs', 'kfold', 'latest.json'), 'utf8')).runId, 'log.txt'), 'utf8');
    expect(kfoldLog).toMatch(/fold 2\/2: started on \d+ threads?\n/);
    expect(r.stderr).toMatch(/^holdout: started on \d+ threads?$/m);
    // the skipped variants say how to provide the weights
    expect(r.stderr).toContain('FMNIST_VGG16_WEIGHTS');

    // The same command again resumes: every technique is already complete.
    const again = await runCli([...args, '--json', '--quiet'], { cwd, env: ENV });
    expect(again.code, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout);
    expect(out.report.html).toBe(html);
    expect(out.runs.map((x: { technique: string }) => x.technique)).toEqual(['holdout', 'kfold', 'transfer']);
    const holdout = out.runs[0];
    expect(holdout.results.test.accuracy).toBeGreaterThan(0.1);
  });
});
