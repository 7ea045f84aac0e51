// onnxruntime-node, loaded lazily: a native module that is optional (it may be absent, or fail to
// load on a platform without its binaries), so every caller has the tfjs path to fall back to.
// The session runs on every core (intraOpNumThreads) unless told otherwise.
import type * as Ort from 'onnxruntime-node';
import { cpus } from 'node:os';

export type OrtModule = typeof Ort;
export type OrtLoad = { ok: true; ort: OrtModule; version: string } | { ok: false; why: string };

const ORT_PACKAGE = 'onnxruntime-node';
let loading: Promise<OrtLoad> | undefined;

/**
 * onnxruntime-node when it loads, else why not (one line). FMNIST_ONNXRUNTIME=0 in `env` turns it
 * off (the tfjs path runs). The module is imported once per process.
 */
export async function loadOnnxRuntime(env: Record<string, string | undefined> = process.env): Promise<OrtLoad> {
  if (env.FMNIST_ONNXRUNTIME?.trim() === '0') return { ok: false, why: 'onnxruntime-node turned off (FMNIST_ONNXRUNTIME=0)' };
  loading ??= (async (): Promise<OrtLoad> => {
    try {
      // A variable specifier keeps bundlers and tsc from requiring the optional native package.
      const spec = ORT_PACKAGE;
      const mod = (await import(spec)) as OrtModule & { default?: OrtModule };
      const ort = (mod.InferenceSession ? mod : mod.default) as OrtModule;
      if (!ort?.InferenceSession) return { ok: false, why: 'onnxruntime-node loaded without an InferenceSession' };
      return { ok: true, ort, version: ort.env?.versions?.node ?? 'unknown' };
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
      return { ok: false, why: /Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(msg) ? `onnxruntime-node is not installed (${msg})` : `onnxruntime-node failed to load (${msg})` };
    }
  })();
  return loading;
}

/** A loaded ONNX model: run a float32 batch [n, ...inputShape] and get the output's values. */
export interface OrtRunner {
  threads: number;
  run(input: Float32Array, dims: number[]): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Creates a CPU session for a serialized ModelProto with input "input" and output "output". */
export async function createOrtRunner(ort: OrtModule, model: Uint8Array, o: { threads?: number } = {}): Promise<OrtRunner> {
  const threads = Math.max(1, o.threads ?? cpus().length);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  return {
    threads,
    async run(input, dims) {
      const feeds = { input: new ort.Tensor('float32', input, dims) };
      const result = await session.run(feeds);
      const out = result.output;
      const data = out.data as Float32Array;
      // Copy out of the result (ORT may reuse or free its buffer), then free the tensors.
      const copy = new Float32Array(data);
      out.dispose?.();
      return copy;
    },
    release: () => session.release(),
  };
}
