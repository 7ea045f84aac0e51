import { barChart, curvesChart } from '../charts';
import { note, p, type Block, type Section } from '../document';
import { count, fixed, isNum, pct, value } from '../format';
import type { RunLookup } from '../run-inputs';
import { ORIGINAL_STUDY } from '@fmnist/core';
import { historyOf, historyPoints, learningRatePoints } from './history';
import { runLine } from './run-label';
import { scheduleSentence, trainedSentence } from './schedule';
import { cnnRecipeBlocks } from './recipe';

/** Hyperparameters listed first, in the original study's order; any others follow alphabetically. */
const PARAM_ORDER = ['activation', 'optimizer', 'learningRate', 'momentum', 'batchSize', 'epochs', 'filters', 'denseUnits', 'dropout', 'batchNorm', 'seed'];

function orderedKeys(objs: Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const o of objs) for (const k of Object.keys(o ?? {})) keys.add(k);
  const known = PARAM_ORDER.filter((k) => keys.has(k));
  const rest = [...keys].filter((k) => !PARAM_ORDER.includes(k)).sort();
  return [...known, ...rest];
}

interface Trial {
  id?: string;
  rank?: number;
  params?: Record<string, unknown>;
  epochs?: number;
  valAccuracy?: number;
  valLoss?: number;
  status?: string;
}

function tuningBlocks(tune: any, source: string): Block[] {
  const trials: Trial[] = Array.isArray(tune?.trials) ? [...tune.trials] : [];
  if (!trials.length) return [note(`The tuning result (${source}) holds no trials.`)];
  trials.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || (b.valAccuracy ?? -1) - (a.valAccuracy ?? -1) || String(a.id).localeCompare(String(b.id)));
  // Parameters equal in every trial are stated once; the table keeps the ones that were searched.
  const all = orderedKeys(trials.map((t) => t.params ?? {})).filter((k) => k !== 'epochs');
  const fixedKeys = trials.length > 1 ? all.filter((k) => new Set(trials.map((t) => value(t.params?.[k]))).size === 1) : [];
  const keys = all.filter((k) => !fixedKeys.includes(k));
  const budget = tune.budget ?? {};
  const method = tune.schedule && tune.schedule !== tune.method ? `${tune.method} (${tune.schedule})` : (tune.method ?? 'unknown');
  const blocks: Block[] = [
    p(
      `Search: ${method}; ${trials.length} trials ranked by validation accuracy`,
      isNum(budget.spaceSize) ? ` from a space of ${budget.spaceSize} configurations` : '',
      isNum(budget.spentEpochs) ? `; ${budget.spentEpochs} training epochs spent${isNum(budget.plannedEpochs) ? ` of ${budget.plannedEpochs} planned` : ''}` : '',
      isNum(budget.trialRows) ? `; ${budget.trialRows.toLocaleString('en-US')} training and ${count(budget.validationRows)} validation rows per trial` : '',
      ` (from ${source}).`,
    ),
    {
      kind: 'table',
      caption: 'Tuning: every trial, ranked',
      columns: ['rank', 'trial', ...keys, 'epochs', 'val. accuracy', 'val. loss', 'status'],
      numeric: ['rank', 'trial', ...keys, 'epochs', 'val. accuracy', 'val. loss', 'status'].map((c, i) => i === 0 || c === 'epochs' || c === 'val. accuracy' || c === 'val. loss'),
      rows: trials.map((t, i) => [
        value(t.rank ?? i + 1),
        value(t.id),
        ...keys.map((k) => value(t.params?.[k])),
        value(t.epochs ?? t.params?.epochs),
        pct(t.valAccuracy),
        fixed(t.valLoss),
        value(t.status),
      ]),
    },
  ];
  if (fixedKeys.length) {
    blocks.push(p('Fixed in every trial: ', fixedKeys.map((k) => `${k} ${value(trials[0].params?.[k])}`).join(', '), '.'));
  }
  const scored = trials.filter((t) => isNum(t.valAccuracy));
  if (scored.length) {
    blocks.push({
      kind: 'figure',
      name: 'tuning-trials',
      caption: `Validation accuracy of each tuning trial, best first (bars labelled by rank${scored.length > 40 ? '; the best 40 shown' : ''}; colour: trial status, e.g. pruned early by successive halving).`,
      chart: barChart({
        bars: scored.slice(0, 40).map((t, i) => ({ name: `#${t.rank ?? i + 1}`, value: t.valAccuracy!, group: t.status ? String(t.status) : undefined })),
        yTitle: 'validation accuracy',
        title: 'Tuning trials',
        percent: true,
      }),
    });
  }
  if (tune.best && typeof tune.best === 'object') {
    const bestKeys = orderedKeys([tune.best]);
    blocks.push({ kind: 'heading', text: 'Best hyperparameters' }, { kind: 'facts', items: bestKeys.map((k) => [k, value(tune.best[k])]) });
  }
  return blocks;
}

export function holdoutSection(tune: RunLookup, holdout: RunLookup): Section {
  const section: Section = { id: 'holdout', title: '2. Technique 1: holdout with tuning', blocks: [] };
  const b = section.blocks;
  b.push(
    p(
      'The training set is split into training and validation parts (stratified); hyperparameters are chosen on the validation part, the best configuration is trained and then scored once on the test set. ',
      `The original study reached ${pct(ORIGINAL_STUDY.holdout.test)} test accuracy with ${ORIGINAL_STUDY.holdout.params}.`,
    ),
  );
  b.push({ kind: 'heading', text: 'Tuning' });
  // The tuning shown is the one the reported holdout model came from: its own results.tuning.
  // A separate tune run is shown only when there is no holdout run, or one that did not tune
  // (then labelled as not used by it).
  const own = holdout.run?.results?.tuning;
  const untunedHoldout = holdout.run !== undefined && holdout.run.results?.tuning == null;
  let tuneResult: any;
  if (own) {
    tuneResult = own;
    b.push(p(`The search that chose the holdout model below${own.runId ? ` (tune run ${own.runId})` : ''}.`));
  } else if (tune.run) {
    tuneResult = tune.run.results;
    b.push(p(...runLine(tune)));
    if (untunedHoldout) b.push(note(`The holdout run below (${holdout.run!.runId}) trained the profile's network without tuning, so this search did not choose it.`));
  }
  if (tuneResult) b.push(...tuningBlocks(tuneResult, own ? `${holdout.run!.runId}/results.json` : `${tune.run!.runId}/results.json`));
  else b.push(note(`No tuning results: ${untunedHoldout ? 'the holdout run trained without tuning' : (tune.problem ?? 'the tune run has no results')}. Run `, { code: 'fmnist tune' }, '.'));

  b.push({ kind: 'heading', text: 'Training with the best configuration' });
  if (!holdout.run) {
    b.push(note(`No holdout results: ${holdout.problem}. Run `, { code: 'fmnist holdout' }, '.'));
    return section;
  }
  const r = holdout.run.results;
  b.push(p(...runLine(holdout)));
  if (r.data && (isNum(r.data.trainRows) || isNum(r.data.testRows))) {
    b.push(p(`Data: ${count(r.data.trainRows)} training rows (split into training and validation), ${count(r.data.testRows)} test rows.`));
  }
  if (r.params && typeof r.params === 'object') {
    const same = tuneResult?.best && JSON.stringify(orderedKeys([tuneResult.best]).map((k) => [k, tuneResult.best[k]])) === JSON.stringify(orderedKeys([r.params]).map((k) => [k, r.params[k]]));
    if (same) b.push(p('Trained with the best hyperparameters above.'));
    else b.push(p('Hyperparameters of the final training:'), { kind: 'facts', items: orderedKeys([r.params]).map((k) => [k, value(r.params[k])]) });
  }
  b.push(...cnnRecipeBlocks(r.params, { callbacks: r.callbacks }));
  const history = historyOf(r.history, holdout.run.metrics, 'final', 'final');
  const schedule = scheduleSentence(r.callbacks, r.params?.epochs);
  const trained = trainedSentence(history, r.params?.epochs, r.stoppedEarly);
  if (schedule || (trained && r.stoppedEarly)) b.push(p([schedule, trained].filter(Boolean).join(' ')));
  if (history.length) {
    b.push({
      kind: 'figure',
      name: 'holdout-accuracy',
      caption: 'Holdout: training and validation accuracy after each epoch.',
      chart: curvesChart({ points: historyPoints(history, 'accuracy'), yTitle: 'accuracy', title: 'Accuracy vs epochs', percent: true }),
    });
    b.push({
      kind: 'figure',
      name: 'holdout-loss',
      caption: 'Holdout: training and validation loss (categorical cross-entropy) after each epoch.',
      chart: curvesChart({ points: historyPoints(history, 'loss'), yTitle: 'loss', title: 'Loss vs epochs' }),
    });
    const lr = learningRatePoints(history);
    if (lr.length) {
      b.push({
        kind: 'figure',
        name: 'holdout-learning-rate',
        caption: 'Holdout: learning rate in each epoch, lowered by the schedule when the validation loss stopped improving (log scale).',
        chart: curvesChart({ points: lr, yTitle: 'learning rate', title: 'Learning rate vs epochs', logY: true }),
      });
    }
  } else {
    b.push(note('The holdout run recorded no per-epoch history.'));
  }
  b.push({
    kind: 'table',
    caption: 'Holdout scores',
    columns: ['set', 'accuracy', 'loss'],
    numeric: [false, true, true],
    rows: [
      ['train', pct(r.train?.accuracy), fixed(r.train?.loss)],
      ['validation', pct(r.validation?.accuracy), fixed(r.validation?.loss)],
      ['test', pct(r.test?.accuracy), fixed(r.test?.loss)],
      ['test, original study', pct(ORIGINAL_STUDY.holdout.test), '—'],
    ],
  });
  return section;
}
