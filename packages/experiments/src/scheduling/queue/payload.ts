// What travels through Redis between a coordinator and its workers, and the strict checks of it.
// A queue is an input like a file: anyone who can write to the Redis database can write a job, so
// a worker checks every field of a unit before it trains it and a coordinator checks every field
// of a result before it writes anything. Paths never travel: a worker writes into its own work
// folder, and the coordinator writes into the run directory paths of its own task, never into a
// path read from Redis.
import { createHash } from 'node:crypto';
import { basename, isAbsolute, relative, sep } from 'node:path';
import { checkLayer, PARAMS_FIELDS } from '../../settings/settings-schema';
import { ExperimentError } from '../../errors';
import type { FeatureTask } from '../../techniques/feature-task';
import type { TaskResult, TrainTask } from '../../techniques/train-task';
import type { Task } from '../executor';

export const PAYLOAD_VERSION = 1;
/** Largest job payload or result manifest accepted from Redis (bytes of JSON). */
export const MAX_PAYLOAD_BYTES = 1 << 20;
/** Largest file shipped back through Redis (a model's weights, a feature shard). */
export const MAX_BLOB_BYTES = 512 << 20;

/** A unit as it travels: the task without its paths, with the data and backend it needs. */
export interface UnitPayload {
  v: number;
  /** the coordinator's dataset: a worker refuses the unit when its own data differs */
  data: { kind: 'prepared' | 'idx'; inputKey: string };
  backend: 'tensorflow' | 'wasm' | 'cpu';
  /** where the unit's result goes, relative to the runs folder (for logs and the job id) */
  where: string;
  unit: TrainUnit | FeatureUnit;
}

export interface TrainUnit {
  kind: 'train';
  id: string;
  data: TrainTask['data'];
  split: TrainTask['split'];
  params: TrainTask['params'];
  seed: number;
  callbacks?: TrainTask['callbacks'];
  evalTrain: boolean;
  evalTest: boolean;
  model: boolean;
  testProbabilities: boolean;
  /** the checkpoint goes once the unit is done (a tuning trial's stays: a longer trial continues it) */
  dropCheckpoint: boolean;
}

export interface FeatureUnit {
  kind: 'features';
  id: string;
  which: 'train' | 'test';
  rows: FeatureTask['rows'];
  start: number;
  end: number;
  variant: FeatureTask['variant'];
  inputSize: number;
  download: boolean;
}

/** A file a worker shipped back: stored under a Redis key named by its SHA-256. */
export interface BlobRef { sha256: string; bytes: number }

/** What a finished unit returns (the BullMQ job's return value). */
export interface UnitOutcome {
  v: number;
  /** the unit's result (TaskResult, or FeatureResult for a feature shard) */
  result: unknown;
  /** model/<name> files, the test probabilities, or the feature shard */
  files: { model?: Record<string, BlobRef>; testProbabilities?: BlobRef; features?: BlobRef };
  worker: string;
}

/** The payload of a coordinator's task (its paths become flags; `runsDir` makes `where`). */
export function toPayload(task: Task, o: { runsDir: string; backend: string; data: UnitPayload['data'] }): UnitPayload {
  const file = task.kind === 'features' ? task.outFile : task.resultFile;
  const rel = relative(o.runsDir, file);
  // a feature cache set outside the runs folder: named by a hash of its path (paths do not travel)
  const inside = !rel.startsWith('..') && !isAbsolute(rel) ? rel : `outside/${sha256(Buffer.from(file)).slice(0, 16)}/${basename(file)}`;
  const where = inside.split(sep).join('/').replace(/[^A-Za-z0-9._/-]/g, '_');
  const base = { v: PAYLOAD_VERSION, data: { kind: o.data.kind, inputKey: o.data.inputKey }, backend: o.backend as UnitPayload['backend'], where };
  if (task.kind === 'features') {
    const { id, which, rows, start, end, variant, inputSize } = task;
    return { ...base, unit: { kind: 'features', id, which, rows: { ...rows }, start, end, variant, inputSize, download: task.download ?? false } };
  }
  const t = task;
  return {
    ...base,
    unit: {
      kind: 'train',
      id: t.id,
      data: { ...t.data },
      split: { ...t.split },
      params: { ...t.params },
      seed: t.seed,
      ...(t.callbacks ? { callbacks: t.callbacks } : {}),
      evalTrain: t.evalTrain ?? false,
      evalTest: t.evalTest ?? false,
      model: t.modelDir !== undefined,
      testProbabilities: t.testProbabilitiesFile !== undefined,
      dropCheckpoint: t.dropCheckpoint ?? false,
    },
  };
}

/** JSON with sorted keys: the same unit always hashes to the same job id. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * A unit's BullMQ job id: a hash of everything it depends on and where its result goes (`owner`:
 * the coordinator's host and runs folder). The same command run again (a coordinator restarted)
 * finds the same jobs instead of adding new ones; another coordinator never shares them.
 */
export function unitJobId(p: UnitPayload, owner: string): string {
  return `u-${createHash('sha256').update(`${owner}\0${canonicalJson(p)}`).digest('hex').slice(0, 40)}`;
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// ---- checks of what comes out of Redis ----

class Check {
  constructor(readonly what: string) {}
  fail(path: string, why: string): never {
    throw new ExperimentError(`${this.what}: ${path} ${why}`, { hint: 'only fmnist coordinators and workers may write to this Redis database; check who else uses it (a queue is an input like a file)' });
  }
  obj(v: unknown, path: string, keys: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'is not an object');
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!keys.includes(k) && !optional.includes(k)) this.fail(`${path}.${k}`, 'is not a known field');
    for (const k of keys) if (o[k] === undefined) this.fail(`${path}.${k}`, 'is missing');
    return o;
  }
  /** an object with a `kind`, its other fields checked by the caller */
  tagged(v: unknown, path: string): Record<string, unknown> {
    const o = this.obj(v, path, ['kind'], Object.keys(typeof v === 'object' && v !== null ? v : {}));
    return o;
  }
  int(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(path, `is not a whole number from ${min} to ${max}`);
    return v as number;
  }
  num(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, 'is not a finite number');
    return v as number;
  }
  str(v: unknown, path: string, re: RegExp): string {
    if (typeof v !== 'string' || !re.test(v)) this.fail(path, `is not a string matching ${re}`);
    return v as string;
  }
  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'is not true or false');
    return v as boolean;
  }
  oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
    if (!values.includes(v as T)) this.fail(path, `is not one of ${values.join(', ')}`);
    return v as T;
  }
}

const ID = /^[A-Za-z0-9._-]{1,120}$/;
const HEX = /^[0-9a-f]{8,64}$/;
const SHA = /^[0-9a-f]{64}$/;
const WHERE = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]{1,400}$/;

/** A unit read from Redis, checked field by field (throws an ExperimentError naming the field). */
export function checkPayload(raw: unknown, jobId: string): UnitPayload {
  const c = new Check(`queue job ${jobId}`);
  if (JSON.stringify(raw ?? null).length > MAX_PAYLOAD_BYTES) c.fail('payload', `is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  const p = c.obj(raw, 'payload', ['v', 'data', 'backend', 'where', 'unit']);
  if (p.v !== PAYLOAD_VERSION) c.fail('payload.v', `is ${JSON.stringify(p.v)}, this worker reads version ${PAYLOAD_VERSION} (run the same fmnist version on the coordinator and the workers)`);
  const d = c.obj(p.data, 'data', ['kind', 'inputKey']);
  c.oneOf(d.kind, 'data.kind', ['prepared', 'idx'] as const);
  c.str(d.inputKey, 'data.inputKey', HEX);
  c.oneOf(p.backend, 'backend', ['tensorflow', 'wasm', 'cpu'] as const);
  c.str(p.where, 'where', WHERE);
  const u = c.tagged(p.unit, 'unit');
  if (u.kind === 'features') {
    c.obj(u, 'unit', ['kind', 'id', 'which', 'rows', 'start', 'end', 'variant', 'inputSize', 'download']);
    c.str(u.id, 'unit.id', ID);
    c.oneOf(u.which, 'unit.which', ['train', 'test'] as const);
    const rows = c.obj(u.rows, 'unit.rows', ['seed'], ['n']);
    c.int(rows.seed, 'unit.rows.seed', 0, 2 ** 32);
    if (rows.n !== undefined) c.int(rows.n, 'unit.rows.n', 1, 200_000);
    const start = c.int(u.start, 'unit.start', 0, 200_000);
    c.int(u.end, 'unit.end', start + 1, 200_000);
    c.oneOf(u.variant, 'unit.variant', ['vgg16', 'vgg19'] as const);
    c.bool(u.download, 'unit.download');
    // the input size's range is the settings schema's
    checkLayer({ from: `queue job ${jobId}`, values: { transfer: { inputSize: u.inputSize } } });
    return raw as UnitPayload;
  }
  if (u.kind !== 'train') c.fail('unit.kind', 'is not "train" or "features"');
  c.obj(u, 'unit', ['kind', 'id', 'data', 'split', 'params', 'seed', 'evalTrain', 'evalTest', 'model', 'testProbabilities', 'dropCheckpoint'], ['callbacks']);
  c.str(u.id, 'unit.id', ID);
  const data = c.obj(u.data, 'unit.data', ['seed'], ['trainSubset', 'testSubset']);
  c.int(data.seed, 'unit.data.seed', 0, 2 ** 32);
  c.int(u.seed, 'unit.seed', 0, 2 ** 32);
  for (const k of ['evalTrain', 'evalTest', 'model', 'testProbabilities', 'dropCheckpoint'] as const) c.bool(u[k], `unit.${k}`);
  const s = c.tagged(u.split, 'unit.split');
  if (s.kind === 'holdout') {
    c.obj(s, 'unit.split', ['kind', 'validationFraction', 'seed'], ['subset', 'subsetSeed']);
    c.int(s.seed, 'unit.split.seed', 0, 2 ** 32);
    if (s.subsetSeed !== undefined) c.int(s.subsetSeed, 'unit.split.subsetSeed', 0, 2 ** 32);
    checkLayer({ from: `queue job ${jobId}`, values: defined({ validationFraction: s.validationFraction, tune: s.subset !== undefined ? { subset: s.subset } : undefined }) });
  } else if (s.kind === 'kfold') {
    c.obj(s, 'unit.split', ['kind', 'k', 'fold', 'seed']);
    const k = c.int(s.k, 'unit.split.k', 2, 1000);
    c.int(s.fold, 'unit.split.fold', 0, k - 1);
    c.int(s.seed, 'unit.split.seed', 0, 2 ** 32);
  } else c.fail('unit.split.kind', 'is not "holdout" or "kfold"');
  const params = c.obj(u.params, 'unit.params', Object.keys(PARAMS_FIELDS).filter((k) => !PARAMS_FIELDS[k].optional), Object.keys(PARAMS_FIELDS));
  // ranges, choices and subset sizes are the settings schema's, checked by its own validator
  checkLayer({
    from: `queue job ${jobId}`,
    values: { params, data: defined({ trainSubset: data.trainSubset, testSubset: data.testSubset }), ...(u.callbacks !== undefined ? { callbacks: u.callbacks } : {}) },
  });
  return raw as UnitPayload;
}

const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const blob = (c: Check, v: unknown, path: string): BlobRef => {
  const b = c.obj(v, path, ['sha256', 'bytes']);
  c.str(b.sha256, `${path}.sha256`, SHA);
  c.int(b.bytes, `${path}.bytes`, 0, MAX_BLOB_BYTES);
  return b as unknown as BlobRef;
};

const MODEL_FILE = /^(?!\.)[A-Za-z0-9._-]{1,100}$/;

/** A finished unit's return value read from Redis, checked against the unit it answers. */
export function checkOutcome(raw: unknown, jobId: string, unit: UnitPayload['unit']): UnitOutcome {
  const c = new Check(`result of queue job ${jobId}`);
  if (JSON.stringify(raw ?? null).length > MAX_PAYLOAD_BYTES) c.fail('result', `is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  const o = c.obj(raw, 'result', ['v', 'result', 'files', 'worker']);
  if (o.v !== PAYLOAD_VERSION) c.fail('result.v', `is ${JSON.stringify(o.v)}, expected ${PAYLOAD_VERSION}`);
  c.str(o.worker, 'worker', /^[\x20-\x7e]{1,200}$/);
  const f = c.obj(o.files, 'files', [], ['model', 'testProbabilities', 'features']);
  const r = c.obj(o.result, 'result.result', ['id'], unit.kind === 'features' ? ['n', 'featureDim'] : ['history', 'resumedFromEpoch', 'stoppedEarly', 'train', 'validation', 'test', 'imagesPerSecond', 'seconds']);
  if (r.id !== unit.id) c.fail('result.id', `is ${JSON.stringify(r.id)}, not the unit's id ${unit.id}`);
  if (unit.kind === 'features') {
    const n = c.int(r.n, 'result.n', 1, 200_000);
    if (n !== unit.end - unit.start) c.fail('result.n', `is ${n}, the unit has ${unit.end - unit.start} rows`);
    const dim = c.int(r.featureDim, 'result.featureDim', 1, 1 << 20);
    const b = blob(c, f.features, 'files.features');
    if (b.bytes !== n * dim * 4) c.fail('files.features.bytes', `is ${b.bytes}, expected ${n} rows × ${dim} features × 4 bytes`);
    return raw as UnitOutcome;
  }
  const t = c.obj(r, 'result.result', ['id', 'history', 'resumedFromEpoch', 'validation', 'imagesPerSecond', 'seconds'], ['stoppedEarly', 'train', 'test']) as unknown as TaskResult;
  if (!Array.isArray(t.history) || t.history.length > 100_000) c.fail('result.history', 'is not a list of epochs');
  for (const [i, h] of t.history.entries()) {
    const e = c.obj(h, `result.history[${i}]`, ['epoch'], Object.keys(typeof h === 'object' && h !== null ? h : {}));
    for (const [k, v] of Object.entries(e)) if (typeof v !== 'number' && typeof v !== 'boolean' && v !== null) c.fail(`result.history[${i}].${k}`, 'is not a number');
  }
  const score = (v: unknown, path: string) => {
    const s = c.obj(v, path, ['accuracy', 'loss'], ['perClass', 'confusion', 'macroF1', 'n', 'top3Accuracy']);
    c.num(s.accuracy, `${path}.accuracy`);
    c.num(s.loss, `${path}.loss`);
  };
  score(t.validation, 'result.validation');
  if (unit.evalTrain) score(t.train, 'result.train');
  if (unit.evalTest) c.obj(t.test, 'result.test', ['accuracy', 'loss'], Object.keys(t.test as object));
  c.int(t.resumedFromEpoch, 'result.resumedFromEpoch', 0, 100_000);
  c.num(t.imagesPerSecond, 'result.imagesPerSecond');
  c.num(t.seconds, 'result.seconds');
  if (unit.model) {
    const m = c.obj(f.model, 'files.model', [], Object.keys(typeof f.model === 'object' && f.model !== null ? f.model : {}));
    if (!Object.keys(m).length || Object.keys(m).length > 1000) c.fail('files.model', 'lists no files or too many');
    for (const [name, b] of Object.entries(m)) {
      if (!MODEL_FILE.test(name)) c.fail(`files.model[${JSON.stringify(name)}]`, 'is not a plain file name');
      blob(c, b, `files.model.${name}`);
    }
  }
  if (unit.testProbabilities) blob(c, f.testProbabilities, 'files.testProbabilities');
  return raw as UnitOutcome;
}
