// Builds the CLI bundle: apps/cli/dist/fmnist.mjs (ESM, Node 20) with every workspace package
// and pure-JS dependency inside, and the tfjs WASM binaries copied beside it. Native/optional
// modules (@tensorflow/tfjs-node, onnxruntime-node) stay external and are loaded at run time only if installed.
//
// `node apps/cli/build.mjs` (also `nx run cli:build`, and the root `prepare` script, so that
// `npm ci` leaves a working `npx fmnist`). Under `npm ci` a failure is reported as a warning and
// does not fail the install; run directly, it exits non-zero.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = join(here, 'dist');
const soft = process.env.npm_lifecycle_event === 'prepare' || process.argv.includes('--soft');
const t0 = Date.now();

/** Packages never bundled: native addons and optional platform binaries. */
export const EXTERNAL = [
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'onnxruntime-node',
  'canvas',
  'fsevents',
  'playwright-core',
  'chromium-bidi',
  'electron',
];

function fail(message) {
  if (soft) {
    console.warn(`fmnist: the CLI bundle was not built (${message}).\nfmnist: run \`npx nx run cli:build\` (or \`node apps/cli/build.mjs\`) to see the error; \`npx fmnist\` needs the bundle.`);
    process.exit(0);
  }
  console.error(`cli build failed: ${message}`);
  process.exit(1);
}

/**
 * With code splitting, esbuild gives a dynamically imported CommonJS module only a `default`
 * export, so `(await import('danfojs')).DataFrame` would be undefined. For such packages the
 * import goes through an ESM wrapper that re-exports the module's named exports (read off its
 * `exports.X =` / `Object.defineProperty(exports, "X"` assignments).
 */
const CJS_DYNAMIC_IMPORTS = ['danfojs'];
function cjsNamedExports() {
  return {
    name: 'cjs-named-exports',
    setup(build) {
      const filter = new RegExp(`^(${CJS_DYNAMIC_IMPORTS.join('|')})$`);
      build.onResolve({ filter }, async (args) => {
        if (args.pluginData?.real) return undefined;
        const real = await build.resolve(args.path, { kind: 'require-call', resolveDir: args.resolveDir, pluginData: { real: true } });
        if (real.errors.length) return { errors: real.errors };
        return { path: real.path, namespace: 'cjs-wrapper' };
      });
      build.onLoad({ filter: /.*/, namespace: 'cjs-wrapper' }, (args) => {
        const src = readFileSync(args.path, 'utf8');
        const names = new Set();
        for (const m of src.matchAll(/(?:^|[\s;])exports\.([A-Za-z_$][\w$]*)\s*=/g)) names.add(m[1]);
        for (const m of src.matchAll(/Object\.defineProperty\(exports,\s*["']([A-Za-z_$][\w$]*)["']/g)) names.add(m[1]);
        names.delete('__esModule');
        names.delete('default');
        if (names.size === 0) return { errors: [{ text: `cjs-named-exports: found no named exports in ${args.path}` }] };
        const lines = [`const m = require(${JSON.stringify(args.path)});`, 'export default m;'];
        for (const n of names) lines.push(`export const ${n} = m.${n};`);
        return { contents: lines.join('\n'), loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  fail('esbuild is not installed (dev dependencies were omitted?)');
}

const version = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).version;
const tmp = join(here, `dist.tmp-${process.pid}`);
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

try {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { fmnist: join(here, 'src', 'main.ts') },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    // Packages are imported lazily (`await import`), so splitting keeps them in chunks that
    // load only when a command needs them: `fmnist --help` does not parse TensorFlow.js.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: join(here, 'tsconfig.json'),
    external: EXTERNAL,
    mainFields: ['module', 'main'],
    conditions: ['node', 'import'],
    // Free (undeclared) uses only: modules that declare their own __dirname keep it.
    define: { FMNIST_VERSION: JSON.stringify(version), __dirname: '__fmnistDir', __filename: '__fmnistFilename' },
    // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins and
    // read __dirname (the tfjs WASM backend looks for its .wasm files there: this directory).
    banner: {
      js: [
        '#!/usr/bin/env node',
        "import { createRequire as __fmnistCreateRequire } from 'node:module';",
        "import { fileURLToPath as __fmnistFileURLToPath } from 'node:url';",
        "import { dirname as __fmnistDirname } from 'node:path';",
        'const require = __fmnistCreateRequire(import.meta.url);',
        'const __fmnistFilename = __fmnistFileURLToPath(import.meta.url);',
        'const __fmnistDir = __fmnistDirname(__fmnistFilename);',
      ].join('\n'),
    },
    plugins: [cjsNamedExports()],
    legalComments: 'linked',
    sourcemap: 'linked',
    logLevel: 'silent',
    metafile: true,
  });
  for (const w of result.warnings) {
    // Only warnings about our own sources matter; dependencies' are noise here.
    if (w.location && !w.location.file.includes('node_modules')) console.warn(`warning: ${w.location.file}:${w.location.line}: ${w.text}`);
  }
  // tfjs-backend-wasm binaries beside the bundle (found there by @fmnist/models' wasm-paths).
  const req = createRequire(join(root, 'packages', 'models', 'package.json'));
  const wasmDist = join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  const wasm = readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'));
  if (!wasm.length) throw new Error(`no .wasm files in ${wasmDist}`);
  for (const f of wasm) copyFileSync(join(wasmDist, f), join(tmp, f));
  writeFileSync(join(tmp, 'package.json'), `${JSON.stringify({ type: 'module', name: '@fmnist/cli-bundle', version, private: true }, null, 2)}\n`);
  chmodSync(join(tmp, 'fmnist.mjs'), 0o755);
  // Replace dist/ in one step so a failed build never leaves a half-written bundle.
  rmSync(dist, { recursive: true, force: true });
  renameSync(tmp, dist);
  const bytes = Object.entries(result.metafile.outputs).reduce((a, [f, o]) => a + (f.endsWith('.mjs') ? o.bytes : 0), 0);
  if (!process.argv.includes('--silent')) {
    console.log(`built ${relative(process.cwd(), join(dist, 'fmnist.mjs')) || 'fmnist.mjs'} (${(bytes / 1e6).toFixed(1)} MB of JavaScript in ${Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.mjs')).length} files) + ${wasm.length} wasm files in ${Date.now() - t0} ms`);
  }
} catch (e) {
  rmSync(tmp, { recursive: true, force: true });
  const msg = e && Array.isArray(e.errors) && e.errors.length
    ? e.errors.slice(0, 5).map((x) => `${x.location ? `${x.location.file}:${x.location.line}: ` : ''}${x.text}`).join('\n')
    : String(e?.message ?? e);
  fail(msg);
}
