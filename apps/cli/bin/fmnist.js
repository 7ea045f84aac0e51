#!/usr/bin/env node
// `fmnist` / `npx fmnist`: runs the esbuild bundle built by `npm ci` (prepare) or `nx run cli:build`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'fmnist.mjs');
if (!existsSync(bundle)) {
  process.stderr.write(
    `error: the fmnist CLI is not built (${bundle} is missing).\n` +
      'Build it with `npm run prepare` or `npx nx run cli:build` in the repository, then run the command again.\n',
  );
  process.exit(1);
}
// With --verbose or DEBUG=fmnist, stack traces point into the TypeScript sources (the bundle
// ships source maps); this must be switched on before the bundle loads.
if (process.argv.includes('--verbose') || /(^|,)\s*(fmnist|\*)\s*(,|$)/.test(process.env.DEBUG ?? '')) process.setSourceMapsEnabled(true);
await import(pathToFileURL(bundle).href);
