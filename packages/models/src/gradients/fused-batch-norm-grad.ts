// Gradient of FusedBatchNorm. tfjs's own builds it from ~14 passes over the activation tensor
// (tile, several mul, sub, sum); on wasm with per-channel statistics (batch-norm layers) this
// needs one pass for dx (dy times a per-channel factor) and one fused reduction pass
// (FmnistBatchNormGradSums) for the mean, variance, scale and offset gradients together.
// Elsewhere: tfjs's formulas.
import * as tf from '@tensorflow/tfjs';
import { FMNIST_BN_GRAD_SUMS } from '../kernels/fmnist-batch-norm-grad-sums';

type Saved = [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];

export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dyIn: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
    const dy = dyIn as tf.Tensor;
    const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
    const [x, mean, variance, scale] = saved as Saved;
    const C = x.shape[x.shape.length - 1];
    const fast = tf.getBackend() === 'wasm' && mean.rank === 1 && C % 4 === 0 && x.dtype === 'float32' && dy.dtype === 'float32'
      && tf.util.arraysEqual(dy.shape, x.shape) && (scale === undefined || scale.size === C);
    const scaleValue = scale ?? tf.scalar(1);
    const rsqrt = () => tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    if (fast) {
      // One reduction pass, shared by the four parameter gradients (a [2, C] tensor: like tfjs's
      // own eager intermediates here, it lives until the backward pass ends).
      const sums = tf.engine().runKernel(FMNIST_BN_GRAD_SUMS, { x, dy, mean }) as tf.Tensor;
      const sumDy = () => tf.reshape(tf.slice(sums, [0, 0], [1, C]), mean.shape);
      const sumDyXm = () => tf.reshape(tf.slice(sums, [1, 0], [1, C]), mean.shape);
      return {
        x: () => tf.mul(dy, tf.mul(rsqrt(), scaleValue)),
        mean: () => tf.mul(tf.mul(tf.neg(rsqrt()), scaleValue), sumDy()),
        variance: () => {
          const r = rsqrt();
          return tf.mul(tf.mul(tf.mul(tf.mul(r, r), r), tf.scalar(-0.5)), tf.mul(scaleValue, sumDyXm()));
        },
        scale: () => tf.mul(rsqrt(), sumDyXm()),
        offset: () => sumDy(),
      };
    }
    // tfjs-core's formulas (FusedBatchNorm_grad), for every other case.
    const reductionAxes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const xMinusMean = tf.sub(x, mean);
    const dyTimesScale = tf.mul(dy, scaleValue);
    const r = rsqrt();
    const minusHalfRCube = tf.mul(tf.mul(tf.mul(r, r), r), tf.scalar(-0.5));
    const reduce = (t: tf.Tensor) => tf.reshape(mean.rank === 1 ? tf.sum(t, reductionAxes) : t, mean.shape);
    return {
      x: () => tf.reshape(tf.mul(tf.mul(dy, r), scaleValue), x.shape),
      mean: () => reduce(tf.mul(tf.mul(r, tf.scalar(-1)), dyTimesScale)),
      variance: () => reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)),
      scale: () => reduce(tf.mul(dy, tf.mul(xMinusMean, r))),
      offset: () => reduce(dy),
    };
  },
};
