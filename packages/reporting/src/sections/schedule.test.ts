import { describe, expect, it } from 'vitest';
import { scheduleSentence, trainedSentence } from './schedule';

describe('schedule sentences', () => {
  it('describe the callbacks, or nothing without them', () => {
    expect(scheduleSentence({}, 30)).toBe('');
    expect(scheduleSentence(undefined, 30)).toBe('');
    expect(scheduleSentence({ earlyStopping: { patience: 4, minDelta: 0.001 } }, 30)).toBe(
      'Up to 30 epochs: training stopped after 4 epochs in a row without a validation loss more than 0.001 below the best (the last weights are kept). The test set played no part in either.',
    );
    expect(scheduleSentence({ reduceLrOnPlateau: { factor: 0.5, patience: 1 }, earlyStopping: { patience: 3 } }, 30)).toBe(
      'Up to 30 epochs: the learning rate was multiplied by 0.5 after each epoch without a lower validation loss; training stopped after 3 epochs in a row without one (the last weights are kept). The test set played no part in either.',
    );
    expect(scheduleSentence({ reduceLrOnPlateau: { factor: 0.2, patience: 2 } }, 1)).toBe(
      'Up to 1 epoch: the learning rate was multiplied by 0.2 after 2 epochs without a lower validation loss. The test set played no part in either.',
    );
  });

  it('say how many epochs ran and the final rate when it changed', () => {
    const h = [1, 2, 3].map((epoch) => ({ epoch, learningRate: epoch < 3 ? 0.001 : 0.0005 }));
    expect(trainedSentence(h, 30, true)).toBe('Trained 3 of 30 epochs (early stopping); final learning rate 0.0005.');
    expect(trainedSentence(h.map((e) => ({ epoch: e.epoch })), 3, false)).toBe('Trained 3 of 3 epochs.');
    expect(trainedSentence([], 3, false)).toBe('');
  });
});
