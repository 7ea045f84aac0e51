// --threads: one model trained over several threads (data-parallel steps in worker threads of the
// bundle) gives the same results as one thread, and a thread that dies mid-step stops the unit
// with an error naming it; re-running resumes from the last epoch checkpoint to the same results.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, runCli, tempDir } from './helpers';

afterAll(removeTempDirs);

const HOLDOUT = ['holdout', '--profile', 'quick', '--no-tune', '--train-size', '600', '--test-size', '300', '--epochs', '2', '--json'];
type Score = { accuracy: number; loss: number };
const scores = (stdout: string) => {
  const r = (JSON.parse(stdout) as { results: Record<'train' | 'validation' | 'test', Score> }).results;
  return { train: r.train, validation: r.validation, test: r.test };
};

describe('fmnist holdout --threads', () => {
  it('reports the same accuracy and loss with 1 and 2 threads; a dying thread is an error, the re-run resumes to the same numbers', async () => {
    const cwd = tempDir();
    const one = await runCli([...HOLDOUT, '--threads', '1', '--runs-dir', 'one'], { cwd });
    expect(one.code, one.stderr).toBe(0);
    const data = join(cwd, 'one', 'data');
    const two = await runCli([...HOLDOUT, '--threads', '2', '--runs-dir', 'two', '--data', data], { cwd });
    expect(two.code, two.stderr).toBe(0);
    expect(scores(two.stdout)).toEqual(scores(one.stdout));

    // 600 * 0.8 training rows in batches of 128: 4 steps per epoch; step 5 is in epoch 2
    const dies = await runCli([...HOLDOUT, '--threads', '2', '--runs-dir', 'dies', '--data', data], { cwd, env: { FMNIST_TEST_THREAD_EXIT_AT_STEP: '5' } });
    expect(dies.code).toBe(1);
    expect(dies.stderr).toMatch(/^error: Training thread 2 of 2 of unit final exited \(code 3\) during step 6; training stopped, the last epoch checkpoint is kept\.$/m);
    const again = await runCli([...HOLDOUT, '--threads', '1', '--runs-dir', 'dies', '--data', data], { cwd });
    expect(again.code, again.stderr).toBe(0);
    // resumed: epoch 1 comes from the checkpoint, only epoch 2 is trained
    expect(again.stderr).toMatch(/holdout epoch 2\/2 loss/);
    expect(again.stderr).not.toMatch(/holdout epoch 1\/2 loss/);
    expect(scores(again.stdout)).toEqual(scores(one.stdout));
  }, 240_000);
});
