// Gradient of Tanh: on the wasm backend one FmnistTanhGrad kernel, elsewhere tfjs's own
// formula dy * (1 - y^2). Gradients are registered for all backends, hence the switch.
import * as tf from '@tensorflow/tfjs';
import { FMNIST_TANH_GRAD } from '../kernels/fmnist-tanh-grad';

export const tanhGradConfig: tf.GradConfig = {
  kernelName: tf.Tanh,
  outputsToSave: [true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [y] = saved;
    const g = dy as tf.Tensor;
    if (tf.getBackend() === 'wasm' && g.dtype === 'float32' && tf.util.arraysEqual(g.shape, y.shape)) {
      return { x: () => tf.engine().runKernel(FMNIST_TANH_GRAD, { y, dy: g }) as tf.Tensor };
    }
    return { x: () => tf.mul(g, tf.sub(tf.scalar(1), tf.square(y))) };
  },
};
