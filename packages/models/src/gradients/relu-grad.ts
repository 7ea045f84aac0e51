// Gradient of Relu: on the wasm backend one FmnistReluGrad kernel, elsewhere tfjs's own formula
// dy * float32(step(x)). Gradients are registered for all backends, hence the switch.
import * as tf from '@tensorflow/tfjs';
import { FMNIST_RELU_GRAD } from '../kernels/fmnist-relu-grad';

export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [x] = saved;
    const g = dy as tf.Tensor;
    if (tf.getBackend() === 'wasm' && g.dtype === 'float32' && x.dtype === 'float32' && tf.util.arraysEqual(g.shape, x.shape)) {
      return { x: () => tf.engine().runKernel(FMNIST_RELU_GRAD, { x, dy: g }) as tf.Tensor };
    }
    return { x: () => tf.mul(g, tf.cast(tf.step(x), 'float32')) };
  },
};
