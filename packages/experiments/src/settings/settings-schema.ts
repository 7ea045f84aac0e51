// Every setting of a study declared once, as data: its type, its range (the models package's own
// numbers) or choices, whether it may be absent, and the one validator every route goes through:
// the profiles' defaults, the options of a library call, and the CLI's flags, config-file keys and
// `--set path=value` assignments. Each source of values is a layer that names where it came from,
// so an error names the setting, the value, what is allowed and the flag, key or `--set` to fix.
// The ranges come from `@fmnist/models/limits`, which loads no TensorFlow.js.
import {
  ACTIVATIONS,
  ANNEAL_SHAPES,
  CNN_LIMITS,
  LR_SCHEDULE_KINDS,
  OPTIMIZER_NAMES,
  PADDINGS,
  POOLINGS,
  TRAIN_LIMITS,
  VGG_INPUT_LIMITS,
  cnnShapeProblem,
  describeRange,
  inRange,
  scheduleProblem,
  type LrSchedule,
  type Range,
} from '@fmnist/models/limits';
import { ExperimentError } from '../errors';

export type Rule =
  | { kind: 'number'; range: Range }
  | { kind: 'boolean' }
  /** a non-empty string (a path or a name) */
  | { kind: 'string' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; item: Rule; minItems: number }
  /** an object with these keys; `partial`: every key may be absent (kfold.params) */
  | { kind: 'group'; fields: Readonly<Record<string, Field>>; partial?: boolean }
  /** an object whose keys are some of `keys`, each holding a `value` (transfer.weights) */
  | { kind: 'record'; keys: readonly string[]; value: Rule }
  /** tune.space: each dimension lists choices of training parameters (see search-space.ts) */
  | { kind: 'space' };

/** A setting: `optional` ones may be absent, and null in an override removes them (e.g. callbacks). */
export type Field = Rule & { optional?: boolean };

const num = (range: Range): Field => ({ kind: 'number', range });
const opt = (f: Field): Field => ({ ...f, optional: true });
const oneOf = (values: readonly string[]): Field => ({ kind: 'enum', values });
const BOOL: Field = { kind: 'boolean' };
const STRING: Field = { kind: 'string' };
/** A stratified subset of n rows: at least one image per class. */
const ROWS: Range = { integer: true, min: 10 };

/** The network and its training (TrainParams): every key of the models' CnnOptions but the seed, plus batchSize and epochs. */
export const PARAMS_FIELDS: Readonly<Record<string, Field>> = {
  activation: oneOf(ACTIVATIONS),
  filters: { kind: 'list', item: num(CNN_LIMITS.filters), minItems: 1 },
  denseUnits: num(CNN_LIMITS.denseUnits),
  dropout: num(CNN_LIMITS.dropout),
  batchNorm: BOOL,
  optimizer: oneOf(OPTIMIZER_NAMES),
  learningRate: num(CNN_LIMITS.learningRate),
  momentum: num(CNN_LIMITS.momentum),
  padding: opt(oneOf(PADDINGS)),
  convsPerBlock: opt(num(CNN_LIMITS.convsPerBlock)),
  batchNormMomentum: opt(num(CNN_LIMITS.batchNormMomentum)),
  pooling: opt(oneOf(POOLINGS)),
  nesterov: opt(BOOL),
  weightDecay: opt(num(CNN_LIMITS.weightDecay)),
  batchSize: num(TRAIN_LIMITS.batchSize),
  epochs: num(TRAIN_LIMITS.epochs),
  // the training recipe (RecipeParams): each absent = off
  schedule: {
    kind: 'group',
    optional: true,
    fields: {
      kind: oneOf(LR_SCHEDULE_KINDS),
      warmupFraction: opt(num(TRAIN_LIMITS.warmupFraction)),
      anneal: opt(oneOf(ANNEAL_SHAPES)),
      startFactor: opt(num(TRAIN_LIMITS.lrFactor)),
      endFactor: opt(num(TRAIN_LIMITS.lrFactor)),
      cycles: opt(num(TRAIN_LIMITS.cycles)),
      minFactor: opt(num(TRAIN_LIMITS.lrFactor)),
    },
  },
  labelSmoothing: opt(num(TRAIN_LIMITS.labelSmoothing)),
  augment: { kind: 'group', optional: true, fields: { flip: opt(BOOL), translate: opt(num(TRAIN_LIMITS.translate)), erase: opt(num(TRAIN_LIMITS.eraseProbability)) } },
  ema: { kind: 'group', optional: true, fields: { decay: num(TRAIN_LIMITS.emaDecay), warmupEpochs: opt(num(TRAIN_LIMITS.emaWarmupEpochs)) } },
  tta: opt(BOOL),
  ttaShift: opt(num(TRAIN_LIMITS.ttaShift)),
};

const group = (fields: Record<string, Field>, o: { optional?: boolean; partial?: boolean } = {}): Field => ({ kind: 'group', fields, ...o });

/** The whole Settings object (profiles.ts), field by field. */
export const SETTINGS_SCHEMA: Field = group({
  data: group({ trainSubset: opt(num(ROWS)), testSubset: opt(num(ROWS)) }),
  validationFraction: num({ min: 0, minExclusive: true, max: 1, maxExclusive: true }),
  params: group(PARAMS_FIELDS),
  tune: group({
    method: oneOf(['grid', 'halving', 'hyperband']),
    space: { kind: 'space' },
    subset: opt(num(ROWS)),
    maxTrials: num({ integer: true, min: 1 }),
    configs: num({ integer: true, min: 1 }),
    minEpochs: num(TRAIN_LIMITS.epochs),
    maxEpochs: num(TRAIN_LIMITS.epochs),
    // each rung keeps 1/eta of the configurations (successive halving needs eta >= 2)
    eta: num({ min: 2 }),
  }),
  callbacks: group(
    {
      reduceLrOnPlateau: group({ factor: num(TRAIN_LIMITS.plateauFactor), patience: num(TRAIN_LIMITS.patience), minLearningRate: opt(num(TRAIN_LIMITS.minLearningRate)) }, { optional: true }),
      earlyStopping: group({ patience: num(TRAIN_LIMITS.patience), minDelta: opt(num(TRAIN_LIMITS.minDelta)) }, { optional: true }),
    },
    { optional: true },
  ),
  holdout: group({ tune: BOOL, epochs: opt(num(TRAIN_LIMITS.epochs)), batchSize: opt(num(TRAIN_LIMITS.batchSize)) }),
  kfold: group({ k: num({ integer: true, min: 2 }), subset: opt(num(ROWS)), params: group(PARAMS_FIELDS, { optional: true, partial: true }) }),
  transfer: group({
    variants: { kind: 'list', item: oneOf(['vgg16', 'vgg19']), minItems: 1 },
    inputSize: num(VGG_INPUT_LIMITS),
    trainSubset: opt(num(ROWS)),
    testSubset: opt(num(ROWS)),
    head: group({
      denseUnits: num(CNN_LIMITS.denseUnits),
      dropout: num(CNN_LIMITS.dropout),
      activation: oneOf(ACTIVATIONS),
      optimizer: oneOf(OPTIMIZER_NAMES),
      learningRate: num(CNN_LIMITS.learningRate),
      momentum: num(CNN_LIMITS.momentum),
      epochs: num(TRAIN_LIMITS.epochs),
      batchSize: num(TRAIN_LIMITS.batchSize),
    }),
    weights: { kind: 'record', keys: ['vgg16', 'vgg19'], value: STRING },
    fineTune: group({ enabled: BOOL, epochs: num(TRAIN_LIMITS.epochs), batchSize: num(TRAIN_LIMITS.batchSize), learningRate: num(CNN_LIMITS.learningRate) }),
    precision: opt(oneOf(['float32', 'int8'])),
    parallelFeaturesMin: opt(num({ integer: true, min: 0 })),
    download: opt(BOOL),
    cacheDir: opt(STRING),
  }),
  speedrun: group({
    params: group(PARAMS_FIELDS),
    targets: { kind: 'list', item: num({ min: 0, minExclusive: true, max: 1 }), minItems: 1 },
    trainSubset: opt(num(ROWS)),
    testSubset: opt(num(ROWS)),
  }),
});

/** Every setting's dotted path (groups and values; not inside tune.space), for "did you mean". */
export function settingPaths(field: Field = SETTINGS_SCHEMA, path: string[] = []): string[] {
  if (field.kind === 'group') return Object.entries(field.fields).flatMap(([k, f]) => [pathText([...path, k]), ...settingPaths(f, [...path, k])]);
  if (field.kind === 'record') return field.keys.map((k) => pathText([...path, k]));
  return [];
}

/** The official training split's size: k-fold needs at least k rows. */
export const OFFICIAL_TRAIN_ROWS = 60_000;

/** Names that would reach an object's prototype when used as keys. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** Values from one place, in the shape of (part of) the Settings; later layers win. */
export interface SettingsLayer {
  /** where the values came from, as the user would find it: `flag --batch-size`, `--set kfold.k=1`, `profile quick` */
  from: string;
  values: unknown;
}

/** A setting that is unknown, of the wrong type or out of range: a usage error naming where it came from. */
export class SettingsError extends ExperimentError {
  /** dotted path of the setting (`kfold.params.batchSize`) */
  readonly setting: string;
  readonly from: string;
  /** for an unknown key: the keys allowed there (for a "did you mean") */
  readonly known?: readonly string[];
  constructor(message: string, o: { setting: string; from: string; known?: readonly string[] }) {
    super(message);
    this.name = 'SettingsError';
    this.setting = o.setting;
    this.from = o.from;
    this.known = o.known;
  }
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A value as the user wrote it (JSON), shortened. */
export function showValue(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'not a number' : String(v);
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function describe(rule: Rule): string {
  switch (rule.kind) {
    case 'number':
      return describeRange(rule.range);
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a non-empty string';
    case 'enum':
      return `one of ${rule.values.join(', ')}`;
    case 'list':
      return `a list of at least ${rule.minItems} (each ${describe(rule.item)})`;
    case 'group':
    case 'record':
    case 'space':
      return 'an object';
  }
}

const pathText = (path: readonly string[]) => path.join('.');

class Checker {
  constructor(
    readonly from: (path: readonly string[]) => string,
    /** true for an override layer: any key may be absent; false for the resolved settings */
    readonly partial: boolean,
  ) {}

  /** `problem` reads after "setting <path> (from <origin>)". */
  fail(path: readonly string[], problem: string, o: { known?: readonly string[]; prefix?: string } = {}): never {
    const setting = pathText(path);
    const from = this.from(path);
    throw new SettingsError(`${o.prefix ?? ''}setting ${setting} (from ${from})${problem}`, { setting, from, known: o.known });
  }

  invalid(path: readonly string[], value: unknown, allowed: string): never {
    const setting = pathText(path);
    const from = this.from(path);
    throw new SettingsError(`invalid setting ${setting} = ${showValue(value)} (from ${from}): expected ${allowed}`, { setting, from });
  }

  key(path: readonly string[], k: string): void {
    if (RESERVED.has(k)) this.fail([...path, k], ` uses the reserved name "${k}", which no setting has`);
  }

  check(field: Field, v: unknown, path: readonly string[], partial = this.partial): void {
    if (v === null) {
      if (field.optional && this.partial) return; // an override's null removes the group or value
      this.invalid(path, v, describe(field));
    }
    switch (field.kind) {
      case 'number':
        if (!inRange(v, field.range)) this.invalid(path, v, describe(field));
        return;
      case 'boolean':
        if (typeof v !== 'boolean') this.invalid(path, v, describe(field));
        return;
      case 'string':
        if (typeof v !== 'string' || v === '') this.invalid(path, v, describe(field));
        return;
      case 'enum':
        if (typeof v !== 'string' || !field.values.includes(v)) this.invalid(path, v, describe(field));
        return;
      case 'list':
        if (!Array.isArray(v) || v.length < field.minItems) this.invalid(path, v, describe(field));
        v.forEach((item, i) => this.check(field.item, item, [...path, String(i)]));
        return;
      case 'group':
        return this.group(field.fields, v, path, partial || !!field.partial);
      case 'record':
        if (!isPlain(v)) this.invalid(path, v, `an object with keys among ${field.keys.join(', ')}`);
        for (const [k, x] of Object.entries(v)) {
          this.key(path, k);
          if (!field.keys.includes(k)) this.unknown([...path, k], field.keys);
          if (x !== null || !this.partial) this.check(field.value, x, [...path, k]);
        }
        return;
      case 'space':
        return this.space(v, path);
    }
  }

  unknown(path: readonly string[], known: readonly string[]): never {
    return this.fail(path, `; settings here: ${known.join(', ')}`, { known, prefix: 'unknown ' });
  }

  group(fields: Readonly<Record<string, Field>>, v: unknown, path: readonly string[], partial: boolean): void {
    if (!isPlain(v)) this.invalid(path, v, `an object with settings ${Object.keys(fields).join(', ')}`);
    for (const [k, x] of Object.entries(v)) {
      this.key(path, k);
      if (!Object.hasOwn(fields, k)) this.unknown([...path, k], Object.keys(fields));
      if (x !== undefined) this.check(fields[k], x, [...path, k], partial);
    }
    if (partial) return;
    for (const [k, f] of Object.entries(fields)) {
      if (!f.optional && (v[k] === undefined || v[k] === null)) this.fail([...path, k], ` is missing: expected ${describe(f)}`);
    }
  }

  /** Each dimension lists its choices: values of the training parameter of that name, or objects of parameters merged together. */
  space(v: unknown, path: readonly string[]): void {
    if (!isPlain(v)) this.invalid(path, v, 'an object whose keys are the dimensions, each a list of choices');
    for (const [dim, choices] of Object.entries(v)) {
      this.key(path, dim);
      const at = [...path, dim];
      if (!Array.isArray(choices) || choices.length === 0) this.invalid(at, choices, 'a non-empty list of choices');
      choices.forEach((choice, i) => {
        if (isPlain(choice)) this.group(PARAMS_FIELDS, choice, [...at, String(i)], true);
        else if (Object.hasOwn(PARAMS_FIELDS, dim)) this.check(PARAMS_FIELDS[dim], choice, [...at, String(i)], true);
        else this.invalid([...at, String(i)], choice, `an object of training parameters, as ${dim} is not one (${Object.keys(PARAMS_FIELDS).join(', ')})`);
      });
    }
  }
}

/** Where a path's value came from: the last layer that set it or one of its parents. */
export type Origins = Map<string, string>;

function originOf(origins: Origins, fallback: string) {
  return (path: readonly string[]) => {
    for (let n = path.length; n > 0; n--) {
      const o = origins.get(pathText(path.slice(0, n)));
      if (o) return o;
    }
    return fallback;
  };
}

/** Checks one layer of overrides: every key known, every value of its type and in range. */
export function checkLayer(layer: SettingsLayer): void {
  new Checker(() => layer.from, true).check(SETTINGS_SCHEMA, layer.values, []);
}

/** Records which layer set each leaf (or replaced group) of `values`. */
export function recordOrigins(origins: Origins, values: unknown, from: string, path: string[] = []): void {
  if (!isPlain(values) || pathText(path) === 'tune.space') {
    // a value or a replaced group: what earlier layers set inside it is gone
    const at = pathText(path);
    for (const key of [...origins.keys()]) if (key.startsWith(`${at}.`)) origins.delete(key);
    origins.set(at, from);
    return;
  }
  for (const [k, v] of Object.entries(values)) if (v !== undefined) recordOrigins(origins, v, from, [...path, k]);
}

/**
 * Checks complete settings (a profile with its overrides merged in): every required setting
 * present and valid, and the rules between settings. `origins` names the layer behind each path;
 * the rest is `fallback` (the profile).
 */
export function checkSettings(settings: unknown, origins: Origins, fallback: string): void {
  const from = originOf(origins, fallback);
  const c = new Checker(from, false);
  c.check(SETTINGS_SCHEMA, settings, []);
  const s = settings as {
    data: { trainSubset?: number };
    params: Record<string, unknown>;
    tune: { minEpochs: number; maxEpochs: number; space: Record<string, unknown[]> };
    kfold: { k: number; subset?: number; params?: Record<string, unknown> };
  };
  if (s.tune.minEpochs > s.tune.maxEpochs) {
    // blame the one that was changed (the profile's pair is consistent)
    const [bad, other] = from(['tune', 'maxEpochs']) === fallback ? (['minEpochs', 'maxEpochs'] as const) : (['maxEpochs', 'minEpochs'] as const);
    const rel = bad === 'minEpochs' ? '≤' : '≥';
    c.invalid(['tune', bad], s.tune[bad], `a whole number ${rel} tune.${other} = ${s.tune[other]} (from ${from(['tune', other])})`);
  }
  const rowsPath = s.kfold.subset !== undefined ? ['kfold', 'subset'] : s.data.trainSubset !== undefined ? ['data', 'trainSubset'] : undefined;
  const rows = s.kfold.subset ?? s.data.trainSubset ?? OFFICIAL_TRAIN_ROWS;
  if (s.kfold.k > rows) {
    const why = rowsPath ? `${pathText(rowsPath)} = ${rows} (from ${from(rowsPath)})` : `the ${rows} training images`;
    c.invalid(['kfold', 'k'], s.kfold.k, `at most the number of training rows, ${why}`);
  }
  const plateau = (settings as { callbacks?: { reduceLrOnPlateau?: unknown } }).callbacks?.reduceLrOnPlateau !== undefined;
  shape(c, ['params'], s.params);
  recipe(c, ['params'], s.params, plateau);
  shape(c, ['speedrun', 'params'], (settings as { speedrun: { params: Record<string, unknown> } }).speedrun.params);
  recipe(c, ['speedrun', 'params'], (settings as { speedrun: { params: Record<string, unknown> } }).speedrun.params, false);
  if (s.kfold.params) {
    shape(c, ['kfold', 'params'], { ...s.params, ...s.kfold.params });
    recipe(c, ['kfold', 'params'], { ...s.params, ...s.kfold.params }, plateau);
  }
  // every point of the search grid is a network the tuner builds (small grids: a few dozen points);
  // trials run without callbacks
  for (const point of gridPoints(s.tune.space, s.params, 10_000)) {
    shape(c, ['tune', 'space'], point);
    recipe(c, ['tune', 'space'], point, false);
  }
}

/** The rules between recipe settings: a schedule's fields fit its kind, one learning-rate controller. */
function recipe(c: Checker, path: string[], p: Record<string, unknown>, plateau: boolean): void {
  const schedule = p.schedule as LrSchedule | undefined;
  if (schedule) {
    // kfold.params may replace the schedule group without saying which kind
    if (schedule.kind === undefined) c.fail([...path, 'schedule', 'kind'], ` is missing: expected one of ${LR_SCHEDULE_KINDS.join(', ')}`);
    const problem = scheduleProblem(schedule);
    if (problem) c.fail([...path, 'schedule'], `: ${problem}`, { prefix: 'invalid ' });
    if (plateau) c.fail([...path, 'schedule'], ': and callbacks.reduceLrOnPlateau both set the learning rate; remove one (e.g. --set callbacks.reduceLrOnPlateau=null)', { prefix: 'invalid ' });
  }
  const ema = p.ema as { decay?: number } | undefined;
  if (ema && ema.decay === undefined) c.fail([...path, 'ema', 'decay'], ` is missing: expected ${describeRange(TRAIN_LIMITS.emaDecay)}`);
}

function shape(c: Checker, path: string[], p: Record<string, unknown>): void {
  const problem = cnnShapeProblem((p.filters as number[]).length, p.padding as 'valid' | 'same' | undefined, (p.convsPerBlock as number | undefined) ?? 1);
  if (problem) c.fail([...path, 'filters'], `: ${problem}`, { prefix: 'invalid ' });
}

/** The parameter sets of the grid (as search-space.ts builds them), when there are at most `max`. */
function gridPoints(space: Record<string, unknown[]>, base: Record<string, unknown>, max: number): Record<string, unknown>[] {
  let points = [base];
  for (const choices of Object.entries(space)) {
    if (points.length * choices[1].length > max) return [];
    points = points.flatMap((p) => choices[1].map((v) => (isPlain(v) ? { ...p, ...v } : { ...p, [choices[0]]: v })));
  }
  return points;
}
