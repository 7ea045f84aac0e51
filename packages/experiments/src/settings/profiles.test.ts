import { describe, expect, it } from 'vitest';
import { parseAssignment, parseAssignments } from './overrides';
import { PROFILES, resolveSettings } from './profiles';

describe('profiles and overrides', () => {
  it('deep-merges overrides, arrays replace', () => {
    const s = resolveSettings('quick', parseAssignments(['kfold.k=3', 'params.filters=[8,16]', 'tune.method=grid', 'kfold.params.epochs=1']));
    expect(s.kfold.k).toBe(3);
    expect(s.params.filters).toEqual([8, 16]);
    expect(s.params.activation).toBe(PROFILES.quick.params.activation);
    expect(s.tune.method).toBe('grid');
    expect(s.kfold.params?.epochs).toBe(1);
    expect(PROFILES.quick.kfold.k).toBe(5);
  });

  it('rejects unknown keys and wrong kinds with the setting named', () => {
    expect(() => resolveSettings('quick', parseAssignments(['kfold.kk=5']))).toThrow(/unknown setting kfold.kk \(from --set kfold.kk=5\); settings here: k, subset, params/);
    // what a shell that strips quotes makes of a JSON object
    expect(() => resolveSettings('quick', parseAssignments(['kfold.params={filters:[4]}']))).toThrow(/invalid setting kfold.params = "\{filters:\[4\]\}" .*expected an object/);
    expect(() => resolveSettings('quick', parseAssignments(['params.epochs=two']))).toThrow(/invalid setting params.epochs = "two" .*expected a whole number ≥ 1/);
    expect(() => resolveSettings('nope')).toThrow(/unknown profile 'nope'; use smoke, quick, full/);
  });

  it('full profile: all the data, 5 folds, the tuned network trained with the whole recipe', () => {
    const f = resolveSettings('full');
    expect(f.data).toEqual({});
    expect(f.kfold.k).toBe(5);
    expect(f.holdout.tune).toBe(true);
    expect(f.holdout.epochs).toBe(f.params.epochs);
    expect(f.params.schedule?.kind).toBe('one-cycle');
    expect(f.params.augment).toEqual({ flip: true, translate: 2 });
    // flip averaging only for a network trained on flips; averaged weights after a warm-up
    expect(f.params.tta).toBe(true);
    expect(f.params.ema?.warmupEpochs).toBeGreaterThan(0);
    // the schedule sets every learning rate: no plateau callback beside it
    expect(f.callbacks).toEqual({});
    expect(f.transfer.trainSubset).toBeUndefined();
    expect(resolveSettings('quick').callbacks).toEqual({});
  });

  it('accepts callback overrides on a profile without callbacks and checks their kinds', () => {
    const s = resolveSettings('smoke', parseAssignments(['callbacks.earlyStopping.patience=4', 'callbacks.reduceLrOnPlateau={"factor":0.5,"patience":2}']));
    expect(s.callbacks).toEqual({ earlyStopping: { patience: 4 }, reduceLrOnPlateau: { factor: 0.5, patience: 2 } });
    expect(() => resolveSettings('quick', parseAssignments(['callbacks.earlyStopping.patience=soon']))).toThrow(/invalid setting callbacks.earlyStopping.patience = "soon"/);
    expect(() => resolveSettings('full', parseAssignments(['callbacks.stop=1']))).toThrow(/unknown setting callbacks.stop/);
    expect(() => resolveSettings('full', parseAssignments(['callbacks.reduceLrOnPlateau.factor=2']))).toThrow(/callbacks.reduceLrOnPlateau.factor = 2 .*expected a finite number > 0 and < 1/);
    // null removes a group: plain epochs again
    const both = ['callbacks.earlyStopping.patience=3', 'callbacks.reduceLrOnPlateau={"factor":0.5,"patience":1}'].map((a) => parseAssignment(a));
    expect(resolveSettings('smoke', [...both, parseAssignment('callbacks=null')]).callbacks).toEqual({});
    expect(resolveSettings('smoke', [...both, parseAssignment('callbacks.earlyStopping=null')]).callbacks).toEqual({ reduceLrOnPlateau: { factor: 0.5, patience: 1 } });
    expect(() => resolveSettings('full', parseAssignments(['params.epochs=null']))).toThrow(/invalid setting params.epochs = null/);
    expect(() => resolveSettings('full', parseAssignments(['params=null']))).toThrow(/invalid setting params = null .*expected an object/);
    expect(() => resolveSettings('full', parseAssignments(['callbacks.earlyStopping.patience=0']))).toThrow(/callbacks.earlyStopping.patience = 0 .*expected a whole number ≥ 1/);
  });

  it('quick keeps the original study\'s structure and scores on every test image; smoke is tiny', () => {
    const q = resolveSettings('quick');
    expect(q.holdout.tune).toBe(true);
    expect(q.kfold.k).toBe(5);
    expect(q.data.testSubset).toBeUndefined();
    expect(q.transfer.testSubset).toBeUndefined();
    expect(q.transfer.variants).toEqual(['vgg16', 'vgg19']);
    const s = resolveSettings('smoke');
    expect(s.data.trainSubset).toBeLessThanOrEqual(1000);
    expect(s.speedrun.trainSubset).toBeLessThanOrEqual(1000);
    // the speed-run's figures are on all the data outside smoke
    for (const p of ['quick', 'full']) {
      const sp = resolveSettings(p).speedrun;
      expect([sp.targets, sp.trainSubset, sp.testSubset]).toEqual([[0.92, 0.93], undefined, undefined]);
    }
  });
});
