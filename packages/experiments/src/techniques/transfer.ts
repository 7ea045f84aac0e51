import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFloat32Atomic, writeJsonAtomic } from '../rundir/atomic';
import { withContext, type Context, type ExperimentOptions } from './context';
import { createDataCache, PIXELS, subset } from '../data/dataset';
import { ExperimentError } from '../errors';
import { readFeatures, readShardInto, SHARD_ROWS, type FeatureShard } from './feature-cache';
import { MAX_CALIBRATION_IMAGES } from '@fmnist/models';
import { weightsHowTo, type Model, type VggVariant } from '../engine';
import { readJsonFile } from '../rundir/read-json';
import { openRun, type Run } from '../rundir/run-dir';
import { createEta, formatEpochLine } from '../rundir/progress';
import { startLine } from '../scheduling/core-pool';
import { deriveSeed } from '../util/rng';
import { readFloat32 } from './train-task';
import type { FeatureTask } from './feature-task';
import { frozenTrunk, runFineTune, type FineTuneResult } from './fine-tune';
import { applyStandardizer, fitStandardizer } from '../data/standardize';
import type { EpochMetricsLike, EvaluationLike, Score } from '../types';

export interface TransferModelResult {
  variant: VggVariant;
  status: 'complete' | 'skipped' | 'failed';
  reason?: string;
  weights: { source: string; sha256: string } | null;
  inputSize: number;
  featureDim: number | null;
  history: EpochMetricsLike[];
  train: Score | null;
  test: EvaluationLike | null;
  /** seconds: reading the cache plus extracting, from the first extraction unit's start (not the time queued for cores before it) */
  featureCache?: { key: string; hit: boolean; seconds: number };
  /** the conv base's arithmetic for these features (absent in results written before int8 existed: float32) */
  precision?: 'float32' | 'int8';
  /** the optional extra (transfer.fineTune.enabled): last block fine-tuned with the head */
  fineTuned?: FineTuneResult | { label: string; status: 'failed'; reason: string };
}

export interface TransferResult {
  technique: 'transfer';
  models: TransferModelResult[];
  backend: Context['backend'];
  durationSeconds: number;
  data: { trainRows: number; testRows: number };
  runId: string;
  runDir: string;
}

function weightsFor(c: Context, v: VggVariant): string | null {
  const env = v === 'vgg16' ? process.env.FMNIST_VGG16_WEIGHTS : process.env.FMNIST_VGG19_WEIGHTS;
  return c.settings.transfer.weights[v] ?? env ?? null;
}

export function transferConfig(c: Context) {
  const t = c.settings.transfer;
  return {
    technique: 'transfer',
    data: { inputKey: c.data.inputKey, trainSubset: t.trainSubset ?? c.settings.data.trainSubset, testSubset: t.testSubset ?? c.settings.data.testSubset },
    variants: t.variants,
    inputSize: t.inputSize,
    // only when int8: float32 runs keep the hashes they always had
    ...(t.precision === 'int8' ? { precision: 'int8' as const } : {}),
    head: t.head,
    // Which weights were offered is part of the config: providing them later starts a new run
    // (features already cached for other variants are reused).
    weights: Object.fromEntries(t.variants.map((v) => [v, weightsFor(c, v)])),
    seed: c.seed,
  };
}

/** Technique 3: frozen VGG16/VGG19 bases, features cached on disk, a new head trained on them. */
export async function runTransfer(o: ExperimentOptions = {}): Promise<TransferResult> {
  return withContext(o, transferWith);
}

async function transferWith(c: Context): Promise<TransferResult> {
  const o = c.o;
  const cfg = transferConfig(c);
  const run = await openRun({
    runsDir: c.runsDir, technique: 'transfer', profile: c.profile, config: cfg, seed: c.seed, backend: c.backend,
    data: { dir: c.data.dir, inputKey: c.data.inputKey }, log: o.log,
    // a run that skipped a model for want of weights is retried (finished models are kept)
    isFinal: (r) => (r as TransferResult).models.every((m) => m.status === 'complete'),
  });
  if (run.completedResults) {
    o.log?.(`transfer: ${run.runId} is already complete (${run.dir})`);
    return run.completedResults as TransferResult;
  }
  try {
    return await transferIn(c, run, cfg);
  } catch (e) {
    await run.fail(e, o.signal?.aborted ? 'interrupted' : 'failed');
    throw e;
  }
}

async function transferIn(c: Context, run: Run, cfg: ReturnType<typeof transferConfig>): Promise<TransferResult> {
  const t0 = Date.now();
  const t = c.settings.transfer;
  const subsetSeed = deriveSeed(c.seed, 'transfer-subset');
  const data = await createDataCache()(c.data);
  const train = subset(data.train, cfg.data.trainSubset, subsetSeed);
  const test = subset(data.test, cfg.data.testSubset, subsetSeed + 1);
  const cacheDir = t.cacheDir ?? join(c.runsDir, 'cache', 'features');
  await run.log(`transfer ${run.runId}: ${t.variants.join(', ')} at ${t.inputSize}x${t.inputSize}, ${train.n} train / ${test.n} test images, backend ${c.backend.name}`);
  const models: TransferModelResult[] = [];
  for (const variant of t.variants) {
    if (c.o.signal?.aborted) throw Object.assign(new Error('transfer interrupted; re-run to resume'), { name: 'AbortError' });
    const done = await readJsonFile<TransferModelResult>(run.path(variant, 'result.json'), { hint: `delete ${run.path(variant, 'result.json')} to train that model again` });
    if (done) {
      models.push(done);
      continue;
    }
    const r = await oneVariant(c, run, variant, train, test, cacheDir, cfg.data, subsetSeed);
    // Skipped/failed variants are recorded in results.json only: a re-run retries them.
    if (r.status === 'complete') await writeJsonAtomic(run.path(variant, 'result.json'), r);
    models.push(r);
  }
  const result: TransferResult = {
    technique: 'transfer',
    models,
    backend: c.backend,
    durationSeconds: (Date.now() - t0) / 1000,
    data: { trainRows: train.n, testRows: test.n },
    runId: run.runId,
    runDir: run.dir,
  };
  // a model that failed (weights that exist but cannot be used) leaves the run partial, not complete
  const failed = models.filter((m) => m.status === 'failed');
  await run.complete(result, failed.length ? { partial: failed.map((m) => `${m.variant} failed: ${m.reason ?? 'unknown error'}`).join('; ') } : undefined);
  return result;
}

type Rows = { n: number; images: Uint8Array; labels: Uint8Array };

/** Training rows whose activation ranges set an int8 base's scales (the first ones of the training split): as many as extractFeatures uses. */
const CALIBRATION_ROWS = MAX_CALIBRATION_IMAGES;

/** How the base computes: int8 with its calibration rows (the same for every split and shard), or float32. */
type FeatureMath = { precision: 'float32' } | { precision: 'int8'; calibration: Uint8Array; rows: { n?: number; seed: number }; count: number };

const mathOptions = (m: FeatureMath) => (m.precision === 'int8' ? { precision: 'int8' as const, calibration: m.calibration } : {});

async function fineTuneExtra(c: Context, run: Run, variant: VggVariant, base: Model, head: Model, train: Rows, test: Rows, dir: string): Promise<TransferModelResult['fineTuned']> {
  const t = c.settings.transfer;
  const { trunk, block } = frozenTrunk(base);
  const label = `extra: ${block} fine-tuned with the head (not in the original study)`;
  // in this process: the trunk's features (all cores with onnxruntime), then one training thread
  const onnx = (await c.engine.featureEngine()) === 'onnxruntime';
  const lease = await c.pool.acquire({ kind: 'head', label: `${variant} fine-tune`, exclusive: onnx, threads: onnx ? undefined : 1, rows: train.n, epochs: t.fineTune.epochs }, c.o.signal);
  if (!lease) throw Object.assign(new Error('transfer interrupted; re-run to resume'), { name: 'AbortError' });
  await run.log(startLine(`${variant} fine-tune`, lease.threads));
  try {
    const trunkShape = trunk.outputs[0].shape.slice(1) as number[];
    const dim = trunkShape.reduce((a, b) => a * b, 1);
    const feats = async (which: 'train' | 'test', rows: Rows) => {
      const file = join(dir, `${which}-trunk.f32`);
      const f = await readFloat32(file).catch(() => null);
      if (f && f.length === rows.n * dim) return f;
      await run.log(`${variant}: extracting ${which} features below ${block} (${rows.n} images)`);
      const x = await c.engine.extractFeatures(trunk, rows.images, rows.n, { inputSize: t.inputSize, signal: c.o.signal, onProgress: c.o.onProgress, ...(onnx ? { threads: lease.threads } : {}) });
      await writeFloat32Atomic(file, x);
      return x;
    };
    const fTrain = await feats('train', train);
    const fTest = await feats('test', test);
    const ft = t.fineTune;
    const eta = createEta(ft.epochs);
    const r = await runFineTune({
      engine: c.engine,
      base,
      head,
      train: { x: fTrain, labels: train.labels, n: train.n },
      test: { x: fTest, labels: test.labels, n: test.n },
      trunkShape,
      block,
      settings: ft,
      seed: deriveSeed(c.seed, 'fine-tune', variant),
      checkpointDir: run.path(variant, 'fine-tune-checkpoint'),
      signal: c.o.signal,
      onProgress: (p) => {
        lease.hooks.onProgress(p);
        c.o.onProgress?.(p);
      },
      onEpoch: (m) => {
        lease.hooks.onEpoch(m);
        const etaSeconds = eta.epochDone();
        void run.metric({ ...m, scope: 'head', id: `${variant}-finetune` });
        void run.log(formatEpochLine({ unit: `${variant} fine-tune ${block}`, epochs: ft.epochs, metrics: m, etaSeconds }));
      },
    });
    if (!r) throw Object.assign(new Error('transfer interrupted; re-run to resume'), { name: 'AbortError' });
    await rm(run.path(variant, 'fine-tune-checkpoint'), { recursive: true, force: true });
    await run.log(`${variant}: ${r.label}: train_acc ${r.train.accuracy.toFixed(4)} test_acc ${r.test.accuracy.toFixed(4)}`);
    return r;
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    await run.log(`${variant}: fine-tuning failed: ${(err as Error).stack ?? err}`);
    return { label, status: 'failed', reason: (err as Error).message };
  } finally {
    lease.release();
  }
}

/**
 * The missing shards extracted in worker processes of the pool (or on the queue), each task one
 * shard written straight to its cache file; a worker process loads the base weights once.
 */
async function extractInWorkers(c: Context, run: Run, variant: VggVariant, shards: (FeatureShard & { subset: { n?: number; seed: number } })[], math: FeatureMath, started: () => void): Promise<void> {
  const t = c.settings.transfer;
  const total = shards.reduce((a, s) => a + s.end - s.start, 0);
  const tasks: FeatureTask[] = shards.map((s) => ({
    kind: 'features' as const,
    id: `${variant}-${s.which}-${s.start}`,
    source: c.data,
    which: s.which,
    rows: s.subset,
    start: s.start,
    end: s.end,
    variant,
    inputSize: t.inputSize,
    ...(math.precision === 'int8' ? { precision: 'int8' as const, calibration: { rows: math.rows, count: math.count } } : {}),
    weights: t.weights[variant] ?? undefined,
    download: t.download,
    outFile: s.file,
  }));
  const exec = c.executor();
  const done = new Map<string, number>();
  try {
    await Promise.all(
      tasks.map((task) =>
        exec.run(task, {
          signal: c.o.signal,
          unit: { kind: 'features', label: `${variant} features ${task.which} ${task.start}-${task.end}`, rows: task.end - task.start },
          onStart: (threads) => {
            started();
            void run.log(startLine(`${variant} features ${task.which} ${task.start}-${task.end}`, threads));
          },
          onProgress: (p) => {
            done.set(task.id, p.done);
            c.o.onProgress?.({ done: [...done.values()].reduce((a, b) => a + b, 0), total, unit: 'img', label: `${variant} features` });
          },
        }).then((r) => {
          if (!r) throw Object.assign(new Error('transfer interrupted; re-run to resume'), { name: 'AbortError' });
        }),
      ),
    );
  } finally {
    await exec.close();
  }
}

/**
 * The base's features of both splits: the cached shards, and the missing ones extracted (in
 * worker processes for many images) and cached shard by shard, so an interrupted extraction
 * resumes at the first missing shard.
 */
async function baseFeatures(
  c: Context,
  run: Run,
  variant: VggVariant,
  base: Model,
  splits: { which: 'train' | 'test'; rows: Rows; subset: { n?: number; seed: number } }[],
  dir: string,
  featureDim: number,
  math: FeatureMath,
): Promise<{ x: Float32Array[]; hit: boolean; queuedMs: number }> {
  const t = c.settings.transfer;
  const t0 = Date.now();
  let startedAt: number | undefined;
  const started = () => void (startedAt ??= Date.now());
  const read = await Promise.all(splits.map((s) => readFeatures(dir, s.which, s.rows.n, featureDim)));
  const missing = read.flatMap((r, i) => r.missing.map((shard) => ({ ...shard, subset: splits[i].subset, split: splits[i], x: r.x })));
  if (!missing.length) return { x: read.map((r) => r.x), hit: true, queuedMs: 0 };
  const total = missing.reduce((a, s) => a + s.end - s.start, 0);
  // Each worker process pays a few seconds (start, data, weights): only worth it for many images.
  // onnxruntime already spreads one extraction over every core: more processes would only share
  // them (measured: 181 img/s for 2 processes against the VGG19 base at 32x32); a queue still
  // spreads shards over machines.
  const onnx = (await c.engine.featureEngine()) === 'onnxruntime';
  const fanOut = c.o.queue !== undefined || !onnx;
  const workers = fanOut && total >= (t.parallelFeaturesMin ?? 4000) ? Math.min(c.concurrency, Math.ceil(total / 128), missing.length) : 1;
  const counts = splits
    .map((s) => [missing.filter((m) => m.which === s.which).reduce((a, m) => a + m.end - m.start, 0), s.which] as const)
    .filter(([rows]) => rows > 0)
    .map(([rows, which]) => `${rows} ${which}`);
  await run.log(`${variant}: extracting features of ${counts.join(' + ')} images (${missing.length} cache shard${missing.length === 1 ? '' : 's'})${workers > 1 ? ` in ${workers} worker processes` : ''}`);
  if (workers > 1) {
    await extractInWorkers(c, run, variant, missing, math, started);
    for (const m of missing) {
      if (!(await readShardInto(m, m.x, featureDim))) throw new ExperimentError(`feature shard ${m.file} is missing or torn after its extraction`, { file: m.file, hint: 're-run the same command (finished shards are kept)' });
    }
  } else {
    await extractInProcess(c, run, variant, base, missing, featureDim, onnx, math, started);
  }
  return { x: read.map((r) => r.x), hit: false, queuedMs: (startedAt ?? t0) - t0 };
}

/**
 * The missing shards extracted in this process, where the base's weights are loaded already
 * (rather than in a worker process that would load them again). onnxruntime runs on the threads
 * the pool gives the unit, like a training: all the free cores when it is alone, one beside a
 * training fold. (As an exclusive unit waiting for every core, it kept the core a finished trial
 * freed idle for the 40 min a fold still ran, 2026-12-07.) The tfjs path (few images) holds one core.
 */
async function extractInProcess(c: Context, run: Run, variant: VggVariant, base: Model, missing: (FeatureShard & { split: { rows: Rows }; x: Float32Array })[], featureDim: number, onnx: boolean, math: FeatureMath, started: () => void): Promise<void> {
  const t = c.settings.transfer;
  const total = missing.reduce((a, s) => a + s.end - s.start, 0);
  const lease = await c.pool.acquire({ kind: 'features', label: `${variant} features`, threads: onnx ? undefined : 1, rows: total }, c.o.signal);
  if (!lease) throw Object.assign(new Error('transfer interrupted; re-run to resume'), { name: 'AbortError' });
  started();
  await run.log(startLine(`${variant} features`, lease.threads));
  try {
    let done = 0;
    for (const m of missing) {
      if (c.o.signal?.aborted) throw Object.assign(new Error('transfer interrupted; re-run to resume'), { name: 'AbortError' });
      const n = m.end - m.start;
      const f = await c.engine.extractFeatures(base, m.split.rows.images.subarray(m.start * PIXELS, m.end * PIXELS), n, {
        inputSize: t.inputSize,
        signal: c.o.signal,
        ...(onnx ? { threads: lease.threads } : {}),
        ...mathOptions(math),
        onProgress: (p) => {
          lease.hooks.onProgress({ ...p, done: done + p.done, total });
          c.o.onProgress?.({ ...p, done: done + p.done, total, label: `${variant} features` });
        },
      }).catch((e: unknown) => {
        // stopped mid-shard: the finished shards are kept, a re-run resumes at this one
        if (c.o.signal?.aborted) throw Object.assign(new Error('transfer interrupted; re-run to resume'), { name: 'AbortError' });
        throw e;
      });
      m.x.set(f, m.start * featureDim);
      await writeFloat32Atomic(m.file, f);
      done += n;
    }
  } finally {
    lease.release();
  }
}

/**
 * The arithmetic of the features: int8 when the settings ask for it and onnxruntime-node runs
 * them (else float32, said in the log), calibrated on the first training rows.
 */
async function featureMath(c: Context, run: Run, variant: VggVariant, train: Rows, dataCfg: { trainSubset?: number }, subsetSeed: number): Promise<FeatureMath> {
  if (c.settings.transfer.precision !== 'int8') return { precision: 'float32' };
  if ((await c.engine.featureEngine()) !== 'onnxruntime') {
    await run.log(`${variant}: float32 features: precision int8 needs onnxruntime-node, which does not load here`);
    return { precision: 'float32' };
  }
  const count = Math.min(CALIBRATION_ROWS, train.n);
  return { precision: 'int8', calibration: train.images.subarray(0, count * 784), rows: { n: dataCfg.trainSubset, seed: subsetSeed }, count };
}

async function oneVariant(
  c: Context,
  run: Run,
  variant: VggVariant,
  train: Rows,
  test: Rows,
  cacheDir: string,
  dataCfg: { trainSubset?: number; testSubset?: number },
  subsetSeed: number,
): Promise<TransferModelResult> {
  const t = c.settings.transfer;
  const e = c.engine;
  const base0: TransferModelResult = { variant, status: 'skipped', weights: null, inputSize: t.inputSize, featureDim: null, history: [], train: null, test: null };
  const base = e.createVggBase(variant, { inputSize: t.inputSize });
  try {
    let weights: { sha256: string; source: string };
    try {
      weights = await e.loadVggWeights(base, { path: weightsFor(c, variant) ?? undefined, download: t.download });
    } catch (err) {
      const msg = (err as Error).message;
      const reason = /FMNIST_VGG1[69]_WEIGHTS/.test(msg) ? msg : `${msg}\n  fix: ${weightsHowTo(variant)}`;
      // Weights the user named (a setting, FMNIST_VGG16/19_WEIGHTS) that are missing or cannot be
      // used are a failure, as a missing --data-dir is; no weights named at all, a skip.
      const status = weightsFor(c, variant) !== null ? 'failed' : 'skipped';
      await run.log(`${variant}: ${status}: ${reason}`);
      return { ...base0, status, reason };
    }
    const featureDim = (base.outputs[0].shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
    const math = await featureMath(c, run, variant, train, dataCfg, subsetSeed);
    // int8 features are cached apart from float32 ones (float32 keeps the key it always had)
    const int8Key = math.precision === 'int8' ? { precision: 'int8', calibrationRows: math.count } : {};
    const key = createHash('sha256').update(JSON.stringify({ w: weights.sha256, inputSize: t.inputSize, data: dataCfg, subsetSeed, shardRows: SHARD_ROWS, ...int8Key })).digest('hex').slice(0, 16);
    const dir = join(cacheDir, `${variant}-${key}`);
    const tf0 = Date.now();
    const splits = [
      { which: 'train' as const, rows: train, subset: { n: dataCfg.trainSubset, seed: subsetSeed } },
      { which: 'test' as const, rows: test, subset: { n: dataCfg.testSubset, seed: subsetSeed + 1 } },
    ];
    const { x: [featTrain, featTest], hit, queuedMs } = await baseFeatures(c, run, variant, base, splits, dir, featureDim, math);
    await writeJsonAtomic(join(dir, 'meta.json'), { variant, weights, inputSize: t.inputSize, featureDim, data: dataCfg, trainRows: train.n, testRows: test.n, shardRows: SHARD_ROWS, precision: math.precision });
    const cacheInfo = { key, hit, seconds: (Date.now() - tf0 - queuedMs) / 1000 };
    const queued = queuedMs >= 1000 ? `, after ${(queuedMs / 1000).toFixed(1)}s waiting for cores` : '';
    await run.log(`${variant}: ${math.precision} features ${hit ? 'from cache' : 'extracted'} in ${cacheInfo.seconds.toFixed(1)}s${queued} (${featureDim} dims, ${dir})`);

    const h = t.head;
    const head = e.createHead(featureDim, { activation: h.activation, denseUnits: h.denseUnits, dropout: h.dropout, optimizer: h.optimizer, learningRate: h.learningRate, momentum: h.momentum, seed: deriveSeed(c.seed, 'head', variant) });
    const lease = await c.pool.acquire({ kind: 'head', label: `${variant} head`, threads: c.threads, rows: train.n, epochs: h.epochs }, c.o.signal);
    if (!lease) throw Object.assign(new Error('transfer interrupted; re-run to resume'), { name: 'AbortError' });
    await run.log(startLine(`${variant} head`, lease.threads));
    try {
      const eta = createEta(h.epochs);
      // Raw VGG activations reach the hundreds: standardize each feature with the training
      // rows' mean/std (kept beside the head model) so the head trains well.
      const scaler = fitStandardizer(featTrain, train.n, featureDim);
      await writeJsonAtomic(run.path(variant, 'feature-scaler.json'), { mean: Array.from(scaler.mean), std: Array.from(scaler.std) });
      // in place: the features are this process's own copy, and 60,000 rows of them are large
      const trainData = { x: applyStandardizer(featTrain, featureDim, scaler, featTrain), labels: train.labels, n: train.n };
      const testData = { x: applyStandardizer(featTest, featureDim, scaler, featTest), labels: test.labels, n: test.n };
      const r = await e.train(head, trainData, {
        epochs: h.epochs,
        batchSize: h.batchSize,
        seed: deriveSeed(c.seed, 'head-train', variant),
        checkpointDir: run.path(variant, 'checkpoint'),
        parallel: { threads: lease.threads, unit: `${variant} head` },
        signal: c.o.signal,
        onEpoch: (m) => {
          lease.hooks.onEpoch(m);
          const etaSeconds = eta.epochDone();
          void run.metric({ ...m, scope: 'head', id: variant });
          void run.log(formatEpochLine({ unit: `${variant} head`, epochs: h.epochs, metrics: m, etaSeconds }));
          c.o.onEpoch?.({ technique: 'transfer', scope: 'head', id: variant, unit: `${variant} head`, epochs: h.epochs, metrics: m, etaSeconds });
        },
        onProgress: (p) => {
          lease.hooks.onProgress(p);
          c.o.onProgress?.({ ...p, label: `${variant} head ${p.label ?? ''}`.trim() });
        },
      });
      if (r.interrupted) throw Object.assign(new Error('transfer interrupted; re-run to resume'), { name: 'AbortError' });
      await Promise.all(r.history.map((m) => run.metric({ ...m, scope: 'head', id: variant })));
      const tr = await e.evaluate(head, trainData);
      const { probabilities: _p, ...te } = await e.evaluate(head, testData);
      await e.saveModel(head, run.path(variant, 'model'));
      await run.log(`${variant}: train_acc ${tr.accuracy.toFixed(4)} test_acc ${te.accuracy.toFixed(4)}`);
      const out: TransferModelResult = { ...base0, status: 'complete', weights, featureDim, history: r.history, train: { accuracy: tr.accuracy, loss: tr.loss }, test: te, featureCache: cacheInfo, precision: math.precision };
      lease.release();
      if (t.fineTune.enabled) out.fineTuned = await fineTuneExtra(c, run, variant, base, head, train, test, dir);
      await rm(run.path(variant, 'checkpoint'), { recursive: true, force: true });
      return out;
    } finally {
      lease.release();
      head.dispose();
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    await run.log(`${variant}: failed: ${(err as Error).stack ?? err}`);
    return { ...base0, status: 'failed', reason: (err as Error).message };
  } finally {
    base.dispose();
  }
}


