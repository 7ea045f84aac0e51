// `fmnist speedrun` end to end on the real dataset with the smoke profile: one JSON object on
// stdout, progress on stderr, bad options refused as usage errors before any training.
import { afterAll, describe, expect, it } from 'vitest';
import { DATASET, removeTempDirs, runCli, tempDir } from './helpers';

afterAll(removeTempDirs);

describe('speedrun', () => {
  it('--json prints exactly one object: the median seconds per target (null if never reached), seeds, threads', async () => {
    const cwd = tempDir();
    const r = await runCli(['speedrun', '--profile', 'smoke', '--data', DATASET, '--seeds', '2', '--targets', '0.3', '0.99', '--max-epochs', '2', '--json'], { cwd });
    expect(r.stderr).toMatch(/seed \d+ epoch 1\/2: test_acc/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out.secondsTo)).toEqual(['0.3', '0.99']);
    expect(out.secondsTo['0.3']).toBeGreaterThan(0);
    expect(out.secondsTo['0.99']).toBeNull();
    expect(out.seeds).toBe(2);
    expect(out.threads).toBeGreaterThanOrEqual(1);
    expect(typeof out.backend).toBe('string');
    expect(out.runs).toHaveLength(2);
    expect(out.runs[0].seed).not.toBe(out.runs[1].seed);
  });

  it('prints the medians for humans without --json', async () => {
    const r = await runCli(['speedrun', '--profile', 'smoke', '--data', DATASET, '--targets', '0.99', '--max-epochs', '1'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^speedrun: median over 1 seed: 99\.00%: not reached\n {2}backend \w+, \d+ threads?, 1000 train \/ 200 test images, at most 1 epochs\n {2}seed \d+: 99\.00% not reached; best \d+\.\d+% after 1 epochs\n$/);
  });

  it.each([
    [['--seeds', '0'], /Invalid value for --seeds: 0; expected a whole number from 1 to 100/],
    [['--targets', '1.5'], /invalid setting speedrun\.targets\.0 = 1\.5 \(from flag --targets\): expected a finite number > 0 and ≤ 1/],
    [['--targets', 'high'], /invalid setting speedrun\.targets\.0 = not a number \(from flag --targets\)/],
    [['--max-epochs', '0'], /invalid setting speedrun\.params\.epochs = 0 \(from flag --max-epochs\)/],
    [['--profile', 'fast'], /^error: Invalid value for --profile: "fast" \(choose from "smoke", "quick", "full"\)$/m],
  ])('%j is a usage error (exit 2) before any training', async (args, message) => {
    const cwd = tempDir();
    const r = await runCli(['speedrun', '--data', DATASET, ...args], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
