// The 3x3 convolution kernels on wasm, Winograd against direct, one call at a time on this thread:
// Conv2D (also what Conv2DBackpropInput runs) and Conv2DBackpropFilter, on the CNNs' layers
// (batch 32: a shard of a batch of 128) or VGG's (batch 8). One JSON line per kernel and shape:
// the least milliseconds per call of each kernel over alternating rounds, and their ratio.
// Run: node --import tsx/esm packages/models/bench/conv-kernels.ts
// Options (environment variables):
//   FMNIST_BENCH_SHAPES=cnn|vgg|all   (default cnn)
//   FMNIST_BENCH_CALLS=20             (timed calls per kernel and round)
//   FMNIST_BENCH_ROUNDS=3             (alternating rounds; each figure is the least over them)
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index';
import { conv2DOptions } from '../src/kernels/conv2d';
import { conv2DBackpropFilterOptions } from '../src/kernels/conv2d-backprop-filter';
import { envChoice, envInt } from './bench-env';

const which = envChoice('FMNIST_BENCH_SHAPES', ['cnn', 'vgg', 'all'] as const, 'cnn');
const calls = envInt('FMNIST_BENCH_CALLS', 1, 10_000) ?? 20;
const rounds = envInt('FMNIST_BENCH_ROUNDS', 1, 100) ?? 3;

/** [batch, side, input channels, output channels], 'same' padding. */
const CNN: [number, number, number, number][] = [[32, 28, 32, 32], [32, 14, 32, 64], [32, 14, 64, 64], [32, 14, 64, 32]];
const VGG: [number, number, number, number][] = [[8, 64, 64, 64], [8, 32, 128, 128], [8, 16, 256, 256], [8, 8, 512, 512], [8, 4, 512, 512]];

await initBackend('wasm');
const shapes = which === 'cnn' ? CNN : which === 'vgg' ? VGG : [...CNN, ...VGG];

function time(f: () => void): number {
  f();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) f();
  return (performance.now() - t0) / calls;
}

for (const [b, side, ci, co] of shapes) {
  const x = tf.randomNormal([b, side, side, ci], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, ci, co], 0, 1, 'float32', 2) as tf.Tensor4D;
  const dy = tf.randomNormal([b, side, side, co], 0, 1, 'float32', 3) as tf.Tensor4D;
  const kernels: [string, () => void, (on: boolean) => void][] = [
    ['Conv2D', () => tf.tidy(() => void tf.conv2d(x, w, 1, 'same').dataSync()), (on) => (conv2DOptions.winograd = on)],
    [
      'Conv2DBackpropFilter',
      () => tf.tidy(() => void (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, ci, co] } as unknown as tf.NamedAttrMap) as tf.Tensor).dataSync()),
      (on) => (conv2DBackpropFilterOptions.winograd = on),
    ],
  ];
  for (const [kernel, run, set] of kernels) {
    let direct = Infinity;
    let winograd = Infinity;
    for (let r = 0; r < rounds; r++) {
      set(false);
      direct = Math.min(direct, time(run));
      set(true);
      winograd = Math.min(winograd, time(run));
    }
    const gmac = (b * side * side * 9 * ci * co) / 1e9;
    console.log(JSON.stringify({
      kernel, shape: [b, side, side, ci, co], directMs: +direct.toFixed(3), winogradMs: +winograd.toFixed(3),
      speedup: +(direct / winograd).toFixed(2), directGmacPerSecond: +(gmac / (direct / 1000)).toFixed(1),
    }));
  }
  tf.dispose([x, w, dy]);
}
