// --help, usage errors and the bundle outside the repository.
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE, CLI_ROOT, removeTempDirs, runCli, tempDir } from './helpers';

afterAll(removeTempDirs);

const COMMANDS = ['run', 'data', 'data fetch', 'data prepare', 'data info', 'tune', 'holdout', 'kfold', 'transfer', 'report', 'predict', 'bench', 'speedrun', 'worker'];

describe('help', () => {
  it('lists every command, the global options and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run', 'data', 'tune', 'holdout', 'kfold', 'transfer', 'report', 'predict', 'bench', 'speedrun', 'worker', 'completion']) {
      expect(r.stdout).toMatch(new RegExp(`fmnist ${c}\\b`));
    }
    for (const flag of ['--data-dir', '--runs-dir', '--out', '--backend', '--seed', '--profile', '--concurrency', '--json', '--quiet', '--config']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/Exit codes: 0 success; 1 failure.*2 usage error.*130 interrupted/s);
  });

  it.each(COMMANDS)('`%s --help` shows its options and examples', async (cmd) => {
    const r = await runCli([...cmd.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`fmnist ${cmd}`);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stderr).toBe('');
  });

  it('prints a shell completion script', async () => {
    const r = await runCli(['completion']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fmnist');
    expect(r.stdout).toMatch(/complete -o|compdef/);
    // what the script asks the CLI for: sub-commands and flags of the command being typed
    const sub = await runCli(['--get-yargs-completions', 'fmnist', 'data', '']);
    expect(sub.stdout.trim().split('\n')).toEqual(['fetch', 'prepare', 'info']);
    const flags = await runCli(['--get-yargs-completions', 'fmnist', 'kfold', '--']);
    expect(flags.stdout).toContain('--folds');
    expect(flags.stdout).toContain('--backend');
  });
});

describe('usage errors exit 2 with a suggestion', () => {
  it('a queue worker without a queue, or a --queue that is not a Redis URL, is a usage error', async () => {
    const w = await runCli(['worker'], { env: { FMNIST_QUEUE: undefined } });
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('fmnist worker needs --queue URL (or FMNIST_QUEUE)');
    const k = await runCli(['kfold', '--queue', 'http://user:s3cret@host:6379']);
    expect(k.code).toBe(2);
    expect(k.stderr).toMatch(/--queue http:\/\/user:\*\*\*@host:6379\/?: http is not a Redis URL/);
    expect(k.stderr).not.toContain('s3cret');
  });

  it('an unknown option suggests the closest flag', async () => {
    const r = await runCli(['kfold', '--bakend', 'wasm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown argument: bakend');
    expect(r.stderr).toContain('Did you mean --backend?');
    expect(r.stdout).toBe('');
  });

  it('a kebab-case typo is suggested once; an option of another command says so', async () => {
    const a = await runCli(['kfold', '--batch-sise', '3']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('Did you mean --batch-size?');
    const b = await runCli(['data', 'info', '--epochs', '3']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--epochs is an option of other commands, not of this one');
  });

  it('an unknown experiment setting in --set is a usage error before any work', async () => {
    const cwd = tempDir();
    const r = await runCli(['kfold', '--set', 'kfold.kk=3'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown setting kfold.kk (from --set kfold.kk=3); settings here: k, subset, params. Did you mean kfold.k?');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('an unknown command suggests the closest command', async () => {
    const r = await runCli(['kfodl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown command "kfodl". Did you mean kfold?');
  });

  it('a value outside the choices names the choices', async () => {
    const r = await runCli(['run', '--backend', 'gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Invalid value for --backend: "gpu" \(choose from "auto", "tensorflow", "wasm", "cpu"\)$/m);
  });

  it('a non-numeric or out-of-range number is rejected', async () => {
    const a = await runCli(['kfold', '--seed', 'abc']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('Invalid value for --seed: not a number');
    const b = await runCli(['kfold', '--folds', '1']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('invalid setting kfold.k = 1 (from flag --folds): expected a whole number ≥ 2');
  });

  it('a command group without its sub-command, and predict without inputs', async () => {
    const a = await runCli(['data']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('choose a sub-command of "data"');
    const b = await runCli(['predict']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/Not enough non-option arguments/);
  });
});

describe('the bundle outside the repository', () => {
  it('runs --help and reports a usage error from a copy of dist/ in a temp dir', async () => {
    const dir = tempDir();
    const dist = join(dir, 'fmnist-dist');
    cpSync(join(CLI_ROOT, 'dist'), dist, { recursive: true });
    expect(readdirSync(dist).filter((f) => f.endsWith('.wasm')).length).toBeGreaterThan(0);
    const help = await runCli(['--help'], { cwd: dir, script: join(dist, 'fmnist.mjs') });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('fmnist predict <inputs..>');
    const version = await runCli(['--version'], { cwd: dir, script: join(dist, 'fmnist.mjs') });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const bad = await runCli(['tune', '--methd', 'grid'], { cwd: dir, script: join(dist, 'fmnist.mjs') });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Did you mean --method?');
  });

  it('the bin script says how to build when the bundle is missing', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'bin'));
    cpSync(join(CLI_ROOT, 'bin', 'fmnist.js'), join(dir, 'bin', 'fmnist.js'));
    cpSync(join(CLI_ROOT, 'package.json'), join(dir, 'package.json'));
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    const r = await runCli(['--help'], { cwd: dir, script: join(dir, 'bin', 'fmnist.js') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('npm run prepare');
    expect(r.stderr).toContain('npx nx run cli:build');
    // and with the bundle in place, the bin runs it
    const ok = await runCli(['--help'], { script: join(CLI_ROOT, 'bin', 'fmnist.js') });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('fmnist run');
    expect(BUNDLE).toContain('dist');
  });
});
