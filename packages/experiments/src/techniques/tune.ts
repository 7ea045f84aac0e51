import { withContext, type Context, type ExperimentOptions } from './context';
import { openRun, type Run } from '../rundir/run-dir';
import { createEta, formatEpochLine } from '../rundir/progress';
import { estimatedRows, startLine, threadsLine } from '../scheduling/core-pool';
import { deriveSeed } from '../util/rng';
import { gridConfigs, sampleConfigs, spaceSize } from '../settings/search-space';
import { gridSearch, hyperband, planHalving, successiveHalving, type RunTrials, type SearchResult, type TrialRecord } from './tuner';
import { unitData, type SplitSpec, type TrainTask } from './train-task';
import { createDataCache } from '../data/dataset';
import type { TrainParams } from '../types';

export interface TuneResult {
  technique: 'tune';
  /** contract: 'grid' | 'halving'; hyperband is successive halving in brackets (schedule says which) */
  method: 'grid' | 'halving';
  schedule: 'grid' | 'successive-halving' | 'hyperband';
  trials: Omit<TrialRecord, 'history'>[];
  best: TrainParams;
  budget: { plannedEpochs: number; spentEpochs: number; spaceSize: number; trialRows: number; validationRows: number };
  rungs: SearchResult['rungs'];
  split: SplitSpec;
  backend: Context['backend'];
  durationSeconds: number;
  runId: string;
  runDir: string;
}

export function tuneConfig(c: Context) {
  const s = c.settings;
  const t = s.tune;
  return {
    technique: 'tune',
    data: { inputKey: c.data.inputKey, trainSubset: s.data.trainSubset, testSubset: s.data.testSubset },
    validationFraction: s.validationFraction,
    base: s.params,
    tune: t.method === 'grid'
      ? { method: t.method, space: t.space, subset: t.subset, maxTrials: t.maxTrials }
      : { method: t.method, space: t.space, subset: t.subset, configs: t.configs, minEpochs: t.minEpochs, maxEpochs: t.maxEpochs, eta: t.eta },
    seed: c.seed,
  };
}

/** The holdout split the tuner (and later the holdout model) uses. */
export function holdoutSplit(c: Context, subsetRows?: number): SplitSpec {
  return { kind: 'holdout', validationFraction: c.settings.validationFraction, seed: deriveSeed(c.seed, 'holdout-split'), subset: subsetRows, subsetSeed: deriveSeed(c.seed, 'tune-subset') };
}

/** Technique 1a: hyperparameter search on the validation split, every trial in a ranked table. */
export async function runTune(o: ExperimentOptions = {}): Promise<TuneResult> {
  return withContext(o, tuneWith);
}

export async function tuneWith(c: Context): Promise<TuneResult> {
  const cfg = tuneConfig(c);
  const run = await openRun({ runsDir: c.runsDir, technique: 'tune', profile: c.profile, config: cfg, seed: c.seed, backend: c.backend, data: { dir: c.data.dir, inputKey: c.data.inputKey }, log: c.o.log });
  if (run.completedResults) {
    c.o.log?.(`tune: ${run.runId} is already complete (${run.dir})`);
    return run.completedResults as TuneResult;
  }
  try {
    return await tuneIn(c, run);
  } catch (e) {
    await run.fail(e, c.o.signal?.aborted ? 'interrupted' : 'failed');
    throw e;
  }
}

async function tuneIn(c: Context, run: Run): Promise<TuneResult> {
  const t0 = Date.now();
  const s = c.settings;
  const t = s.tune;
  const split = holdoutSplit(c, t.subset);
  const dataSpec = { trainSubset: s.data.trainSubset, testSubset: s.data.testSubset, seed: deriveSeed(c.seed, 'subset') };
  const size = spaceSize(t.space);
  const planned =
    t.method === 'grid' ? Math.min(size, t.maxTrials) * s.params.epochs : t.method === 'halving' ? planHalving(Math.min(size, t.configs), t.minEpochs, t.maxEpochs, t.eta).plannedEpochs : 0;
  await run.log(`tune ${run.runId}: ${t.method} over ${size} configs, budget ${planned || 'hyperband'} epochs, backend ${c.backend.name}`);
  const eta = createEta(planned || 1);
  const exec = c.executor();
  const trialRows = estimatedRows(t.subset ?? s.data.trainSubset, 1 - s.validationFraction);
  let trialNo = 0;
  const runTrials: RunTrials = async (batch) => {
    const out = await Promise.all(
      batch.map((req) => {
        const n = ++trialNo;
        const task: TrainTask = {
          id: req.id,
          source: c.data,
          data: dataSpec,
          split,
          params: { ...req.params, epochs: req.epochs },
          seed: req.seed,
          checkpointDir: run.path('trials', req.id, 'checkpoint'),
          resultFile: run.path('trials', req.id, `epochs-${req.epochs}.json`),
          ...(c.threads ? { threads: c.threads } : {}),
        };
        const unit = `trial ${req.id} (#${n})`;
        return exec.run(task, {
          signal: c.o.signal,
          unit: { kind: 'trial', label: `trial #${n}`, rows: trialRows, epochs: req.epochs },
          onStart: (threads) => {
            eta.started();
            void run.log(startLine(unit, threads));
          },
          onThreads: (threads) => void run.log(threadsLine(unit, threads)),
          onProgress: (p) => c.o.onProgress?.({ ...p, label: `${unit} ${p.label ?? ''}`.trim() }),
          onEpoch: (m) => {
            const etaSeconds = planned ? eta.epochDone() : undefined;
            void run.metric({ ...m, scope: 'trial', id: req.id });
            void run.log(formatEpochLine({ unit, epochs: req.epochs, metrics: m, etaSeconds }));
            c.o.onEpoch?.({ technique: 'tune', scope: 'trial', id: req.id, unit, epochs: req.epochs, metrics: m, etaSeconds });
          },
        });
      }),
    );
    if (out.some((r) => r === null)) throw Object.assign(new Error('tune interrupted; re-run the same command to resume'), { name: 'AbortError' });
    return out.map((r, i) => {
      void run.log(`trial ${batch[i].id} @${batch[i].epochs} epochs: val_acc ${r!.validation.accuracy.toFixed(4)} ${JSON.stringify(batch[i].params)}`);
      return { valAccuracy: r!.validation.accuracy, valLoss: r!.validation.loss, history: r!.history };
    });
  };
  let res: SearchResult;
  try {
    if (t.method === 'grid') {
      const base = s.params;
      const configs = size <= t.maxTrials ? gridConfigs(t.space, base) : sampleConfigs(t.space, base, t.maxTrials, deriveSeed(c.seed, 'grid-sample'));
      res = await gridSearch({ configs, seed: c.seed, runTrials });
    } else if (t.method === 'halving') {
      const configs = sampleConfigs(t.space, s.params, t.configs, deriveSeed(c.seed, 'halving-sample'));
      res = await successiveHalving({ configs, minEpochs: t.minEpochs, maxEpochs: t.maxEpochs, eta: t.eta, seed: c.seed, runTrials });
    } else {
      res = await hyperband({ space: t.space, base: s.params, minEpochs: t.minEpochs, maxEpochs: t.maxEpochs, eta: t.eta, seed: c.seed, runTrials });
    }
  } finally {
    await exec.close();
  }
  // Row counts of the tuning split, for the record.
  const d = unitData(await createDataCache()(c.data), { data: dataSpec, split });
  const rows = { train: d.train.n, validation: d.validation.n };
  const result: TuneResult = {
    technique: 'tune',
    method: res.method === 'grid' ? 'grid' : 'halving',
    schedule: res.method === 'grid' ? 'grid' : res.method === 'halving' ? 'successive-halving' : 'hyperband',
    trials: res.trials.map(({ history: _h, ...tr }) => tr),
    best: res.best,
    budget: { plannedEpochs: res.plannedEpochs, spentEpochs: res.spentEpochs, spaceSize: size, trialRows: rows.train, validationRows: rows.validation },
    rungs: res.rungs,
    split,
    backend: c.backend,
    durationSeconds: (Date.now() - t0) / 1000,
    runId: run.runId,
    runDir: run.dir,
  };
  await run.log(`tune done: best val_acc ${res.trials[0].valAccuracy.toFixed(4)} ${JSON.stringify(res.best)}`);
  await run.complete(result);
  return result;
}
