// The reference CNN of the study, built directly with tf.layers so the benchmark does not depend
// on the models team's factory: Conv2D(32,3x3,tanh) -> MaxPool(2) -> Conv2D(64,3x3,tanh) ->
// MaxPool(2) -> Flatten -> Dense(128,tanh) -> Dense(10,softmax), Adam 0.001, categorical CE.
import * as tf from '@tensorflow/tfjs';

export function buildReferenceCnn(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 10 + s });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'tanh', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'tanh', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'tanh', kernelInitializer: init(3) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(4) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Uniform [0,1) images and random one-hot labels, like the PyTorch peer script. */
export function randomBatch(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  const xs = new Float32Array(n * 784);
  for (let i = 0; i < xs.length; i++) xs[i] = rnd();
  const ys = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) ys[i * 10 + Math.floor(rnd() * 10)] = 1;
  return { x: tf.tensor4d(xs, [n, 28, 28, 1]), y: tf.tensor2d(ys, [n, 10]) };
}
