import { curvesChart } from '../charts';
import { note, p, type Section } from '../document';
import { DASH, count, pct, shortHash, value } from '../format';
import type { RunLookup } from '../run-inputs';
import { ORIGINAL_STUDY } from '@fmnist/core';
import { transferRecipeBlocks } from './recipe';
import { historyOf, historyPoints } from './history';
import { runLine } from './run-label';

export interface TransferModel {
  variant: string;
  status?: string;
  reason?: string;
  weights?: { source?: string; sha256?: string };
  inputSize?: number;
  featureDim?: number;
  /** the bases' arithmetic (absent: float32) */
  precision?: string;
  history?: unknown;
  train?: { accuracy?: number; loss?: number };
  test?: { accuracy?: number; loss?: number; confusion?: number[][] };
}

export function transferModels(lookup: RunLookup): TransferModel[] {
  const models = lookup.run?.results?.models;
  if (!Array.isArray(models)) return [];
  return models
    .filter((m) => m && typeof m === 'object')
    .map((m) => ({ ...m, variant: String(m.variant ?? 'unknown') }))
    .sort((a, b) => a.variant.localeCompare(b.variant));
}

function originalTest(variant: string): number | undefined {
  return variant === 'vgg16' ? ORIGINAL_STUDY.vgg16.test : variant === 'vgg19' ? ORIGINAL_STUDY.vgg19.test : undefined;
}

export function transferSection(transfer: RunLookup): Section {
  const section: Section = { id: 'transfer', title: '4. Technique 3: transfer learning (VGG16, VGG19)', blocks: [] };
  const b = section.blocks;
  b.push(
    p(
      'ImageNet-pretrained VGG16 and VGG19 convolutional bases, frozen, with a new classification head trained on Fashion-MNIST (images resized and replicated to RGB). ',
      `The original study reached ${pct(ORIGINAL_STUDY.vgg16.test)} (VGG16) and ${pct(ORIGINAL_STUDY.vgg19.test)} (VGG19) test accuracy.`,
    ),
  );
  if (!transfer.run) {
    b.push(note(`No transfer-learning results: ${transfer.problem}. Run `, { code: 'fmnist transfer' }, '.'));
    return section;
  }
  b.push(p(...runLine(transfer)));
  const data = transfer.run.results.data;
  if (data && (typeof data.trainRows === 'number' || typeof data.testRows === 'number')) {
    b.push(p(`Data: ${count(data.trainRows)} training rows, ${count(data.testRows)} test rows.`));
  }
  b.push(...transferRecipeBlocks(transfer.run.manifest?.config, data?.trainRows));
  const models = transferModels(transfer);
  if (!models.length) {
    b.push(note('The transfer results hold no models.'));
    return section;
  }
  b.push({
    kind: 'table',
    caption: 'Transfer learning: frozen base, new head',
    columns: ['base', 'status', 'input size', 'features', 'train acc.', 'test acc.', 'original test acc.', 'weights'],
    numeric: [false, false, true, true, true, true, true, false],
    rows: models.map((m) => [
      m.variant.toUpperCase(),
      m.status === 'complete' ? 'complete' : `${value(m.status)} (reason below)`,
      m.inputSize ? `${m.inputSize}×${m.inputSize}` : DASH,
      m.precision === 'int8' ? `${value(m.featureDim)} (int8)` : value(m.featureDim),
      pct(m.train?.accuracy),
      pct(m.test?.accuracy),
      pct(originalTest(m.variant)),
      m.weights?.source ? `${m.weights.source}${m.weights.sha256 ? ` (sha256 ${shortHash(m.weights.sha256)})` : ''}` : DASH,
    ]),
  });
  for (const m of models) {
    if (m.status !== 'complete') {
      b.push(note(`${m.variant.toUpperCase()} was not run (${value(m.status)}): ${(m.reason ?? 'no reason recorded').replace(/\.\s*$/, '')}.`));
      continue;
    }
    const h = historyOf(m.history, transfer.run.metrics, 'head', m.variant);
    if (h.length) {
      const hasVal = h.some((e) => typeof e.valAccuracy === 'number');
      b.push({
        kind: 'figure',
        name: `transfer-${m.variant.replace(/[^a-z0-9]/gi, '')}-accuracy`,
        caption: `${m.variant.toUpperCase()} head: ${hasVal ? 'training and validation' : 'training'} accuracy vs epochs (the base is frozen; only the head learns).`,
        chart: curvesChart({ points: historyPoints(h, 'accuracy'), yTitle: 'accuracy', title: `${m.variant.toUpperCase()} head: accuracy vs epochs`, percent: true }),
      });
    }
  }
  return section;
}
