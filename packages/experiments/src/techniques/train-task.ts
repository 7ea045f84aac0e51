import { readFile, rm } from 'node:fs/promises';
import { writeFloat32Atomic, writeJsonAtomic } from '../rundir/atomic';
import { readJsonFile } from '../rundir/read-json';
import { subset, take, type DataRef, type LoadedData, type RawSplit } from '../data/dataset';
import { toTrainData, type Engine, type PredictOptions, type TrainOptions } from '../engine';
import { stratifiedKFold, stratifiedSplit } from '../data/stratify';
import type { Settings } from '../settings/profiles';
import type { CnnParams, EpochMetricsLike, EvaluationLike, OnProgress, Score, TrainParams } from '../types';

/** Which rows of the (subset) training set a unit trains and validates on. */
export type SplitSpec =
  | { kind: 'holdout'; validationFraction: number; seed: number; subset?: number; subsetSeed?: number }
  | { kind: 'kfold'; k: number; fold: number; seed: number };

/** One independent unit of work (a tuning trial at some epochs, a fold, the final holdout model). */
export interface TrainTask {
  kind?: 'train';
  id: string;
  source: DataRef;
  data: { trainSubset?: number; testSubset?: number; seed: number };
  split: SplitSpec;
  params: TrainParams;
  seed: number;
  checkpointDir: string;
  /** the unit's committed result; when it exists the unit is done and never recomputed */
  resultFile: string;
  modelDir?: string;
  testProbabilitiesFile?: string;
  evalTrain?: boolean;
  evalTest?: boolean;
  /** learning-rate schedule and early stopping on the validation loss (absent: plain `epochs`) */
  callbacks?: Settings['callbacks'];
  /** delete the checkpoint once the result is committed (not for trials that continue later) */
  dropCheckpoint?: boolean;
  /** training threads (data-parallel steps, same results for any count); absent: one trainOnBatch per batch */
  threads?: number;
}

export interface TaskResult {
  id: string;
  history: EpochMetricsLike[];
  resumedFromEpoch: number;
  /** early stopping ended training before `epochs` */
  stoppedEarly?: boolean;
  train?: Score;
  validation: Score;
  test?: EvaluationLike;
  imagesPerSecond: number;
  seconds: number;
}

export interface TaskHooks {
  onEpoch?: (m: EpochMetricsLike) => void;
  onProgress?: OnProgress;
  signal?: AbortSignal;
  /**
   * Asked before each training step: the threads the scheduler gives the unit now (a core it
   * lends while nothing waits, or takes back), undefined when unchanged. The results do not
   * depend on it.
   */
  threads?: () => number | undefined;
}

export interface UnitData { train: RawSplit; validation: RawSplit; test: RawSplit }

/**
 * A unit's parameters as the network to build, the options of its training (epochs, batch and
 * the recipe, each only when set, so runs without the recipe keep their checkpoints' fingerprint),
 * and how its final scores average test-time views (flips, shifts). `training` leaves the views
 * out: a unit's per-epoch validation scores plain predictions (flip averaging there doubled its
 * cost, about 13% of a full-profile fold), and only its final validation and test scores average
 * views (its training score does not).
 */
export function splitParams(p: TrainParams): {
  cnn: CnnParams;
  training: Pick<TrainOptions, 'epochs' | 'batchSize' | 'schedule' | 'labelSmoothing' | 'augment' | 'ema'>;
  views: PredictOptions;
} {
  const { epochs, batchSize, schedule, labelSmoothing, augment, ema, tta, ttaShift, ...cnn } = p;
  return {
    cnn,
    training: {
      epochs,
      batchSize,
      ...(schedule ? { schedule } : {}),
      ...(labelSmoothing ? { labelSmoothing } : {}),
      ...(augment ? { augment } : {}),
      ...(ema ? { ema } : {}),
    },
    views: { ...(tta ? { tta } : {}), ...(ttaShift ? { ttaShift } : {}) },
  };
}

/** The rows a split spec selects, from the loaded dataset (pure function of the spec). */
export function unitData(d: LoadedData, t: Pick<TrainTask, 'data' | 'split'>): UnitData {
  const train = subset(d.train, t.data.trainSubset, t.data.seed);
  const test = subset(d.test, t.data.testSubset, t.data.seed + 1);
  const s = t.split;
  if (s.kind === 'holdout') {
    const pool = subset(train, s.subset, s.subsetSeed ?? s.seed);
    const idx = stratifiedSplit(pool.labels, s.validationFraction, s.seed);
    return { train: take(pool, idx.train), validation: take(pool, idx.validation), test };
  }
  const f = stratifiedKFold(train.labels, s.k, s.seed)[s.fold];
  return { train: take(train, f.train), validation: take(train, f.validation), test };
}

const score = (e: { accuracy: number; loss: number }): Score => ({ accuracy: e.accuracy, loss: e.loss });

/**
 * Train and score one unit, resuming its checkpoint. The result file is written last
 * (atomically): a unit killed at any moment is either done (result present) or resumes.
 */
export async function runTrainTask(
  engine: Engine,
  load: (ref: DataRef) => Promise<LoadedData>,
  t: TrainTask,
  hooks: TaskHooks = {},
): Promise<TaskResult | null> {
  const done = await readJsonFile<TaskResult>(t.resultFile, { hint: `delete ${t.resultFile} to train that unit again` });
  if (done) return done;
  const d = unitData(await load(t.source), t);
  const train = toTrainData(d.train);
  const validation = toTrainData(d.validation);
  const { cnn, training, views } = splitParams(t.params);
  const model = engine.createCnn({ ...cnn, seed: t.seed });
  try {
    const r = await engine.train(model, train, {
      ...training,
      seed: t.seed,
      validation,
      ...(t.callbacks?.reduceLrOnPlateau ? { reduceLrOnPlateau: t.callbacks.reduceLrOnPlateau } : {}),
      ...(t.callbacks?.earlyStopping ? { earlyStopping: { patience: t.callbacks.earlyStopping.patience, minDelta: t.callbacks.earlyStopping.minDelta, monitor: 'valLoss' as const } } : {}),
      checkpointDir: t.checkpointDir,
      onEpoch: hooks.onEpoch,
      onProgress: hooks.onProgress,
      signal: hooks.signal,
      ...(t.threads ? { parallel: { threads: t.threads, unit: `unit ${t.id}`, ...(hooks.threads ? { wanted: hooks.threads } : {}) } } : {}),
    });
    if (r.interrupted) return null;
    // with ema, the model now holds the averaged weights: those are scored and saved
    const val = await engine.evaluate(model, validation, views);
    const result: TaskResult = {
      id: t.id,
      history: r.history,
      resumedFromEpoch: r.resumedFromEpoch,
      stoppedEarly: r.stoppedEarly,
      validation: score(val),
      imagesPerSecond: r.history.length ? r.history.reduce((a, h) => a + h.imagesPerSecond, 0) / r.history.length : 0,
      seconds: r.history.reduce((a, h) => a + h.seconds, 0),
    };
    // the training score measures the fit, on plain predictions as the per-epoch curve (and as the
    // original's Keras evaluate): averaging 10 views of 48,000 images would add a fifth to a fold
    if (t.evalTrain) result.train = score(await engine.evaluate(model, train));
    if (t.evalTest) {
      const ev = await engine.evaluate(model, toTrainData(d.test), views);
      const { probabilities, ...rest } = ev;
      result.test = rest;
      if (t.testProbabilitiesFile) await writeFloat32Atomic(t.testProbabilitiesFile, probabilities);
    }
    if (t.modelDir) await engine.saveModel(model, t.modelDir);
    await writeJsonAtomic(t.resultFile, result);
    if (t.dropCheckpoint) await rm(t.checkpointDir, { recursive: true, force: true });
    return result;
  } finally {
    model.dispose();
  }
}

export async function readFloat32(path: string): Promise<Float32Array> {
  const b = await readFile(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
