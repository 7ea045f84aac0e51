import { withContext, type Context, type ExperimentOptions } from './context';
import { createDataCache, subset } from '../data/dataset';
import { hasCallbacks, type Settings } from '../settings/profiles';
import { openRun, type Run } from '../rundir/run-dir';
import { scoreProbabilities } from '../engine';
import { createEta, formatEpochLine, lineOptions } from '../rundir/progress';
import { estimatedRows, startLine, threadsLine } from '../scheduling/core-pool';
import { deriveSeed } from '../util/rng';
import { meanStd, type MeanStd } from '../util/stats';
import { readFloat32, type TaskResult, type TrainTask } from './train-task';
import type { EpochMetricsLike, EvaluationLike, Score, TrainParams } from '../types';

export interface KFoldResult {
  technique: 'kfold';
  k: number;
  params: TrainParams;
  /** the learning-rate schedule / early stopping used (empty: plain `params.epochs`) */
  callbacks: Settings['callbacks'];
  folds: { fold: number; history: EpochMetricsLike[]; stoppedEarly: boolean; train: Score; validation: Score; test: Score }[];
  summary: { trainAccuracy: MeanStd; validationAccuracy: MeanStd; validationLoss: MeanStd; testAccuracy: MeanStd };
  ensemble: { test: EvaluationLike };
  backend: Context['backend'];
  durationSeconds: number;
  imagesPerSecond: number;
  data: { trainRows: number; testRows: number };
  runId: string;
  runDir: string;
}

export function kfoldConfig(c: Context) {
  const s = c.settings;
  const params: TrainParams = { ...s.params, ...s.kfold.params };
  const trainSubset = s.kfold.subset ?? s.data.trainSubset;
  return {
    technique: 'kfold',
    data: { inputKey: c.data.inputKey, trainSubset, testSubset: s.data.testSubset },
    k: s.kfold.k,
    params,
    ...(hasCallbacks(s.callbacks) ? { callbacks: s.callbacks } : {}),
    seed: c.seed,
  };
}

/** Technique 2: stratified k-fold CV, each fold also scored on the test set, plus the fold ensemble. */
export async function runKFold(o: ExperimentOptions = {}): Promise<KFoldResult> {
  return withContext(o, kfoldWith);
}

async function kfoldWith(c: Context): Promise<KFoldResult> {
  const o = c.o;
  const cfg = kfoldConfig(c);
  const run = await openRun({ runsDir: c.runsDir, technique: 'kfold', profile: c.profile, config: cfg, seed: c.seed, backend: c.backend, data: { dir: c.data.dir, inputKey: c.data.inputKey }, log: o.log });
  if (run.completedResults) {
    o.log?.(`kfold: ${run.runId} is already complete (${run.dir})`);
    return run.completedResults as KFoldResult;
  }
  try {
    return await kfoldIn(c, run, cfg);
  } catch (e) {
    await run.fail(e, o.signal?.aborted ? 'interrupted' : 'failed');
    throw e;
  }
}

async function kfoldIn(c: Context, run: Run, cfg: ReturnType<typeof kfoldConfig>): Promise<KFoldResult> {
  const { k, params } = cfg;
  const t0 = Date.now();
  await run.log(`kfold ${run.runId}: k=${k} ${JSON.stringify(params)} backend ${c.backend.name} data ${c.data.dir} on ${c.concurrency} core${c.concurrency === 1 ? '' : 's'}`);
  const dataSpec = { trainSubset: cfg.data.trainSubset, testSubset: cfg.data.testSubset, seed: deriveSeed(c.seed, 'subset') };
  const tasks: TrainTask[] = Array.from({ length: k }, (_, i) => ({
    id: `fold-${i + 1}`,
    source: c.data,
    data: dataSpec,
    split: { kind: 'kfold', k, fold: i, seed: deriveSeed(c.seed, 'kfold') },
    params,
    callbacks: c.settings.callbacks,
    seed: deriveSeed(c.seed, 'fold', i),
    checkpointDir: run.path(`fold-${i + 1}`, 'checkpoint'),
    resultFile: run.path(`fold-${i + 1}`, 'result.json'),
    modelDir: run.path(`fold-${i + 1}`, 'model'),
    testProbabilitiesFile: run.path(`fold-${i + 1}`, 'test-probabilities.bin'),
    evalTrain: true,
    evalTest: true,
    dropCheckpoint: true,
    ...(c.threads ? { threads: c.threads } : {}),
  }));
  const exec = c.executor();
  const rows = estimatedRows(cfg.data.trainSubset, (k - 1) / k);
  const eta = createEta(k * params.epochs);
  let results: (TaskResult | null)[];
  try {
    results = await Promise.all(
      tasks.map((t, i) => {
        const unit = `fold ${i + 1}/${k}`;
        return exec.run(t, {
          signal: c.o.signal,
          unit: { kind: 'fold', label: unit, rows, epochs: params.epochs },
          onStart: (threads) => {
            eta.started();
            void run.log(startLine(unit, threads));
          },
          onThreads: (threads) => void run.log(threadsLine(unit, threads)),
          onProgress: (p) => c.o.onProgress?.({ ...p, label: `${unit} ${p.label ?? ''}`.trim() }),
          onEpoch: (m) => {
            const etaSeconds = eta.epochDone(unit, m.epoch);
            void run.metric({ ...m, scope: 'fold', id: String(i + 1) });
            void run.log(formatEpochLine({ unit, epochs: params.epochs, metrics: m, etaSeconds, ...lineOptions(c.settings.callbacks, params) }));
            c.o.onEpoch?.({ technique: 'kfold', scope: 'fold', id: String(i + 1), unit, epochs: params.epochs, metrics: m, etaSeconds });
          },
        }).then(async (r) => {
          if (r) eta.unitFinished(unit, r.history.length, params.epochs);
          if (r) await run.log(`${unit} done after ${r.history.length} epochs${r.stoppedEarly ? ' (stopped early)' : ''}: val_acc ${r.validation.accuracy.toFixed(4)} test_acc ${r.test!.accuracy.toFixed(4)}${r.resumedFromEpoch ? ` (resumed from epoch ${r.resumedFromEpoch})` : ''}`);
          return r;
        });
      }),
    );
  } finally {
    await exec.close();
  }
  if (results.some((r) => r === null)) throw Object.assign(new Error('kfold interrupted; re-run the same command to resume'), { name: 'AbortError' });
  const done = results as TaskResult[];
  await Promise.all(done.flatMap((r) => r.history.map((m) => run.metric({ ...m, scope: 'fold', id: r.id.replace('fold-', '') }))));

  // Ensemble: the average of the folds' test probabilities.
  const probs = await Promise.all(tasks.map((t) => readFloat32(t.testProbabilitiesFile!)));
  const avg = new Float32Array(probs[0].length);
  for (const p of probs) for (let i = 0; i < p.length; i++) avg[i] += p[i] / probs.length;
  const data = await createDataCache()(c.data);
  const test = subset(data.test, dataSpec.testSubset, dataSpec.seed + 1);
  const ensemble = scoreProbabilities(avg, test.labels);
  const trainRows = subset(data.train, dataSpec.trainSubset, dataSpec.seed).n;

  const result: KFoldResult = {
    technique: 'kfold',
    k,
    params,
    callbacks: c.settings.callbacks,
    folds: done.map((r, i) => ({ fold: i + 1, history: r.history, stoppedEarly: r.stoppedEarly ?? false, train: r.train!, validation: r.validation, test: { accuracy: r.test!.accuracy, loss: r.test!.loss } })),
    summary: {
      trainAccuracy: meanStd(done.map((r) => r.train!.accuracy)),
      validationAccuracy: meanStd(done.map((r) => r.validation.accuracy)),
      validationLoss: meanStd(done.map((r) => r.validation.loss)),
      testAccuracy: meanStd(done.map((r) => r.test!.accuracy)),
    },
    ensemble: { test: ensemble },
    backend: c.backend,
    durationSeconds: (Date.now() - t0) / 1000,
    imagesPerSecond: done.reduce((a, r) => a + r.imagesPerSecond, 0) / done.length,
    data: { trainRows, testRows: test.n },
    runId: run.runId,
    runDir: run.dir,
  };
  const s = result.summary;
  await run.log(
    `kfold done: val_acc ${s.validationAccuracy.mean.toFixed(4)} ± ${s.validationAccuracy.std.toFixed(4)}, test_acc ${s.testAccuracy.mean.toFixed(4)} ± ${s.testAccuracy.std.toFixed(4)}, ensemble test_acc ${ensemble.accuracy.toFixed(4)}`,
  );
  await run.complete(result);
  return result;
}
