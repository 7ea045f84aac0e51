// Builds apps/cli/dist/fmnist.mjs once before the end-to-end tests (the same script as
// `nx run cli:build` and `npm ci`'s prepare step).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const build = join(dirname(fileURLToPath(import.meta.url)), '..', 'build.mjs');
  execFileSync(process.execPath, [build, '--silent'], { stdio: 'inherit' });
}
