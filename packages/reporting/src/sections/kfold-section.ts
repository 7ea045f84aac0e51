import { barChart, curvesChart } from '../charts';
import { note, p, type Section } from '../document';
import { count, fixed, isNum, mean, pct, std } from '../format';
import type { RunLookup } from '../run-inputs';
import { ORIGINAL_STUDY } from '@fmnist/core';
import { cnnRecipeBlocks } from './recipe';
import { historyOf, historyPoints, learningRatePoints } from './history';
import { scheduleSentence } from './schedule';
import { runLine } from './run-label';

interface Fold {
  fold: number;
  history: unknown;
  stoppedEarly?: boolean;
  train?: { accuracy?: number; loss?: number };
  validation?: { accuracy?: number; loss?: number };
  test?: { accuracy?: number; loss?: number };
}

type Stat = { mean?: number; std?: number } | undefined;

/** Mean ± std from results.json's summary, or computed from the folds when the summary lacks it. */
function stat(given: Stat, xs: (number | undefined)[]): { mean?: number; std?: number } {
  if (given && isNum(given.mean)) return { mean: given.mean, std: given.std };
  const v = xs.filter(isNum);
  return v.length ? { mean: mean(v), std: std(v) } : {};
}

export function kfoldSection(kfold: RunLookup): Section {
  const section: Section = { id: 'kfold', title: '3. Technique 2: k-fold cross-validation', blocks: [] };
  const b = section.blocks;
  b.push(
    p(
      'Stratified k-fold cross-validation on the training set: each fold trains on k−1 parts and validates on the remaining one; each fold\u2019s model is also scored on the test set, and the folds\u2019 averaged predictions form an ensemble. ',
      `The original study averaged ${pct(ORIGINAL_STUDY.kfold.train)} train and ${pct(ORIGINAL_STUDY.kfold.test)} test accuracy over 5 folds.`,
    ),
  );
  if (!kfold.run) {
    b.push(note(`No k-fold results: ${kfold.problem}. Run `, { code: 'fmnist kfold' }, ' (or ', { code: 'nx run experiments:kfold' }, ').'));
    return section;
  }
  const r = kfold.run.results;
  const folds: Fold[] = Array.isArray(r.folds) ? [...r.folds].sort((a, c) => a.fold - c.fold) : [];
  b.push(p(...runLine(kfold), ` k = ${r.k ?? folds.length}.`));
  if (r.data && (isNum(r.data.trainRows) || isNum(r.data.testRows))) {
    b.push(p(`Data: ${count(r.data.trainRows)} training rows split into ${r.k ?? folds.length} folds, ${count(r.data.testRows)} test rows.`));
  }
  if (!folds.length) {
    b.push(note('The k-fold results hold no folds.'));
    return section;
  }
  b.push(...cnnRecipeBlocks(r.params, { callbacks: r.callbacks, folds: r.k ?? folds.length }));
  const schedule = scheduleSentence(r.callbacks, r.params?.epochs);
  if (schedule) b.push(p(schedule));
  const name = (f: Fold) => `fold ${f.fold}`;
  const acc = folds.flatMap((f) => historyPoints(historyOf(f.history, kfold.run!.metrics, 'fold', String(f.fold)), 'accuracy', name(f)));
  if (acc.length) {
    b.push({
      kind: 'figure',
      name: 'kfold-accuracy',
      caption: 'Accuracy vs epochs per fold: training (solid) and validation (dashed).',
      chart: curvesChart({ points: acc, yTitle: 'accuracy', title: 'Accuracy vs epochs, per fold', percent: true, grouped: true }),
    });
  }
  const loss = folds.flatMap((f) => historyPoints(historyOf(f.history, kfold.run!.metrics, 'fold', String(f.fold)), 'loss', name(f)).filter((x) => x.series === 'train'));
  if (loss.length) {
    b.push({
      kind: 'figure',
      name: 'kfold-loss',
      caption: 'Training loss vs epochs per fold.',
      chart: curvesChart({ points: loss, yTitle: 'training loss', title: 'Training loss vs epochs, per fold', grouped: true }),
    });
  }
  const lr = folds.flatMap((f) => learningRatePoints(historyOf(f.history, kfold.run!.metrics, 'fold', String(f.fold)), name(f)));
  if (lr.length) {
    b.push({
      kind: 'figure',
      name: 'kfold-learning-rate',
      caption: 'Learning rate in each epoch per fold, lowered by the schedule on validation-loss plateaus (log scale).',
      chart: curvesChart({ points: lr, yTitle: 'learning rate', title: 'Learning rate vs epochs, per fold', grouped: true, logY: true }),
    });
  }
  const valLoss = folds.filter((f) => isNum(f.validation?.loss));
  if (valLoss.length) {
    b.push({
      kind: 'figure',
      name: 'kfold-validation-loss',
      caption: 'Validation loss of each fold\u2019s final model.',
      chart: barChart({ bars: valLoss.map((f) => ({ name: name(f), value: f.validation!.loss! })), yTitle: 'validation loss', title: 'Validation loss per fold' }),
    });
  }
  const s = r.summary ?? {};
  const rows: [string, { mean?: number; std?: number }, boolean][] = [
    ['train accuracy', stat(s.trainAccuracy, folds.map((f) => f.train?.accuracy)), true],
    ['validation accuracy', stat(s.validationAccuracy, folds.map((f) => f.validation?.accuracy)), true],
    ['validation loss', stat(s.validationLoss, folds.map((f) => f.validation?.loss)), false],
    ['test accuracy', stat(s.testAccuracy, folds.map((f) => f.test?.accuracy)), true],
  ];
  b.push({
    kind: 'table',
    caption: `Mean ± standard deviation over ${folds.length} folds`,
    columns: ['metric', 'mean', '± std', 'original study (mean)'],
    numeric: [false, true, true, true],
    rows: rows.map(([label, v, isPct]) => [
      label,
      isPct ? pct(v.mean) : fixed(v.mean),
      isPct ? pct(v.std) : fixed(v.std),
      label === 'train accuracy' ? pct(ORIGINAL_STUDY.kfold.train) : label === 'test accuracy' ? pct(ORIGINAL_STUDY.kfold.test) : '—',
    ]),
  });
  b.push({
    kind: 'table',
    caption: 'Per-fold scores and the ensemble of all folds on the test set',
    columns: ['model', 'epochs', 'train acc.', 'val. acc.', 'val. loss', 'test acc.', 'test loss'],
    numeric: [false, true, true, true, true, true, true],
    rows: [
      ...folds.map((f) => {
        const h = historyOf(f.history, kfold.run!.metrics, 'fold', String(f.fold));
        const last = h.length ? h[h.length - 1].epoch : undefined;
        const early = f.stoppedEarly === true && !(isNum(r.params?.epochs) && last === r.params.epochs);
        const epochs = last !== undefined ? `${last}${early ? ' (stopped early)' : ''}` : '—';
        return [name(f), epochs, pct(f.train?.accuracy), pct(f.validation?.accuracy), fixed(f.validation?.loss), pct(f.test?.accuracy), fixed(f.test?.loss)];
      }),
      ['ensemble', '—', '—', '—', '—', pct(r.ensemble?.test?.accuracy), fixed(r.ensemble?.test?.loss)],
    ],
  });
  return section;
}
