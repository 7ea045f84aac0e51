// A BatchNormalization layer whose training step is two fused kernels instead of tfjs's ~25 ops.
//
// tfjs-layers computes training-mode batch norm with tf.moments (Mean, Sub, Square, Mean) and
// tf.batchNorm, and autodiff then sends the gradient through every one of them: about a third
// of a training step of the strong CNN on wasm goes to these full-size elementwise passes. Here
// the batch statistics come from one FmnistBatchNormStats pass, the forward pass is the
// fmnist FusedBatchNorm kernel, and the gradient (a tf.customGrad) is one more reduction pass and
// one FmnistChannelAffine2 pass: dx = a*dy + b*x + c per channel.
//
// It is the stock layer otherwise: same class name in saved models (they load anywhere with
// tf.loadLayersModel), same weights, same moving-average update; inference and every case the
// kernels do not cover (other backends, channels % 4 != 0, no centre/scale, another axis) run
// the stock code.
import * as tf from '@tensorflow/tfjs';
import { FMNIST_BN_GRAD_SUMS } from './kernels/fmnist-batch-norm-grad-sums';
import { FMNIST_BN_STATS } from './kernels/fmnist-batch-norm-stats';
import { FMNIST_CHANNEL_AFFINE2 } from './kernels/fmnist-channel-affine2';

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];

/** The stock layer's fields this class reads (private in tfjs-layers' typings). */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

const StockBatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as new (args?: BatchNormArgs) => tf.layers.Layer;

/**
 * Training-mode batch norm over the last axis of x ([..., C], C % 4 == 0) on wasm: returns the
 * normalised output (differentiable in x, gamma, beta) and the batch mean and biased variance
 * (as tf.moments gives them), which carry no gradient.
 */
export function batchNormTrainWasm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const C = x.shape[x.shape.length - 1];
  const n = x.size / C;
  const row = (t: tf.Tensor2D, r: number) => tf.reshape(tf.slice(t, [r, 0], [1, C]), [C]) as tf.Tensor1D;
  const { mean, variance } = tf.tidy(() => {
    const stats = tf.engine().runKernel(FMNIST_BN_STATS, { x }) as tf.Tensor2D;
    return { mean: row(stats, 0), variance: row(stats, 1) };
  });
  const normalise = tf.customGrad((xIn, gammaIn, betaIn, save) => {
    const [xt, g, b] = [xIn, gammaIn, betaIn] as tf.Tensor[];
    const y = tf.batchNorm(xt, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, epsilon);
    (save as tf.GradSaveFunc)([xt, g, mean, variance]);
    return {
      value: y,
      gradFunc: (dyIn: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const dy = dyIn as tf.Tensor;
        const [xs, gs, ms, vs] = saved;
        const sums = tf.engine().runKernel(FMNIST_BN_GRAD_SUMS, { x: xs, dy, mean: ms }) as tf.Tensor2D;
        const sumDy = row(sums, 0);
        const sumDyXm = row(sums, 1);
        const invStd = tf.rsqrt(tf.add(vs, epsilon));
        const a = tf.mul(tf.reshape(gs, [C]), invStd);
        const bCoef = tf.div(tf.mul(tf.neg(a), tf.mul(tf.square(invStd), sumDyXm)), n);
        const c = tf.sub(tf.div(tf.mul(tf.neg(a), sumDy), n), tf.mul(ms, bCoef));
        const dx = tf.engine().runKernel(FMNIST_CHANNEL_AFFINE2, { x: dy, x2: xs, a, b: bCoef, c }) as tf.Tensor;
        return [dx, tf.reshape(tf.mul(sumDyXm, invStd), gs.shape), tf.reshape(sumDy, gs.shape)];
      },
    };
  });
  return { y: normalise(x, gamma, beta), mean, variance };
}

/** Whether `batchNormTrainWasm` covers this layer and input (else the stock code runs). */
function fastPathApplies(f: BatchNormFields, x: tf.Tensor): boolean {
  const C = x.shape[x.shape.length - 1];
  return (
    tf.getBackend() === 'wasm' &&
    tf.getKernel(FMNIST_CHANNEL_AFFINE2, 'wasm') !== undefined &&
    tf.getKernel(FMNIST_BN_GRAD_SUMS, 'wasm') !== undefined &&
    tf.getKernel(FMNIST_BN_STATS, 'wasm') !== undefined &&
    x.size > 0 &&
    x.dtype === 'float32' &&
    x.rank >= 2 &&
    (f.axis === -1 || f.axis === x.rank - 1) &&
    C % 4 === 0 &&
    f.center && f.scale && f.gamma !== null && f.beta !== null
  );
}

export class FastBatchNormalization extends StockBatchNormalization {
  /** Saved models name the stock class, so they load with plain tfjs. */
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const f = this as unknown as BatchNormFields;
    if (kwargs?.training !== true || !fastPathApplies(f, x)) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTrainWasm(x, f.gamma!.read(), f.beta!.read(), f.epsilon);
      // The stock layer's moving-average update: v <- v - (v - batch) * (1 - momentum).
      for (const [variable, batch] of [[f.movingMean, mean], [f.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const old = variable.read();
          variable.write(tf.sub(old, tf.mul(tf.sub(old, batch), 1 - f.momentum)));
        });
      }
      return y;
    });
  }
}

/** Drop-in for tf.layers.batchNormalization with the fast training path. */
export function fastBatchNormalization(args?: BatchNormArgs): tf.layers.Layer {
  return new FastBatchNormalization(args);
}
