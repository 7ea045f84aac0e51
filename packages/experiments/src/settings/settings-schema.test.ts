import { CNN_LIMITS, TRAIN_LIMITS } from '@fmnist/models/limits';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAssignment, parseAssignments } from './overrides';
import { PROFILES, mergeLayers, resolveSettings } from './profiles';
import { SettingsError, settingPaths, SETTINGS_SCHEMA } from './settings-schema';

const set = (...items: string[]) => () => resolveSettings('quick', items.map((i) => parseAssignment(i)));

describe('the settings schema', () => {
  it('accepts every profile as it is (their defaults go through the same checks)', () => {
    for (const p of Object.keys(PROFILES)) expect(() => resolveSettings(p)).not.toThrow();
  });

  it('rejects non-finite numbers however they are written', () => {
    expect(set('params.learningRate=1e999')).toThrow(/invalid setting params.learningRate = Infinity \(from --set params.learningRate=1e999\): expected a finite number > 0/);
    expect(set('params.learningRate=-1e999')).toThrow(/= -Infinity/);
    expect(() => resolveSettings('quick', { params: { learningRate: Number.NaN } })).toThrow(/params.learningRate = not a number \(from the overrides option\)/);
    expect(() => resolveSettings('quick', { transfer: { head: { learningRate: Infinity } } })).toThrow(/transfer.head.learningRate = Infinity/);
  });

  it('checks ranges and whole numbers with the models package\'s numbers', () => {
    expect(set('kfold.k=1')).toThrow(/invalid setting kfold.k = 1 .*expected a whole number ≥ 2/);
    expect(set('kfold.k=2.5')).toThrow(/kfold.k = 2.5/);
    expect(set('params.batchSize=0')).toThrow(/params.batchSize = 0 .*expected a whole number ≥ 1/);
    expect(set('kfold.params.batchSize=0')).toThrow(/kfold.params.batchSize = 0/);
    expect(set('params.dropout=5')).toThrow(/params.dropout = 5 .*expected a finite number ≥ 0 and < 1/);
    expect(set('params.dropout=1')).toThrow(/params.dropout = 1/);
    expect(set('params.momentum=1')).toThrow(/params.momentum = 1/);
    expect(set('params.epochs=0')).toThrow(/params.epochs = 0/);
    expect(set('validationFraction=1')).toThrow(/validationFraction = 1/);
    expect(set('tune.eta=1')).toThrow(/tune.eta = 1 .*≥ 2/);
    expect(set('transfer.inputSize=16')).toThrow(/transfer.inputSize = 16 .*≥ 32 and ≤ 224/);
    expect(set('data.trainSubset=5')).toThrow(/data.trainSubset = 5 .*≥ 10/);
    expect(set('callbacks.reduceLrOnPlateau.factor=1')).toThrow(/factor = 1/);
    expect(set('params.filters=[]')).toThrow(/params.filters = \[\] .*at least 1/);
    expect(set('params.filters=[8,0]')).toThrow(/params.filters.1 = 0/);
    // the same objects the models' own guards use
    expect((SETTINGS_SCHEMA as any).fields.params.fields.dropout.range).toBe(CNN_LIMITS.dropout);
    expect((SETTINGS_SCHEMA as any).fields.kfold.fields.params.fields.batchSize.range).toBe(TRAIN_LIMITS.batchSize);
  });

  it('checks enums, types and the rules between settings', () => {
    expect(set('params.activation=swish')).toThrow(/params.activation = "swish" .*one of relu, tanh, elu, selu, sigmoid/);
    expect(set('params.optimizer=lbfgs')).toThrow(/one of adam, sgd, rmsprop, adagrad, adamax/);
    expect(set('transfer.variants=["vgg11"]')).toThrow(/transfer.variants.0 = "vgg11"/);
    expect(set('transfer.variants=[]')).toThrow(/transfer.variants = \[\]/);
    expect(set('holdout.tune=yes')).toThrow(/holdout.tune = "yes" .*true or false/);
    expect(set('kfold.k=30000')).toThrow(/kfold.k = 30000 .*at most the number of training rows, kfold.subset = 20000 \(from profile quick\)/);
    expect(set('kfold.k=7000', 'kfold.subset=6000')).toThrow(/kfold.k = 7000 .*at most the number of training rows, kfold.subset = 6000 \(from --set kfold.subset=6000\)/);
    expect(set('kfold.subset=null', 'data.trainSubset=null', 'kfold.k=60001')).toThrow(/the 60000 training images/);
    expect(set('kfold.k=12', 'kfold.subset=11')).toThrow(/kfold.k = 12 \(from --set kfold.k=12\).*kfold.subset = 11 \(from --set kfold.subset=11\)/s);
    expect(set('tune.minEpochs=5')).toThrow(/tune.minEpochs = 5 .*≤ tune.maxEpochs = 2 \(from profile quick\)/);
    expect(set('params.filters=[8,8,8,8]', 'params.padding=valid')).toThrow(/params.filters \(from --set params.filters=.*shrink the 28x28 image/);
    expect(set('params.filters=[8,8,8,8]', 'params.padding=same')).not.toThrow();
    expect(set('speedrun.params.filters=[8,8,8,8]', 'speedrun.params.padding=valid')).toThrow(/invalid setting speedrun.params.filters \(from --set speedrun.params.filters=.*shrink the 28x28 image/);
    expect(set('speedrun.targets=[0]')).toThrow(/speedrun.targets.0 = 0 .*> 0 and ≤ 1/);
  });

  it('checks every search-space choice as a training parameter', () => {
    expect(set('tune.space={"batchSize":[64,0]}')).toThrow(/tune.space.batchSize.1 = 0/);
    expect(set('tune.space={"optimizer":[{"optimizer":"sgd","learningRate":1e999}]}')).toThrow(/tune.space.optimizer.0.learningRate = Infinity/);
    expect(set('tune.space={"arch":[{"filters":[8],"dropuot":0.1}]}')).toThrow(/unknown setting tune.space.arch.0.dropuot/);
    expect(set('tune.space={"arch":[3]}')).toThrow(/tune.space.arch.0 = 3 .*an object of training parameters/);
    expect(set('tune.space={"batchSize":[]}')).toThrow(/tune.space.batchSize = \[\]/);
    expect(set('tune.space={"arch":[{"filters":[8,8,8,8,8]}]}')).toThrow(/tune.space.filters .*shrink/);
  });

  it('takes the training recipe from --set and config layers, checks it, and leaves configurations without it as they were', () => {
    const s = resolveSettings('quick', [
      parseAssignment('params.schedule.kind=one-cycle'),
      parseAssignment('params.schedule.warmupFraction=0.2'),
      parseAssignment('params.augment={"flip":true,"translate":2}'),
      parseAssignment('params.augment.erase=0.5'),
      parseAssignment('params.labelSmoothing=0.1'),
      parseAssignment('params.ema.decay=0.99'),
      parseAssignment('params.ttaShift=1'),
      { from: 'config file fmnist.json', values: { params: { optimizer: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4, pooling: 'global-average', tta: true } } },
    ]);
    expect(s.params).toMatchObject({
      schedule: { kind: 'one-cycle', warmupFraction: 0.2 },
      augment: { flip: true, translate: 2, erase: 0.5 },
      labelSmoothing: 0.1,
      ema: { decay: 0.99 },
      nesterov: true,
      weightDecay: 5e-4,
      pooling: 'global-average',
      tta: true,
      ttaShift: 1,
    });
    // off by default: smoke's params (and so its runs' config hashes) have none of the keys, quick
    // only the one-cycle schedule; full sets what its recipe uses
    const recipeKeys = ['schedule', 'augment', 'labelSmoothing', 'ema', 'tta', 'ttaShift', 'nesterov', 'weightDecay', 'pooling'];
    for (const k of recipeKeys) expect(PROFILES.smoke.params).not.toHaveProperty(k);
    for (const k of recipeKeys) if (k !== 'schedule') expect(PROFILES.quick.params).not.toHaveProperty(k);
    expect(Object.keys(PROFILES.full.params).filter((k) => recipeKeys.includes(k)).sort()).toEqual(['augment', 'ema', 'labelSmoothing', 'schedule', 'tta']);
    expect(PROFILES.quick.params.schedule).toEqual({ kind: 'one-cycle' });
    expect(set('params.labelSmoothing=1')).toThrow(/params.labelSmoothing = 1 .*expected a finite number ≥ 0 and < 1/);
    expect(set('params.augment.translate=9')).toThrow(/params.augment.translate = 9 .*≤ 8/);
    expect(set('params.augment.erase=1.5')).toThrow(/params.augment.erase = 1.5 .*≤ 1/);
    expect(set('params.ttaShift=0.5')).toThrow(/params.ttaShift = 0.5 .*whole number/);
    expect(set('params.ttaShift=9')).toThrow(/params.ttaShift = 9 .*≤ 8/);
    expect(set('params.ema.decay=1')).toThrow(/params.ema.decay = 1 .*> 0 and < 1/);
    expect(set('params.ema.warmupEpochs=1')).toThrow(/setting params.ema.decay .*is missing/);
    expect(set('params.schedule.kind=cosine')).toThrow(/params.schedule.kind = "cosine" .*one of one-cycle, triangular/);
    // (on smoke: quick's params have a one-cycle schedule already)
    expect(() => resolveSettings('smoke', parseAssignments(['params.schedule.warmupFraction=0.3']))).toThrow(/params.schedule.kind .*is missing/);
    expect(set('params.schedule={"kind":"triangular","anneal":"linear"}')).toThrow(/invalid setting params.schedule .*anneal does not apply to a triangular schedule/);
    expect(set('params.nesterov=1')).toThrow(/params.nesterov = 1 .*true or false/);
    expect(set('params.pooling=max')).toThrow(/params.pooling = "max" .*one of flatten, global-average/);
    expect(set('kfold.params.schedule={"cycles":2}')).toThrow(/kfold.params.schedule.kind .*is missing/);
    expect(set('tune.space={"optimizer":[{"optimizer":"sgd","weightDecay":-1}]}')).toThrow(/tune.space.optimizer.0.weightDecay = -1/);
    expect(set('tune.space={"recipe":[{"schedule":{"kind":"triangular","endFactor":0}}]}')).toThrow(/tune.space.schedule .*endFactor does not apply/);
    const plateau = parseAssignment('callbacks.reduceLrOnPlateau={"factor":0.5,"patience":1}');
    expect(() => resolveSettings('full', [plateau])).toThrow(/params.schedule .*callbacks.reduceLrOnPlateau both set the learning rate/);
    expect(() => resolveSettings('full', [plateau, parseAssignment('callbacks.reduceLrOnPlateau=null')])).not.toThrow();
    // null removes a recipe group again
    expect(resolveSettings('quick', [parseAssignment('params.ema.decay=0.9'), parseAssignment('params.ema=null')]).params).not.toHaveProperty('ema');
  });

  it('rejects unknown keys, naming the ones allowed there', () => {
    const e = (() => {
      try {
        set('kfold.kk=3')();
      } catch (x) {
        return x as SettingsError;
      }
    })();
    expect(e).toBeInstanceOf(SettingsError);
    expect(e?.message).toBe('unknown setting kfold.kk (from --set kfold.kk=3); settings here: k, subset, params');
    expect(e?.setting).toBe('kfold.kk');
    expect(e?.known).toEqual(['k', 'subset', 'params']);
    expect(set('transfer.weights.vgg11=/w.h5')).toThrow(/unknown setting transfer.weights.vgg11/);
    expect(settingPaths()).toContain('kfold.params.batchSize');
  });

  it('rejects prototype keys in any path segment or value, and pollutes nothing', () => {
    for (const item of ['__proto__.x=1', 'constructor.x=1', 'prototype=1', 'kfold.__proto__.k=1', 'params.constructor=1', 'tune.space.__proto__=[1]', 'transfer.weights.__proto__=1', 'kfold={"__proto__":{"k":1}}', 'tune.space={"arch":[{"__proto__":{"x":1}}]}']) {
      expect(set(item), item).toThrow(/uses the reserved name "(__proto__|constructor|prototype)"/);
    }
    expect(() => resolveSettings('__proto__')).toThrow(/unknown profile '__proto__'/);
    expect(() => resolveSettings('constructor')).toThrow(/unknown profile/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(({} as Record<string, unknown>).k).toBeUndefined();
  });

  it('names the layer a value came from; later layers win, null removes a profile group', () => {
    const layers = [
      { from: 'flag --batch-size', values: { params: { batchSize: 64 }, kfold: { params: { batchSize: 64 } } } },
      parseAssignment('params.batchSize=32'),
      parseAssignment('callbacks.earlyStopping.patience=2'),
      parseAssignment('callbacks=null'),
    ];
    const s = resolveSettings('full', layers);
    expect(s.params.batchSize).toBe(32);
    expect(s.kfold.params?.batchSize).toBe(64);
    expect(s.callbacks).toEqual({});
    expect(resolveSettings('full', mergeLayers(layers))).toEqual(s);
    expect(() => resolveSettings('quick', [{ from: 'flag --folds', values: { kfold: { k: 0 } } }])).toThrow(/kfold.k = 0 \(from flag --folds\)/);
    expect(() => parseAssignment('kfold.k')).toThrow(/expected key.path=value/);
    expect(() => parseAssignment('kfold..k=1')).toThrow(/expected key.path=value/);
    expect(parseAssignments(['kfold.k=4'])).toEqual({ kfold: { k: 4 } });
  });

  it('a technique rejects bad overrides before it opens a run directory or takes a lock', async () => {
    const { runKFold } = await import('../techniques/kfold');
    const { runHoldout } = await import('../techniques/holdout');
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-settings-'));
    try {
      const runsDir = join(dir, 'runs');
      await expect(runKFold({ runsDir, dataDir: join(dir, 'none'), overrides: { kfold: { k: 1 } } })).rejects.toThrow(/invalid setting kfold.k = 1 \(from the overrides option\)/);
      await expect(runHoldout({ runsDir, dataDir: join(dir, 'none'), overrides: { params: { learningRate: 1e999 } } })).rejects.toBeInstanceOf(SettingsError);
      expect(existsSync(runsDir)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
