import { resolveSettings } from '@fmnist/experiments';
import { describe, expect, it } from 'vitest';
import { parseSet, toOverrides } from './techniques';

describe('flags → experiment settings overrides', () => {
  it('maps every training flag onto the experiments package settings, which accept them', () => {
    const o = toOverrides({
      epochs: 4,
      batchSize: 64,
      trainSize: 1000,
      testSize: 200,
      folds: 3,
      method: 'grid',
      trials: 5,
      tune: false,
      variants: ['vgg19'],
      inputSize: 48,
      vgg19Weights: '/w/model.json',
      fineTune: true,
    });
    for (const profile of ['quick', 'full']) {
      const s = resolveSettings(profile, o as any) as any;
      expect(s.params).toMatchObject({ epochs: 4, batchSize: 64 });
      expect(s.data).toMatchObject({ trainSubset: 1000, testSubset: 200 });
      expect(s.kfold).toMatchObject({ k: 3, subset: 1000, params: { epochs: 4, batchSize: 64 } });
      expect(s.tune).toMatchObject({ method: 'grid', maxTrials: 5, subset: 1000 });
      expect(s.holdout).toMatchObject({ tune: false, epochs: 4, batchSize: 64 });
      expect(s.transfer).toMatchObject({ variants: ['vgg19'], inputSize: 48, trainSubset: 1000, testSubset: 200, weights: { vgg19: '/w/model.json' } });
      expect(s.transfer.head).toMatchObject({ epochs: 4, batchSize: 64 });
      expect(s.transfer.fineTune.enabled).toBe(true);
    }
  });

  it('gives no overrides when no flag is set, so the profile applies as is', () => {
    expect(toOverrides({})).toBeUndefined();
    expect(resolveSettings('quick', toOverrides({}) as any)).toEqual(resolveSettings('quick'));
  });

  it('--set reaches any setting, parses JSON values and wins over the named flags', () => {
    const o = toOverrides({ folds: 3, set: ['kfold.k=5', 'params.filters=[8,16]', 'tune.method=halving'] }) as any;
    expect(o.kfold.k).toBe(5);
    expect(o.params.filters).toEqual([8, 16]);
    expect(resolveSettings('quick', o).params.filters).toEqual([8, 16]);
    expect(() => parseSet(['novalue'])).toThrow(/key.path=value/);
  });

  it('an override the experiments package does not know is rejected there, naming it', () => {
    expect(() => resolveSettings('quick', toOverrides({ set: ['kfold.kk=5'] }) as any)).toThrow(/kfold\.kk/);
  });
});
