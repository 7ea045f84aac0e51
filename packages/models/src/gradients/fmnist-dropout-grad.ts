// Gradient of FmnistDropout: dy times the same mask, which the kernel draws again from its seed.
import * as tf from '@tensorflow/tfjs';
import { FMNIST_DROPOUT } from '../kernels/fmnist-dropout';

export const fmnistDropoutGradConfig: tf.GradConfig = {
  kernelName: FMNIST_DROPOUT,
  gradFunc: (dy: tf.Tensor | tf.Tensor[], _saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => ({
    x: () => tf.engine().runKernel(FMNIST_DROPOUT, { x: dy as tf.Tensor }, attrs as tf.NamedAttrMap) as tf.Tensor,
  }),
};
