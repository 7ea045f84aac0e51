import { mergeLayers, PROFILE_NAMES, resolveSettings } from '@fmnist/experiments';
import { describe, expect, it } from 'vitest';
import { flagOrigin, type LoadedConfig } from './config-file';
import { flagLayers, setItems, suggestSetting } from './settings-flags';

const fromFlag = (flag: string) => `flag --${flag}`;

describe('training flags → experiment settings layers', () => {
  it('maps every training flag onto the experiments package settings, which accept them', () => {
    const layers = flagLayers(
      { epochs: 4, 'batch-size': 64, 'train-size': 1000, 'test-size': 200, folds: 3, method: 'grid', trials: 5, tune: false, variants: ['vgg19'], 'input-size': 48, 'vgg19-weights': '/w/model.json', 'fine-tune': true, targets: [0.9], 'max-epochs': 7 },
      fromFlag,
    );
    for (const profile of PROFILE_NAMES) {
      const s = resolveSettings(profile, layers);
      expect(s.params).toMatchObject({ epochs: 4, batchSize: 64 });
      expect(s.data).toMatchObject({ trainSubset: 1000, testSubset: 200 });
      expect(s.kfold).toMatchObject({ k: 3, subset: 1000, params: { epochs: 4, batchSize: 64 } });
      expect(s.tune).toMatchObject({ method: 'grid', maxTrials: 5, subset: 1000 });
      expect(s.holdout).toMatchObject({ tune: false, epochs: 4, batchSize: 64 });
      expect(s.transfer).toMatchObject({ variants: ['vgg19'], inputSize: 48, trainSubset: 1000, testSubset: 200, weights: { vgg19: '/w/model.json' } });
      expect(s.transfer.head).toMatchObject({ epochs: 4, batchSize: 64 });
      expect(s.transfer.fineTune.enabled).toBe(true);
      expect(s.speedrun.targets).toEqual([0.9]);
      expect(s.speedrun.params.epochs).toBe(7);
    }
  });

  it('offers --profile with exactly the profiles the experiments package has', async () => {
    const { GLOBAL_OPTIONS } = await import('./options');
    expect(GLOBAL_OPTIONS.profile.choices).toEqual(PROFILE_NAMES);
  });

  it('gives no layers when no flag is set, so the profile applies as is', () => {
    expect(flagLayers({}, fromFlag)).toEqual([]);
    expect(resolveSettings('quick', mergeLayers([]))).toEqual(resolveSettings('quick'));
  });

  it('names each flag in the error of a bad value, with the setting and the range', () => {
    expect(() => resolveSettings('quick', flagLayers({ 'batch-size': 0 }, fromFlag))).toThrow('invalid setting params.batchSize = 0 (from flag --batch-size): expected a whole number ≥ 1');
    expect(() => resolveSettings('quick', flagLayers({ folds: Number.NaN }, fromFlag))).toThrow('invalid setting kfold.k = not a number (from flag --folds)');
    expect(() => resolveSettings('quick', flagLayers({ 'input-size': 500 }, fromFlag))).toThrow(/transfer.inputSize = 500 .*≤ 224/);
  });

  it('--set items keep their text as their origin; the config file is named when it set them', () => {
    expect(setItems({ set: ['kfold.k=5'] }, fromFlag)).toEqual([{ item: 'kfold.k=5', from: '--set kfold.k=5' }]);
    expect(setItems({ set: ['kfold.k=5'] }, () => '/x/fmnist.config.json key "set"')).toEqual([{ item: 'kfold.k=5', from: '/x/fmnist.config.json key "set": kfold.k=5' }]);
  });

  it('a flag value comes from the config file only when the command line does not give it', () => {
    const config: LoadedConfig = { path: '/x/fmnist.config.json', values: { 'batch-size': 0, folds: 1 }, keys: { 'batch-size': 'batchSize', folds: 'folds' } };
    expect(flagOrigin('batch-size', { argv: ['kfold'], config })).toBe('/x/fmnist.config.json key "batchSize"');
    expect(flagOrigin('batch-size', { argv: ['kfold', '--batch-size', '0'], config })).toBe('flag --batch-size');
    expect(flagOrigin('batch-size', { argv: ['kfold', '--batchSize=0'], config })).toBe('flag --batch-size');
    expect(flagOrigin('folds', { argv: ['kfold', '-k', '1'], config, aliases: ['k'] })).toBe('flag --folds');
    expect(flagOrigin('folds', { argv: ['kfold', '--', '-k'], config, aliases: ['k'] })).toBe('/x/fmnist.config.json key "folds"');
    expect(flagOrigin('epochs', { argv: [], config: { values: {} } })).toBe('flag --epochs');
  });

  it('suggests the setting meant by an unknown key', () => {
    const paths = ['kfold', 'kfold.k', 'kfold.subset', 'params', 'params.batchSize', 'holdout.batchSize'];
    expect(suggestSetting('k', paths)).toBe('kfold.k');
    expect(suggestSetting('kfold.kk', paths)).toBe('kfold.k');
    expect(suggestSetting('batchSize', paths)).toBe('params.batchSize or holdout.batchSize');
    expect(suggestSetting('zzzzzz', paths)).toBeUndefined();
  });
});
