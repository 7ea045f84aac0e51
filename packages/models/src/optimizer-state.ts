// Exact optimizer state capture/restore for checkpoints. tfjs' getWeights/setWeights lose bits
// (Adam recomputes accBeta1/2 with pow instead of the running product) and Adamax has none, so a
// resumed run would drift from an uninterrupted one. This saves every state variable verbatim.
import * as tf from '@tensorflow/tfjs';

const EXTRA = '__fmnist__/';

interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}
interface AdamaxInternals {
  iteration: tf.Variable;
  accBeta1: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedWeightedInfNorm: Slot[];
  iterations_: number;
}
interface BetaInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

function isAdamax(opt: tf.Optimizer): boolean {
  return opt.getClassName() === 'Adamax';
}

/** All state of the optimizer as named tensors (owned by the optimizer, except the iterations scalar). */
async function getOptimizerState(opt: tf.Optimizer): Promise<NamedTensor[]> {
  if (isAdamax(opt)) {
    const a = opt as unknown as AdamaxInternals;
    return [
      { name: `${EXTRA}iterations`, tensor: tf.scalar(a.iterations_ ?? 0, 'int32') },
      { name: `${EXTRA}iteration`, tensor: a.iteration },
      { name: `${EXTRA}accBeta1`, tensor: a.accBeta1 },
      ...a.accumulatedFirstMoment.map((s) => ({ name: `${EXTRA}m/${s.originalName}`, tensor: s.variable })),
      ...a.accumulatedWeightedInfNorm.map((s) => ({ name: `${EXTRA}u/${s.originalName}`, tensor: s.variable })),
    ];
  }
  const named = await opt.getWeights();
  const b = opt as unknown as BetaInternals;
  if (b.accBeta1) named.push({ name: `${EXTRA}accBeta1`, tensor: b.accBeta1 });
  if (b.accBeta2) named.push({ name: `${EXTRA}accBeta2`, tensor: b.accBeta2 });
  return named;
}

async function setOptimizerState(opt: tf.Optimizer, state: tf.NamedTensorMap, order: string[]): Promise<void> {
  if (isAdamax(opt)) {
    const a = opt as unknown as AdamaxInternals;
    a.iterations_ = (state[`${EXTRA}iterations`].dataSync()[0] as number) | 0;
    a.iteration.assign(state[`${EXTRA}iteration`]);
    a.accBeta1.assign(state[`${EXTRA}accBeta1`]);
    const slots = (prefix: string): Slot[] =>
      order.filter((n) => n.startsWith(prefix)).map((n) => ({ originalName: n.slice(prefix.length), variable: state[n].variable(false) }));
    a.accumulatedFirstMoment = slots(`${EXTRA}m/`);
    a.accumulatedWeightedInfNorm = slots(`${EXTRA}u/`);
    return;
  }
  const plain = order.filter((n) => !n.startsWith(EXTRA)).map((name) => ({ name, tensor: state[name] }));
  await opt.setWeights(plain);
  const b = opt as unknown as BetaInternals;
  if (b.accBeta1 && state[`${EXTRA}accBeta1`]) b.accBeta1.assign(state[`${EXTRA}accBeta1`]);
  if (b.accBeta2 && state[`${EXTRA}accBeta2`]) b.accBeta2.assign(state[`${EXTRA}accBeta2`]);
}

/** Serialises the optimizer's complete state (tfjs weights encoding: specs + bytes). */
export async function encodeOptimizerState(opt: tf.Optimizer): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: Uint8Array }> {
  const named = await getOptimizerState(opt);
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    return { specs, data: new Uint8Array(tf.io.CompositeArrayBuffer.join(data)) };
  } finally {
    for (const t of named) if (t.name === `${EXTRA}iterations`) t.tensor.dispose();
  }
}

/** Restores encodeOptimizerState's output into a fresh optimizer of the same kind. */
export async function restoreOptimizerState(opt: tf.Optimizer, specs: tf.io.WeightsManifestEntry[], data: Uint8Array): Promise<void> {
  const buf = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  const state = tf.io.decodeWeights(buf, specs);
  try {
    await setOptimizerState(opt, state, specs.map((s) => s.name));
  } finally {
    tf.dispose(Object.values(state));
  }
}
