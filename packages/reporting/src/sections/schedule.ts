import { isNum, value } from '../format';
import { asHistory } from './history';

interface Callbacks {
  reduceLrOnPlateau?: { factor?: number; patience?: number; minLearningRate?: number };
  earlyStopping?: { patience?: number; minDelta?: number };
}

const epochsWord = (n: number) => `${n} epoch${n === 1 ? '' : 's'}`;

/**
 * One sentence on how long the reported model trained: the learning-rate schedule and early
 * stopping from results.json's `callbacks`, or '' when the run trained a plain `epochs`.
 */
export function scheduleSentence(callbacks: unknown, maxEpochs: unknown): string {
  const c = (callbacks && typeof callbacks === 'object' ? callbacks : {}) as Callbacks;
  const parts: string[] = [];
  const lr = c.reduceLrOnPlateau;
  if (lr && isNum(lr.factor) && isNum(lr.patience)) {
    parts.push(
      `the learning rate was multiplied by ${value(lr.factor)} after ${lr.patience === 1 ? 'each epoch' : `${lr.patience} epochs`} without a lower validation loss` +
        (isNum(lr.minLearningRate) && lr.minLearningRate > 0 ? ` (not below ${value(lr.minLearningRate)})` : ''),
    );
  }
  const es = c.earlyStopping;
  if (es && isNum(es.patience)) {
    const delta = isNum(es.minDelta) && es.minDelta > 0 ? value(es.minDelta) : undefined;
    const what = parts.length
      ? delta ? `one more than ${delta} below the best` : 'one'
      : delta ? `a validation loss more than ${delta} below the best` : 'a lower validation loss';
    parts.push(`training stopped after ${epochsWord(es.patience)} in a row without ${what} (the last weights are kept)`);
  }
  if (!parts.length) return '';
  return `Up to ${isNum(maxEpochs) ? epochsWord(maxEpochs) : 'the configured epochs'}: ${parts.join('; ')}. The test set played no part in either.`;
}

/** "Trained 17 of 30 epochs (early stopping); final learning rate 0.000125." or '' without history. */
export function trainedSentence(history: unknown, maxEpochs: unknown, stoppedEarly: unknown): string {
  const h = asHistory(history) as { epoch: number; learningRate?: number }[];
  if (!h.length) return '';
  const last = h[h.length - 1];
  const lr = isNum(last.learningRate) && isNum(h[0].learningRate) && last.learningRate !== h[0].learningRate ? `; final learning rate ${value(last.learningRate)}` : '';
  return `Trained ${last.epoch}${isNum(maxEpochs) ? ` of ${maxEpochs}` : ''} epochs${stoppedEarly === true ? ' (early stopping)' : ''}${lr}.`;
}
