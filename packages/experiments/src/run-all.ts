// `nx run experiments:all`: the study's steps in order: main.ts all (prepare, tune + holdout,
// k-fold, transfer), then the CLI's `report` (experiments does not import @fmnist/reporting).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const node = (script: string, a: string[]) => spawnSync(process.execPath, ['--import', 'tsx/esm', script, ...a], { stdio: 'inherit' }).status ?? 1;

const status = node(here('./main.ts'), ['all', ...args]);
if (status !== 0) process.exit(status);

const cli = here('../../../apps/cli/src/main.ts');
if (!existsSync(cli)) {
  console.log(`report: skipped (no CLI at ${cli}); run \`fmnist report\` to write it`);
  process.exit(0);
}
const i = args.findIndex((a) => a === '--runs-dir' || a.startsWith('--runs-dir='));
const runsDir = i < 0 ? [] : args[i].includes('=') ? [args[i]] : ['--runs-dir', args[i + 1]];
process.exit(node(cli, ['report', ...runsDir]));
