// Locates the tfjs WASM binaries at run time: an explicit directory, then FMNIST_WASM_DIR, then
// the directory of this module (an esbuild bundle ships the .wasm files beside itself), then the
// installed @tensorflow/tfjs-backend-wasm package.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WASM_BINARY = 'tfjs-backend-wasm-simd.wasm';

export interface WasmDirCandidate { dir: string; source: string }

export function wasmDirCandidates(o: { wasmDir?: string; env?: Record<string, string | undefined>; moduleUrl?: string } = {}): WasmDirCandidate[] {
  const env = o.env ?? process.env;
  const out: WasmDirCandidate[] = [];
  if (o.wasmDir) out.push({ dir: resolve(o.wasmDir), source: 'option wasmDir' });
  if (env.FMNIST_WASM_DIR) out.push({ dir: resolve(env.FMNIST_WASM_DIR), source: 'FMNIST_WASM_DIR' });
  const moduleUrl = o.moduleUrl ?? import.meta.url;
  if (moduleUrl.startsWith('file:')) {
    out.push({ dir: dirname(fileURLToPath(moduleUrl)), source: 'beside the module' });
    try {
      const req = createRequire(moduleUrl);
      const pkg = req.resolve('@tensorflow/tfjs-backend-wasm/package.json');
      out.push({ dir: join(dirname(pkg), 'dist'), source: '@tensorflow/tfjs-backend-wasm' });
    } catch {
      // Not resolvable from here (e.g. inside a bundle): the other candidates remain.
    }
  }
  return out;
}

/** The first candidate directory that holds the SIMD binary; throws naming what was tried. */
export function resolveWasmDir(o: { wasmDir?: string; env?: Record<string, string | undefined>; moduleUrl?: string } = {}): WasmDirCandidate {
  const candidates = wasmDirCandidates(o);
  // An explicit choice must be honoured or fail loudly, never silently skipped.
  const explicit = candidates.find((c) => c.source === 'option wasmDir' || c.source === 'FMNIST_WASM_DIR');
  if (explicit) {
    if (!existsSync(join(explicit.dir, WASM_BINARY))) {
      throw new Error(
        `${join(explicit.dir, WASM_BINARY)} not found (directory from ${explicit.source}). ` +
          `Point it at a directory holding the tfjs WASM binaries (node_modules/@tensorflow/tfjs-backend-wasm/dist) or unset it.`,
      );
    }
    return explicit;
  }
  const hit = candidates.find((c) => existsSync(join(c.dir, WASM_BINARY)));
  if (!hit) {
    throw new Error(
      `${WASM_BINARY} not found in ${candidates.map((c) => c.dir).join(', ') || '(no candidate)'}. ` +
        `Install @tensorflow/tfjs-backend-wasm (npm install) or set FMNIST_WASM_DIR to a directory holding the .wasm files.`,
    );
  }
  return hit;
}
