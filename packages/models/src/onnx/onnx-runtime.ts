// onnxruntime-node (loaded once, lazily, by @fmnist/core/node; optional, so every caller has the
// tfjs path to fall back to) and its CPU sessions.
// The session runs on every core (intraOpNumThreads) unless told otherwise.
import type * as Ort from 'onnxruntime-node';
import { cpus } from 'node:os';
import { loadOnnxRuntime as loadOrt } from '@fmnist/core/node';

export type OrtModule = typeof Ort;
export type OrtLoad = { ok: true; ort: OrtModule; version: string } | { ok: false; why: string };

/** onnxruntime-node when it loads, else why not (one line); see @fmnist/core/node's loader. */
export async function loadOnnxRuntime(env: Record<string, string | undefined> = process.env): Promise<OrtLoad> {
  return (await loadOrt(env)) as OrtLoad;
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
