// The Nx run targets (`nx run experiments:kfold`, `reporting:report`, …) are this CLI run from its
// TypeScript sources: each target's command, run as Nx runs it, is the CLI's command of that name.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI_ROOT } from './helpers';

const ROOT = resolve(CLI_ROOT, '..', '..');

function targetCommand(project: string, target: string): string {
  const json = JSON.parse(readFileSync(join(ROOT, 'packages', project, 'project.json'), 'utf8')) as { targets: Record<string, { command: string }> };
  return json.targets[target].command;
}

const TARGETS: [string, string, string][] = [
  ['experiments', 'tune', 'tune'],
  ['experiments', 'holdout', 'holdout'],
  ['experiments', 'kfold', 'kfold'],
  ['experiments', 'transfer', 'transfer'],
  ['experiments', 'all', 'run'],
  ['experiments', 'speedrun', 'speedrun'],
  ['reporting', 'report', 'report'],
];

describe('Nx run targets', () => {
  it.each(TARGETS)('%s:%s runs `fmnist %s`', async (project, target, command) => {
    const [node, ...args] = targetCommand(project, target).split(' ');
    expect(node).toBe('node');
    expect(args.slice(0, 3)).toEqual(['--import', 'tsx/esm', 'apps/cli/src/main.ts']);
    const { stdout } = await promisify(execFile)(process.execPath, [...args, '--help'], { cwd: ROOT });
    expect(stdout).toContain(`fmnist ${command}`);
    expect(stdout).toContain('Examples:');
  });
});
