import { writeFloat32Atomic } from '../rundir/atomic';
import { subset, type DataRef, type LoadedData } from '../data/dataset';
import type { Engine, Model, VggVariant } from '../engine';
import type { TaskHooks } from './train-task';

/** Frozen-base features of rows [start, end) of a (subset) split, written to outFile. */
export interface FeatureTask {
  kind: 'features';
  id: string;
  source: DataRef;
  which: 'train' | 'test';
  rows: { n?: number; seed: number };
  start: number;
  end: number;
  variant: VggVariant;
  inputSize: number;
  /** int8: quantized with scales observed on the first `calibration.count` rows of the (subset) training split */
  precision?: 'float32' | 'int8';
  calibration?: { rows: { n?: number; seed: number }; count: number };
  weights?: string;
  download?: boolean;
  outFile: string;
}

export interface FeatureResult { id: string; n: number; featureDim: number }

/** Bases with weights loaded, per worker process (loading VGG weights takes seconds). */
export function createBaseCache(engine: Engine) {
  const cache = new Map<string, Promise<Model>>();
  return (t: FeatureTask) => {
    const key = JSON.stringify([t.variant, t.inputSize, t.weights ?? null]);
    let p = cache.get(key);
    if (!p) {
      p = (async () => {
        const base = engine.createVggBase(t.variant, { inputSize: t.inputSize });
        await engine.loadVggWeights(base, { path: t.weights, download: t.download });
        return base;
      })();
      cache.set(key, p);
      p.catch(() => cache.delete(key));
    }
    return p;
  };
}

export async function runFeatureTask(
  engine: Engine,
  load: (ref: DataRef) => Promise<LoadedData>,
  bases: ReturnType<typeof createBaseCache>,
  t: FeatureTask,
  hooks: TaskHooks = {},
): Promise<FeatureResult> {
  const d = await load(t.source);
  const rows = subset(t.which === 'train' ? d.train : d.test, t.rows.n, t.rows.seed);
  const n = t.end - t.start;
  const base = await bases(t);
  const calibration = t.precision === 'int8' && t.calibration ? subset(d.train, t.calibration.rows.n, t.calibration.rows.seed).images.subarray(0, t.calibration.count * 784) : undefined;
  const f = await engine.extractFeatures(base, rows.images.subarray(t.start * 784, t.end * 784), n, {
    inputSize: t.inputSize,
    ...(calibration ? { precision: 'int8' as const, calibration } : {}),
    signal: hooks.signal,
    onProgress: hooks.onProgress,
  });
  await writeFloat32Atomic(t.outFile, f);
  return { id: t.id, n, featureDim: f.length / n };
}
