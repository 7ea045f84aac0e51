// Backend selection: tfjs-node when it loads, else the WASM backend with this project's training
// kernels, else the pure-JS cpu backend. See docs/contracts.md (`initBackend`).
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { cpus } from 'node:os';
import { FmnistError, type BackendInfo, type BackendName } from '@fmnist/core';
import { registerAllGradients } from '../gradients/register-all-gradients';
import { registerAllKernels } from '../kernels/register-all-kernels';
import { relaxedSimdAvailable } from '../kernels/fmnist-simd';
import { resolveWasmDir } from './wasm-paths';

// BackendInfo (name, why it was chosen, threads one training process uses, tfjs version) is
// recorded in run manifests, so its shape lives in @fmnist/core.
export type { BackendInfo, BackendName };
export type BackendRequest = 'auto' | BackendName;

export interface InitBackendOptions {
  /** Directory holding tfjs-backend-wasm*.wasm (else FMNIST_WASM_DIR, beside the module, node_modules). */
  wasmDir?: string;
  /** Environment to read FMNIST_BACKEND / FMNIST_WASM_DIR from (default process.env). */
  env?: Record<string, string | undefined>;
}

/** A backend that was asked for by name and cannot run here (a FmnistError; the hint on the same line). */
export class BackendUnavailableError extends FmnistError {
  override readonly hint: string;
  constructor(message: string, hint: string) {
    super(`${message} ${hint}`);
    this.name = 'BackendUnavailableError';
    this.hint = hint;
  }
}

const NAMES: readonly string[] = ['auto', 'tensorflow', 'wasm', 'cpu'];
const TFJS_NODE = '@tensorflow/tfjs-node';

let current: BackendInfo | undefined;

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
  return msg.split('\n')[0].slice(0, 200);
}

async function tryTensorflow(): Promise<{ ok: true; info: BackendInfo } | { ok: false; why: string }> {
  try {
    // A variable specifier keeps bundlers and tsc from requiring the optional native package.
    const spec = TFJS_NODE;
    const mod = (await import(spec)) as { version?: Record<string, string> };
    if (!tf.findBackend('tensorflow') && !tf.findBackendFactory('tensorflow')) {
      return { ok: false, why: 'tfjs-node loaded but registered no "tensorflow" backend (two copies of @tensorflow/tfjs-core?)' };
    }
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, why: 'tfjs-node backend failed to initialise' };
    await tf.ready();
    const version = mod.version?.['tfjs-node'] ?? tf.version_core;
    return { ok: true, info: { name: 'tensorflow', reason: `tfjs-node ${version} (native libtensorflow)`, threads: cpus().length, version } };
  } catch (e) {
    const msg = errorText(e);
    const why = /Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(msg) ? `tfjs-node not installed (${msg})` : `tfjs-node failed to load (${msg})`;
    return { ok: false, why };
  }
}

async function tryWasm(o: InitBackendOptions): Promise<{ ok: true; info: BackendInfo } | { ok: false; why: string }> {
  let where;
  try {
    where = resolveWasmDir({ wasmDir: o.wasmDir, env: o.env });
  } catch (e) {
    return { ok: false, why: errorText(e) };
  }
  try {
    if (tf.getBackend() !== 'wasm' || !tf.findBackend('wasm')) {
      setWasmPaths(where.dir.endsWith('/') ? where.dir : `${where.dir}/`);
    }
    const kernels = registerAllKernels();
    registerAllGradients();
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: `the WASM backend failed to initialise from ${where.dir}` };
    await tf.ready();
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
    const backend = tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } };
    const threads = backend.wasm.tfjs.getThreadsCount();
    return {
      ok: true,
      info: {
        name: 'wasm',
        reason: `wasm with fmnist training kernels (${kernels.join(', ')}), ${simd ? (relaxedSimdAvailable() ? 'SIMD, fused multiply-add (relaxed SIMD)' : 'SIMD') : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'} per process, binaries from ${where.source}`,
        threads,
        version: tf.version_core,
      },
    };
  } catch (e) {
    return { ok: false, why: `the WASM backend failed to load from ${where.dir} (${errorText(e)})` };
  }
}

async function useCpu(): Promise<BackendInfo> {
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', reason: 'pure-JS cpu backend (slow: about 100x slower to train than wasm)', threads: 1, version: tf.version_core };
}

/**
 * Selects and initialises the tfjs backend. 'auto' (the default, or env FMNIST_BACKEND) tries
 * tfjs-node, then wasm with the fmnist training kernels, then cpu. A backend requested by name
 * that cannot load throws a BackendUnavailableError saying how to fix it. Idempotent.
 */
export async function initBackend(requested?: BackendRequest, o: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = o.env ?? process.env;
  const fromEnv = env.FMNIST_BACKEND?.trim();
  const want = (requested ?? (fromEnv || 'auto')) as string;
  if (!NAMES.includes(want)) {
    throw new BackendUnavailableError(
      `Unknown backend "${want}"${requested ? '' : ' (from FMNIST_BACKEND)'}.`,
      'Use one of auto, tensorflow, wasm, cpu.',
    );
  }
  if (current && tf.getBackend() === current.name && (want === 'auto' || want === current.name)) return current;

  if (want === 'tensorflow') {
    const r = await tryTensorflow();
    if (!r.ok) {
      throw new BackendUnavailableError(
        `Backend "tensorflow" requested but ${r.why}.`,
        'Install it with `npm install @tensorflow/tfjs-node@4.22.0` (it downloads libtensorflow; needs Node < 23), or use --backend wasm.',
      );
    }
    current = r.info;
    return current;
  }
  if (want === 'wasm') {
    const r = await tryWasm(o);
    if (!r.ok) {
      throw new BackendUnavailableError(
        `Backend "wasm" requested but ${r.why}.`,
        'Reinstall dependencies (npm ci) so that @tensorflow/tfjs-backend-wasm/dist/*.wasm exist, or set FMNIST_WASM_DIR.',
      );
    }
    current = r.info;
    return current;
  }
  if (want === 'cpu') {
    current = await useCpu();
    current = { ...current, reason: `cpu requested; ${current.reason}` };
    return current;
  }

  const t = await tryTensorflow();
  if (t.ok) {
    current = t.info;
    return current;
  }
  const w = await tryWasm(o);
  if (w.ok) {
    current = { ...w.info, reason: `${t.why}; using ${w.info.reason}` };
    return current;
  }
  const c = await useCpu();
  current = { ...c, reason: `${t.why}; ${w.why}; using ${c.reason}` };
  return current;
}
