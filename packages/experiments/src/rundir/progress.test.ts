import { describe, expect, it, vi } from 'vitest';
import { createEta, formatEpochLine, lineOptions } from './progress';

const metrics = { epoch: 7, loss: 0.25, accuracy: 0.91, valLoss: 0.3, valAccuracy: 0.9, seconds: 100, imagesPerSecond: 480.4, learningRate: 0.000125 };

describe('epoch lines', () => {
  it('show the learning rate under a schedule and an upper-bound ETA with early stopping', () => {
    const full = lineOptions({ reduceLrOnPlateau: { factor: 0.5, patience: 1 }, earlyStopping: { patience: 3 } });
    expect(formatEpochLine({ unit: 'fold 2/5', epochs: 30, metrics, etaSeconds: 3725, ...full })).toBe(
      'fold 2/5 epoch 7/30 loss 0.2500 acc 0.9100 val_loss 0.3000 val_acc 0.9000 lr 0.000125 480 img/s ETA ≤ 1h02m',
    );
    expect(formatEpochLine({ unit: 'holdout', epochs: 3, metrics, etaSeconds: 0, ...full })).toMatch(/ETA 0s$/);
    expect(formatEpochLine({ unit: 'holdout', epochs: 30, metrics, etaSeconds: 65, ...lineOptions({}) })).toBe(
      'holdout epoch 7/30 loss 0.2500 acc 0.9100 val_loss 0.3000 val_acc 0.9000 480 img/s ETA 1m05s',
    );
    // a per-step schedule (params.schedule) shows the rate of the epoch's last step too
    expect(formatEpochLine({ unit: 'holdout', epochs: 30, metrics, ...lineOptions({}, { schedule: { kind: 'one-cycle' } }) })).toContain('val_acc 0.9000 lr 0.000125 480 img/s');
  });

  it('ETA counts resumed epochs, units finished earlier and early stops as done', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(0);
      const eta = createEta(5 * 30); // 5 folds of up to 30 epochs
      eta.unitFinished('fold 1', 12, 30); // finished by an earlier process: 30 off the plan
      vi.setSystemTime(10_000);
      // fold 2 resumes at epoch 7: 6 epochs were done before; 120 - 6 - 1 left at 10 s each
      expect(eta.epochDone('fold 2', 7)).toBe(1130);
      vi.setSystemTime(20_000);
      expect(eta.epochDone('fold 2', 8)).toBe(1120);
      eta.unitFinished('fold 2', 8, 30); // stopped early: 22 planned epochs never come
      vi.setSystemTime(30_000);
      expect(eta.epochDone('fold 3', 1)).toBe(10 * (150 - 30 - 6 - 22 - 3));
    } finally {
      vi.useRealTimers();
    }
  });

  it('ETA counts from the first unit that starts, not from the minutes its units waited for cores', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(0);
      const eta = createEta(5 * 15);
      vi.setSystemTime(300_000); // 5 min behind another technique's units
      eta.started();
      vi.setSystemTime(360_000);
      eta.started(); // a second fold starting changes nothing
      vi.setSystemTime(370_000);
      expect(eta.epochDone('fold 1', 1)).toBe(70 * 74); // 70 s per epoch, not 370
      // without started(), the clock is the creation time (in-process loops that never wait)
      const plain = createEta(2);
      vi.setSystemTime(380_000);
      expect(plain.epochDone()).toBe(10);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ETA shrinks when a unit stops early', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(0);
      const eta = createEta(10);
      vi.setSystemTime(10_000);
      expect(eta.epochDone()).toBe(90); // 10 s per epoch, 9 left
      eta.addTotal(-5); // a fold stopped 5 epochs early
      vi.setSystemTime(20_000);
      expect(eta.epochDone()).toBe(30);
    } finally {
      vi.useRealTimers();
    }
  });
});
