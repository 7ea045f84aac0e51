// onnxruntime-node, loaded lazily and at most once per process: a native module that is optional
// (it may be absent, or fail to load on a platform without its binaries), so every caller keeps
// another path to fall back to. Shared by @fmnist/models (VGG features, predictions) and
// @fmnist/data (the correlation), which type the module themselves: core does not depend on it.
import { readFileSync } from 'node:fs';

/** What is checked here of the module; callers cast `ort` to their view of its API. */
export interface OnnxRuntimeLike {
  InferenceSession: unknown;
  env?: { versions?: { node?: string } };
}
export type OnnxRuntimeLoad = { ok: true; ort: OnnxRuntimeLike; version: string } | { ok: false; why: string };

const ORT_PACKAGE = 'onnxruntime-node';
let loading: Promise<OnnxRuntimeLoad> | undefined;

/**
 * onnxruntime-node when it loads, else why not (one line). FMNIST_ONNXRUNTIME=0 in `env` turns it
 * off (the caller's other path runs).
 */
export async function loadOnnxRuntime(env: Record<string, string | undefined> = process.env): Promise<OnnxRuntimeLoad> {
  if (env.FMNIST_ONNXRUNTIME?.trim() === '0') return { ok: false, why: 'onnxruntime-node turned off (FMNIST_ONNXRUNTIME=0)' };
  loading ??= (async (): Promise<OnnxRuntimeLoad> => {
    try {
      // A variable specifier keeps bundlers and tsc from requiring the optional native package.
      const spec = ORT_PACKAGE;
      const mod = (await import(spec)) as OnnxRuntimeLike & { default?: OnnxRuntimeLike };
      const ort = mod.InferenceSession ? mod : mod.default;
      if (!ort?.InferenceSession) return { ok: false, why: 'onnxruntime-node loaded without an InferenceSession' };
      return { ok: true, ort, version: ort.env?.versions?.node ?? 'unknown' };
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
      return { ok: false, why: /Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(msg) ? `onnxruntime-node is not installed (${msg})` : `onnxruntime-node failed to load (${msg})` };
    }
  })();
  return loading;
}

/**
 * Whether the CPU has the int8 dot-product instructions (VNNI, x86-64) with which onnxruntime's
 * MLAS sums uint8 x int8 products exactly; without them it multiplies with VPMADDUBSW, whose
 * 16-bit pair sums saturate unless the weights keep to 7 bits.
 */
export function cpuHasVnni(cpuinfo?: string): boolean {
  if (cpuinfo === undefined) {
    if (process.arch !== 'x64') return false;
    try {
      cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return false;
    }
  }
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1].split(/\s+/) ?? [];
  return flags.includes('avx512_vnni') || flags.includes('avx_vnni');
}
