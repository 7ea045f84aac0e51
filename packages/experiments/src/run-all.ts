// `nx run experiments:all`: the study's steps in order: main.ts all (prepare, tune + holdout,
// k-fold, transfer), then the CLI's `report` (experiments does not import @fmnist/reporting).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const node = (script: string, a: string[]) => spawnSync(process.execPath, ['--import', 'tsx/esm', script, ...a], { stdio: 'inherit' }).status ?? 1;

// Preparing loads danfojs, whose bundled tfjs 3 would share the global engine with the training's
// tfjs 4 (duplicate kernel registrations): prepare runs in a process of its own, as `fmnist run` does.
const hasData = args.some((a) => a === '--data' || a.startsWith('--data='));
const ri = args.findIndex((a) => a === '--runs-dir' || a.startsWith('--runs-dir='));
const runsDirValue = ri < 0 ? 'runs' : args[ri].includes('=') ? args[ri].slice(args[ri].indexOf('=') + 1) : args[ri + 1];
if (!hasData) {
  const prepared = node(here('./main.ts'), ['prepare', '--runs-dir', runsDirValue]);
  if (prepared !== 0) process.exit(prepared);
}
const status = node(here('./main.ts'), ['all', ...args, ...(hasData ? [] : ['--data', join(runsDirValue, 'data')])]);
if (status !== 0) process.exit(status);

const cli = here('../../../apps/cli/src/main.ts');
if (!existsSync(cli)) {
  console.log(`report: skipped (no CLI at ${cli}); run \`fmnist report\` to write it`);
  process.exit(0);
}
process.exit(node(cli, ['report', '--runs-dir', runsDirValue]));
