import { comparisonChart, confusionChart, perClassChart } from '../charts';
import { note, p, type Section } from '../document';
import { DASH, fixed, int, isNum, mean, pct } from '../format';
import type { RunLookup, Technique } from '../run-inputs';
import { CLASS_NAMES, ORIGINAL_STUDY } from '@fmnist/core';
import { transferModels } from './transfer-section';

interface Evaluation {
  accuracy?: number;
  loss?: number;
  confusion?: number[][];
  perClass?: { label: number; name?: string; precision: number; recall: number; f1: number; support: number }[];
}

export interface Row {
  technique: string;
  train?: number;
  test?: number;
  originalTrain?: number;
  originalTest?: number;
  evaluation?: Evaluation;
}

export function techniqueRows(runs: Record<Technique, RunLookup>): Row[] {
  const rows: Row[] = [];
  const h = runs.holdout.run?.results;
  if (h) rows.push({ technique: h.tuning ? 'Holdout (tuned CNN)' : 'Holdout (untuned CNN)', train: h.train?.accuracy, test: h.test?.accuracy, originalTest: ORIGINAL_STUDY.holdout.test, evaluation: h.test });
  const k = runs.kfold.run?.results;
  if (k) {
    const folds: any[] = Array.isArray(k.folds) ? k.folds : [];
    const avg = (xs: unknown[]) => {
      const v = xs.filter(isNum);
      return v.length ? mean(v) : undefined;
    };
    const train = isNum(k.summary?.trainAccuracy?.mean) ? k.summary.trainAccuracy.mean : avg(folds.map((f) => f.train?.accuracy));
    const test = isNum(k.summary?.testAccuracy?.mean) ? k.summary.testAccuracy.mean : avg(folds.map((f) => f.test?.accuracy));
    rows.push({ technique: `${k.k ?? folds.length}-fold CV (mean of folds)`, train, test, originalTrain: ORIGINAL_STUDY.kfold.train, originalTest: ORIGINAL_STUDY.kfold.test });
    if (k.ensemble?.test) rows.push({ technique: `${k.k ?? folds.length}-fold CV ensemble`, test: k.ensemble.test.accuracy, evaluation: k.ensemble.test });
  }
  for (const m of transferModels(runs.transfer)) {
    const original = m.variant === 'vgg16' ? ORIGINAL_STUDY.vgg16.test : m.variant === 'vgg19' ? ORIGINAL_STUDY.vgg19.test : undefined;
    const ran = m.status === 'complete';
    rows.push({
      technique: `${m.variant.toUpperCase()} transfer${ran ? '' : ` (${m.status ?? 'not run'})`}`,
      train: ran ? m.train?.accuracy : undefined,
      test: ran ? m.test?.accuracy : undefined,
      originalTest: original,
      evaluation: ran ? m.test : undefined,
    });
  }
  return rows;
}

function delta(a?: number, b?: number): string {
  if (!isNum(a) || !isNum(b)) return DASH;
  const d = (a - b) * 100;
  return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(2)} pt`;
}

export function comparisonSection(runs: Record<Technique, RunLookup>): Section {
  const section: Section = { id: 'comparison', title: '5. Comparison of the techniques', blocks: [] };
  const b = section.blocks;
  const rows = techniqueRows(runs);
  if (!rows.length) {
    b.push(note('Nothing to compare yet: no holdout, k-fold or transfer run has results. The original study\u2019s numbers, for reference: holdout ', pct(ORIGINAL_STUDY.holdout.test), ' test; 5-fold ', pct(ORIGINAL_STUDY.kfold.train), ' train / ', pct(ORIGINAL_STUDY.kfold.test), ' test; VGG16 ', pct(ORIGINAL_STUDY.vgg16.test), '; VGG19 ', pct(ORIGINAL_STUDY.vgg19.test), '.'));
    return section;
  }
  b.push({
    kind: 'table',
    caption: 'Accuracy of each technique, with the original study\u2019s as reference',
    columns: ['technique', 'train acc.', 'test acc.', 'original train', 'original test', 'test vs original'],
    numeric: [false, true, true, true, true, true],
    rows: rows.map((r) => [r.technique, pct(r.train), pct(r.test), pct(r.originalTrain), pct(r.originalTest), delta(r.test, r.originalTest)]),
  });
  const chartRows = rows.flatMap((r) => [
    ...(isNum(r.test) ? [{ technique: r.technique, source: 'this study', metric: 'test accuracy', accuracy: r.test }] : []),
    ...(isNum(r.originalTest) ? [{ technique: r.technique, source: 'original study', metric: 'test accuracy', accuracy: r.originalTest }] : []),
    ...(isNum(r.train) ? [{ technique: r.technique, source: 'this study', metric: 'train accuracy', accuracy: r.train }] : []),
    ...(isNum(r.originalTrain) ? [{ technique: r.technique, source: 'original study', metric: 'train accuracy', accuracy: r.originalTrain }] : []),
  ]);
  b.push({
    kind: 'figure',
    name: 'comparison',
    caption: 'Train and test accuracy of each technique (blue) beside the original study\u2019s (grey).',
    chart: comparisonChart(chartRows, 'Techniques compared'),
  });

  const best = rows.filter((r) => isNum(r.test) && r.evaluation).sort((x, y) => y.test! - x.test!)[0];
  b.push({ kind: 'heading', text: 'Best model' });
  if (!best) {
    b.push(note('No run recorded a test-set evaluation, so there is no confusion matrix.'));
    return section;
  }
  b.push(p('The best model on the test set is ', { strong: best.technique }, ` with ${pct(best.test)} accuracy.`));
  const e = best.evaluation!;
  if (Array.isArray(e.confusion) && e.confusion.length) {
    const total = e.confusion.flat().reduce((a, c) => a + c, 0);
    b.push({
      kind: 'figure',
      name: 'confusion-matrix',
      caption: `Confusion matrix of ${best.technique} on ${int(total)} test images: rows are the true class, columns the predicted class; colour is the share of the true class.`,
      chart: confusionChart(e.confusion, [...CLASS_NAMES], `Confusion matrix: ${best.technique}`),
    });
  } else {
    b.push(note('The best run recorded no confusion matrix.'));
  }
  if (Array.isArray(e.perClass) && e.perClass.length) {
    const pc = [...e.perClass].sort((x, y) => x.label - y.label);
    b.push({
      kind: 'figure',
      name: 'per-class-scores',
      caption: `Precision, recall and F1 of each class for ${best.technique} on the test set.`,
      chart: perClassChart(
        pc.map((c) => ({ name: c.name ?? CLASS_NAMES[c.label] ?? String(c.label), precision: c.precision, recall: c.recall, f1: c.f1 })),
        'Per-class scores',
      ),
    });
    b.push({
      kind: 'table',
      caption: `Per-class precision, recall and F1 of ${best.technique}`,
      columns: ['label', 'class', 'precision', 'recall', 'F1', 'support'],
      numeric: [true, false, true, true, true, true],
      rows: [
        ...pc.map((c) => [String(c.label), c.name ?? CLASS_NAMES[c.label] ?? '', fixed(c.precision, 3), fixed(c.recall, 3), fixed(c.f1, 3), int(c.support)]),
        ['', 'macro average', fixed(mean(pc.map((c) => c.precision)), 3), fixed(mean(pc.map((c) => c.recall)), 3), fixed(mean(pc.map((c) => c.f1)), 3), int(pc.reduce((a, c) => a + c.support, 0))],
      ],
    });
  }
  return section;
}
