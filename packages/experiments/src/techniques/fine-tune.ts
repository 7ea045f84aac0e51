// Extra (not part of the original study): fine-tune the last VGG block together with the head.
// Blocks 1-4 stay frozen, so their output is computed once (cached like the base features);
// block 5 starts from the ImageNet weights and trains with a small learning rate.
import * as tf from '@tensorflow/tfjs';
import type { Engine, Model, TrainData } from '../engine';
import type { EpochMetricsLike, EvaluationLike, OnProgress, Score } from '../types';

export interface FineTuneSettings { enabled: boolean; epochs: number; batchSize: number; learningRate: number }

export interface FineTuneResult {
  label: string;
  block: string;
  epochs: number;
  learningRate: number;
  history: EpochMetricsLike[];
  train: Score;
  test: EvaluationLike;
}

/** Blocks 1-4 of a VGG base: the frozen trunk whose output feeds the fine-tuned block. */
export function frozenTrunk(base: Model): { trunk: Model; block: string } {
  const convs = base.layers.filter((l) => /^block\d+_conv\d+$/.test(l.name));
  const last = Math.max(...convs.map((l) => Number(/^block(\d+)/.exec(l.name)![1])));
  const cut = base.getLayer(`block${last - 1}_pool`);
  return { trunk: tf.model({ inputs: base.inputs, outputs: cut.output as tf.SymbolicTensor, name: `${base.name}_trunk` }), block: `block${last}` };
}

/**
 * block N convs (ImageNet weights, trainable) -> max pool -> flatten -> batch norm -> the trained
 * head (the batch norm stands in for the feature standardization the head was trained with).
 */
export function fineTuneModel(base: Model, block: string, trunkShape: number[], head: Model, learningRate: number): Model {
  const input = tf.input({ shape: trunkShape, name: 'trunk_features' });
  let x: tf.SymbolicTensor = input;
  const copies: [tf.layers.Layer, tf.layers.Layer][] = [];
  for (const l of base.layers.filter((l) => l.name.startsWith(`${block}_conv`))) {
    const cfg = l.getConfig() as { filters: number };
    const conv = tf.layers.conv2d({ name: l.name, filters: cfg.filters, kernelSize: 3, padding: 'same', activation: 'relu', trainable: true });
    x = conv.apply(x) as tf.SymbolicTensor;
    copies.push([conv, l]);
  }
  x = tf.layers.maxPooling2d({ name: `${block}_pool`, poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'feature_bn' }).apply(x) as tf.SymbolicTensor;
  head.trainable = true;
  const out = head.apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: `${base.name}_finetune` });
  for (const [conv, src] of copies) conv.setWeights(src.getWeights());
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

export async function runFineTune(o: {
  engine: Engine;
  base: Model;
  head: Model;
  train: { x: Float32Array; labels: Uint8Array; n: number };
  test: { x: Float32Array; labels: Uint8Array; n: number };
  trunkShape: number[];
  block: string;
  settings: FineTuneSettings;
  seed: number;
  checkpointDir: string;
  signal?: AbortSignal;
  onEpoch?: (m: EpochMetricsLike) => void;
  onProgress?: OnProgress;
}): Promise<FineTuneResult | null> {
  const s = o.settings;
  const model = fineTuneModel(o.base, o.block, o.trunkShape, o.head, s.learningRate);
  try {
    const r = await o.engine.train(model, o.train as TrainData, {
      epochs: s.epochs,
      batchSize: s.batchSize,
      seed: o.seed,
      checkpointDir: o.checkpointDir,
      signal: o.signal,
      onEpoch: o.onEpoch,
      onProgress: o.onProgress,
    });
    if (r.interrupted) return null;
    const tr = await o.engine.evaluate(model, o.train as TrainData);
    const { probabilities: _p, ...te } = await o.engine.evaluate(model, o.test as TrainData);
    return {
      label: `extra: ${o.block} fine-tuned with the head (not in the original study)`,
      block: o.block,
      epochs: s.epochs,
      learningRate: s.learningRate,
      history: r.history,
      train: { accuracy: tr.accuracy, loss: tr.loss },
      test: te,
    };
  } finally {
    // The head is shared with the caller (who disposes it): free only this model's own layers.
    for (const l of model.layers) if (l !== o.head && l.countParams() > 0) l.dispose();
  }
}
