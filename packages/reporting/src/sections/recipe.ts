// Each technique's recipe, read from its run's recorded settings, and how it differs from the
// original study's network and training (@fmnist/core's ORIGINAL_TRAINING): a reader sees at once
// why a number differs from the original's, and which parts were added.
import { ORIGINAL_TRAINING } from '@fmnist/core';
import { p, type Block } from '../document';
import { count, isNum, value } from '../format';

const ORIGINAL: Record<string, unknown> = ORIGINAL_TRAINING.network;
/** Recorded beside the parameters but not part of a recipe. */
const NOT_RECIPE = new Set(['seed']);

/** A recipe option that is on: not absent, off, zero or empty. */
function isOn(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/**
 * The settings of `params` that differ from the original's ("activation relu (original tanh)"),
 * then the options the original did not have ("labelSmoothing 0.1 (not in the original)").
 */
export function recipeDifferences(params: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, orig] of Object.entries(ORIGINAL)) {
    if (Object.hasOwn(params, k) && value(params[k]) !== value(orig)) out.push(`${k} ${value(params[k])} (original ${value(orig)})`);
  }
  for (const k of Object.keys(params).sort()) {
    if (!Object.hasOwn(ORIGINAL, k) && !NOT_RECIPE.has(k) && isOn(params[k])) out.push(`${k} ${value(params[k])} (not in the original)`);
  }
  return out;
}

/** The recipe paragraph of the holdout and k-fold sections, from results.json's params, callbacks and k. */
export function cnnRecipeBlocks(params: unknown, o: { callbacks?: unknown; folds?: unknown } = {}): Block[] {
  if (!params || typeof params !== 'object' || Array.isArray(params)) return [];
  const diffs = recipeDifferences(params as Record<string, unknown>);
  if (isNum(o.folds) && o.folds !== ORIGINAL_TRAINING.folds) diffs.push(`${o.folds} folds (original ${ORIGINAL_TRAINING.folds})`);
  if (isOn(o.callbacks)) diffs.push('a learning-rate schedule and/or early stopping on the validation loss (not in the original)');
  return [
    p(
      'Recipe: ',
      diffs.length ? `differs from the original study's network and training in ${diffs.join('; ')}.` : "the original study's network and training, unchanged.",
    ),
  ];
}

/** The transfer recipe from the run's manifest config: input size, head, training rows. */
export function transferRecipeBlocks(config: unknown, trainRows: unknown): Block[] {
  const c = (config ?? {}) as { inputSize?: unknown; head?: Record<string, unknown>; precision?: unknown };
  if (!isNum(c.inputSize)) return [];
  const head = c.head && typeof c.head === 'object' ? Object.entries(c.head).map(([k, v]) => `${k} ${value(v)}`).join(', ') : undefined;
  return [
    p(
      `Recipe: frozen bases, images resized to ${value(c.inputSize)}×${value(c.inputSize)}`,
      c.precision === 'int8' ? ', the bases computed in int8 (scales observed on the first 256 training images; float32 where onnxruntime-node does not load, marked in the table)' : '',
      head ? `; a new head (${head})` : '',
      isNum(trainRows) ? ` trained on the features of ${count(trainRows)} training images` : '',
      ". The original study's input size and head are not recorded, so only its accuracies are compared.",
    ),
  ];
}
