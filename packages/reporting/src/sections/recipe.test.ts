import { ORIGINAL_TRAINING } from '@fmnist/core';
import { describe, expect, it } from 'vitest';
import { cnnRecipeBlocks, recipeDifferences, transferRecipeBlocks } from './recipe';

const text = (blocks: ReturnType<typeof cnnRecipeBlocks>) =>
  blocks.map((b) => (b.kind === 'paragraph' ? b.parts.map((x) => (typeof x === 'string' ? x : '')).join('') : '')).join('\n');

describe('the recipe against the original study', () => {
  it('names each changed setting with the original value, then the options the original did not have', () => {
    const params = { ...ORIGINAL_TRAINING.network, activation: 'relu', batchSize: 128, labelSmoothing: 0.1, augment: { flip: true, translate: 2 }, ema: 0, seed: 7 };
    expect(recipeDifferences(params)).toEqual([
      'activation relu (original tanh)',
      'batchSize 128 (original 500)',
      'augment {"flip":true,"translate":2} (not in the original)',
      'labelSmoothing 0.1 (not in the original)',
    ]);
  });

  it('says when the recipe is the original one, and adds folds and callbacks', () => {
    expect(text(cnnRecipeBlocks({ ...ORIGINAL_TRAINING.network }))).toBe("Recipe: the original study's network and training, unchanged.");
    expect(text(cnnRecipeBlocks({ ...ORIGINAL_TRAINING.network }, { folds: 3, callbacks: { earlyStopping: { patience: 3 } } }))).toBe(
      "Recipe: differs from the original study's network and training in 3 folds (original 5); a learning-rate schedule and/or early stopping on the validation loss (not in the original).",
    );
    expect(cnnRecipeBlocks({ ...ORIGINAL_TRAINING.network }, { folds: 5, callbacks: {} })).toHaveLength(1);
    expect(cnnRecipeBlocks(undefined)).toEqual([]);
  });

  it('states the transfer recipe from the run config, nothing when it has no input size', () => {
    const t = text(transferRecipeBlocks({ inputSize: 48, head: { denseUnits: 256, dropout: 0.5 } }, 60000));
    expect(t).toBe("Recipe: frozen bases, images resized to 48×48; a new head (denseUnits 256, dropout 0.5) trained on the features of 60,000 training images. The original study's input size and head are not recorded, so only its accuracies are compared.");
    expect(transferRecipeBlocks({}, 100)).toEqual([]);
    expect(text(transferRecipeBlocks({ inputSize: 48, precision: 'int8' }, 60000))).toMatch(/^Recipe: frozen bases, images resized to 48×48, the bases computed in int8 \(scales observed on the first 256 training images;/);
  });
});
