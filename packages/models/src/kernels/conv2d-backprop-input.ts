// Conv2DBackpropInput for the wasm backend, replacing the upstream scalar loop.
//
// For stride 1, dx is a forward convolution of dy with the filter rotated by 180 degrees and
// its in/out channels swapped, which XNNPACK runs fast:
//   dx[b,ih,iw,ci] = sum_{kh,kw,co} dy[b, ih+pt-kh, iw+pl-kw, co] * w[kh,kw,ci,co]
//                  = conv2d(dy, w'[kh',kw',co,ci] = w[KH-1-kh', KW-1-kw', ci, co]),
//   padding top KH-1-pt, left KW-1-pl, bottom/right so that the output is H x W.
// One input channel (a grayscale first layer), stride 1: a SIMD dot-product kernel instead
// (fmnist-kernels.c), as XNNPACK is slow with a single output channel.
// Strides > 1 first scatter dy into a zero-dilated grid ("fractionally strided" convolution).
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf } from './fmnist-simd';
import { disposeInfos, heapF32, runKernel, type WasmBackendLike } from './wasm-kernel-utils';

/** Benchmark/test switch: false forces the XNNPACK path for one input channel too. */
export const conv2DBackpropInputOptions = { simd: true };

function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const fmt = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (fmt !== 'channelsLast') throw new Error(`fmnist wasm Conv2DBackpropInput supports only NHWC, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, fmt,
  );
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const temps: tf.TensorInfo[] = [];

  if (conv2DBackpropInputOptions.simd && Ci === 1 && sh === 1 && sw === 1 && dy.dtype === 'float32' && filter.dtype === 'float32') {
    const rev = runKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] }); // [KH, KW, 1, Co] = wr
    const out = backend.makeOutput([B, H, W, 1], 'float32');
    fmnistSimd(backend).conv2d_backprop_input_c1_f32(
      offsetOf(backend, dy.dataId), offsetOf(backend, rev.dataId), offsetOf(backend, out.dataId),
      B, OH, OW, Co, H, W, KH, KW, KH - 1 - info.padInfo.top, KW - 1 - info.padInfo.left,
    );
    disposeInfos(backend, rev);
    return out;
  }

  // dy on a stride-1 grid: for strides > 1, zeros between the rows/columns.
  let g = dy;
  let GH = OH;
  let GW = OW;
  if (sh > 1 || sw > 1) {
    GH = (OH - 1) * sh + 1;
    GW = (OW - 1) * sw + 1;
    g = backend.makeOutput([B, GH, GW, Co], 'float32');
    temps.push(g);
    const dst = heapF32(backend, g);
    dst.fill(0);
    const src = heapF32(backend, dy);
    for (let b = 0; b < B; b++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const s = ((b * OH + oh) * OW + ow) * Co;
          const d = ((b * GH + oh * sh) * GW + ow * sw) * Co;
          dst.set(src.subarray(s, s + Co), d);
        }
      }
    }
  }
  const rev = runKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const wt = runKernel(backend, 'Transpose', { x: rev }, { perm: [0, 1, 3, 2] }); // [KH, KW, Co, Ci]
  temps.push(rev, wt);
  const padT = KH - 1 - info.padInfo.top;
  const padL = KW - 1 - info.padInfo.left;
  const padB = H - GH + KH - 1 - padT;
  const padR = W - GW + KW - 1 - padL;
  let out: tf.TensorInfo;
  if (padT >= 0 && padL >= 0 && padB >= 0 && padR >= 0) {
    out = runKernel(backend, 'Conv2D', { x: g, filter: wt }, {
      strides: [1, 1], pad: [[0, 0], [padT, padB], [padL, padR], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
    });
  } else {
    // Unusual padding (larger than the filter): the upstream kernel handles every case.
    out = runKernel(backend, tf.Conv2DBackpropInput, { dy, filter }, args.attrs as Record<string, unknown>, true);
  }
  disposeInfos(backend, ...temps);
  if (out.shape[1] !== H || out.shape[2] !== W || out.shape[3] !== Ci) {
    throw new Error(`fmnist Conv2DBackpropInput: internal shape mismatch ${out.shape} vs ${[B, H, W, Ci]}`);
  }
  return out;
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
