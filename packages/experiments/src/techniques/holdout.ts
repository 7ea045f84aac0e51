import { withContext, type Context, type ExperimentOptions } from './context';
import { deriveSeed } from '../util/rng';
import { openRun, type Run } from '../rundir/run-dir';
import { createEta, formatEpochLine, lineOptions } from '../rundir/progress';
import { estimatedRows, startLine, threadsLine } from '../scheduling/core-pool';
import { hasCallbacks, type Settings } from '../settings/profiles';
import { holdoutSplit, tuneWith, type TuneResult } from './tune';
import type { TrainTask } from './train-task';
import type { EpochMetricsLike, EvaluationLike, Score, TrainParams } from '../types';

export interface HoldoutResult {
  technique: 'holdout';
  params: TrainParams;
  tuning: TuneResult | null;
  history: EpochMetricsLike[];
  /** the learning-rate schedule / early stopping used (empty: plain `params.epochs`) */
  callbacks: Settings['callbacks'];
  stoppedEarly: boolean;
  train: Score;
  validation: Score;
  test: EvaluationLike;
  backend: Context['backend'];
  durationSeconds: number;
  imagesPerSecond: number;
  runId: string;
  runDir: string;
}

/**
 * Technique 1: tune (or reuse the matching completed tune run), then train the best
 * configuration on the training split and report train / validation / test.
 */
export async function runHoldout(o: ExperimentOptions = {}): Promise<HoldoutResult> {
  return withContext(o, holdoutWith);
}

async function holdoutWith(c: Context): Promise<HoldoutResult> {
  // the tuning's last trial leaves its core to the final model, not to a fold of the same study
  // that is waiting (the final model once waited 41 min for a core, then trained on one)
  const seat = c.settings.holdout.tune ? c.pool.reserve('final') : null;
  try {
    return await tunedHoldout(c);
  } finally {
    seat?.release();
  }
}

async function tunedHoldout(c: Context): Promise<HoldoutResult> {
  const o = c.o;
  const s = c.settings;
  const tuning = s.holdout.tune ? await tuneWith(c) : null;
  const best = tuning?.best ?? s.params;
  const params: TrainParams = { ...best, epochs: s.holdout.epochs ?? best.epochs, batchSize: s.holdout.batchSize ?? best.batchSize };
  const cfg = {
    technique: 'holdout',
    data: { inputKey: c.data.inputKey, trainSubset: s.data.trainSubset, testSubset: s.data.testSubset },
    validationFraction: s.validationFraction,
    params,
    ...(hasCallbacks(s.callbacks) ? { callbacks: s.callbacks } : {}),
    tuneRunId: tuning?.runId ?? null,
    seed: c.seed,
  };
  const run = await openRun({ runsDir: c.runsDir, technique: 'holdout', profile: c.profile, config: cfg, seed: c.seed, backend: c.backend, data: { dir: c.data.dir, inputKey: c.data.inputKey }, log: o.log });
  if (run.completedResults) {
    o.log?.(`holdout: ${run.runId} is already complete (${run.dir})`);
    return run.completedResults as HoldoutResult;
  }
  try {
    return await holdoutIn(c, run, params, tuning);
  } catch (e) {
    await run.fail(e, o.signal?.aborted ? 'interrupted' : 'failed');
    throw e;
  }
}

async function holdoutIn(c: Context, run: Run, params: TrainParams, tuning: TuneResult | null): Promise<HoldoutResult> {
  const t0 = Date.now();
  const s = c.settings;
  await run.log(`holdout ${run.runId}: ${JSON.stringify(params)}${tuning ? ` (best of tune ${tuning.runId})` : ''} backend ${c.backend.name}`);
  const task: TrainTask = {
    id: 'final',
    source: c.data,
    data: { trainSubset: s.data.trainSubset, testSubset: s.data.testSubset, seed: deriveSeed(c.seed, 'subset') },
    split: holdoutSplit(c),
    params,
    callbacks: s.callbacks,
    seed: deriveSeed(c.seed, 'holdout'),
    checkpointDir: run.path('checkpoint'),
    resultFile: run.path('final-result.json'),
    modelDir: run.path('model'),
    evalTrain: true,
    evalTest: true,
    dropCheckpoint: true,
    ...(c.threads ? { threads: c.threads } : {}),
  };
  const exec = c.executor();
  const eta = createEta(params.epochs);
  const r = await exec
    .run(task, {
      signal: c.o.signal,
      unit: { kind: 'final', label: 'holdout', rows: estimatedRows(s.data.trainSubset, 1 - s.validationFraction), epochs: params.epochs },
      onStart: (threads) => {
        eta.started();
        void run.log(startLine('holdout', threads));
      },
      onThreads: (threads) => void run.log(threadsLine('holdout', threads)),
      onProgress: (p) => c.o.onProgress?.({ ...p, label: `holdout ${p.label ?? ''}`.trim() }),
      onEpoch: (m) => {
        const etaSeconds = eta.epochDone('holdout', m.epoch);
        void run.metric({ ...m, scope: 'final', id: 'final' });
        void run.log(formatEpochLine({ unit: 'holdout', epochs: params.epochs, metrics: m, etaSeconds, ...lineOptions(s.callbacks, params) }));
        c.o.onEpoch?.({ technique: 'holdout', scope: 'final', id: 'final', unit: 'holdout', epochs: params.epochs, metrics: m, etaSeconds });
      },
    })
    .finally(() => exec.close());
  if (!r) throw Object.assign(new Error('holdout interrupted; re-run the same command to resume'), { name: 'AbortError' });
  await Promise.all(r.history.map((m) => run.metric({ ...m, scope: 'final', id: 'final' })));
  const result: HoldoutResult = {
    technique: 'holdout',
    params,
    tuning,
    history: r.history,
    callbacks: s.callbacks,
    stoppedEarly: r.stoppedEarly ?? false,
    train: r.train!,
    validation: r.validation,
    test: r.test!,
    backend: c.backend,
    durationSeconds: (Date.now() - t0) / 1000,
    imagesPerSecond: r.imagesPerSecond,
    runId: run.runId,
    runDir: run.dir,
  };
  if (r.stoppedEarly) await run.log(`holdout stopped early after ${r.history.length} of ${params.epochs} epochs (validation loss stopped improving)`);
  await run.log(`holdout done: train_acc ${r.train!.accuracy.toFixed(4)} val_acc ${r.validation.accuracy.toFixed(4)} test_acc ${r.test!.accuracy.toFixed(4)}`);
  await run.complete(result);
  return result;
}
