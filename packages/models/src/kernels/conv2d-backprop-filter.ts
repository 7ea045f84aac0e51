// Conv2DBackpropFilter for the wasm backend (missing upstream).
//
// Output channels a multiple of 4 (every CNN here): the SIMD kernel of fmnist-kernels.c, a
// register-tiled GEMM over pixels on x zero-padded as needed (about 2x faster than XNNPACK on
// the formulation below, which also repacks dy as weights on every call). 3x3 filters, stride 1,
// on 8 or more input channels (a multiple of 4): Winograd's F(3x3, 2x2) instead
// (conv2d_backprop_filter_wino_f32), 16 multiply-adds per 2x2 tile of dy and channel pair instead of 36.
//
// Otherwise: dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s+kh*d-pt, ow*s+kw*d-pl, ci] * dy[b,oh,ow,co]
// is itself a forward convolution, run by XNNPACK through the wasm Conv2D kernel:
// input x^T = [Ci, H, W, B] (channels = batch), filter dy^T = [OH, OW, B, Co] (dilation = the
// forward stride), stride = the forward dilation, explicit padding; output [Ci, KH, KW, Co] is
// transposed to [KH, KW, Ci, Co].
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf, winogradApplies, winoFilterScratch } from './fmnist-simd';
import { disposeInfos, runKernel, type WasmBackendLike } from './wasm-kernel-utils';

/**
 * Benchmark/test switches: simd false forces the XNNPACK formulation; winograd false runs 3x3
 * filters on the direct GEMM too.
 */
export const conv2DBackpropFilterOptions = { simd: true, winograd: true };

function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const fmt = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (fmt !== 'channelsLast') throw new Error(`fmnist wasm Conv2DBackpropFilter supports only NHWC, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, fmt,
  );
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Rows the forward conv reads span [-pt, (OH-1)*sh + KH-1 - pt]; pad (or crop) the bottom/right.
  let pb = (OH - 1) * sh + KH - pt - H;
  let pr = (OW - 1) * sw + KW - pl - W;

  const temps: tf.TensorInfo[] = [];
  const simd = conv2DBackpropFilterOptions.simd && x.dtype === 'float32' && dy.dtype === 'float32';
  if (simd && conv2DBackpropFilterOptions.winograd && KH === 3 && KW === 3 && sh === 1 && sw === 1 && winogradApplies(Ci) && Co % 4 === 0) {
    // Winograd's F(3x3, 2x2) on x as it is (the kernel reads the padding as zeros)
    const out = backend.makeOutput([KH, KW, Ci, Co], 'float32');
    const scratch = backend.makeOutput([winoFilterScratch(Ci, Co)], 'float32');
    fmnistSimd(backend).conv2d_backprop_filter_wino_f32(
      offsetOf(backend, x.dataId), offsetOf(backend, dy.dataId), offsetOf(backend, out.dataId), offsetOf(backend, scratch.dataId),
      B, H, W, Ci, OH, OW, Co, pt, pl,
    );
    disposeInfos(backend, scratch);
    return out;
  }
  if (simd && Co % 4 === 0) {
    let xp = x;
    if (pt > 0 || pl > 0 || pb > 0 || pr > 0) {
      xp = runKernel(backend, 'PadV2', { x }, {
        paddings: [[0, 0], [pt, Math.max(pb, 0)], [pl, Math.max(pr, 0)], [0, 0]], constantValue: 0,
      });
      temps.push(xp);
    }
    const out = backend.makeOutput([KH, KW, Ci, Co], 'float32');
    fmnistSimd(backend).conv2d_backprop_filter_f32(
      offsetOf(backend, xp.dataId), offsetOf(backend, dy.dataId), offsetOf(backend, out.dataId),
      B, xp.shape[1], xp.shape[2], Ci, OH, OW, Co, KH, KW, sh, sw,
    );
    disposeInfos(backend, ...temps);
    return out;
  }
  let xin = x;
  if (pb < 0 || pr < 0) {
    // Rows/columns the forward conv never read: crop them so the padding stays non-negative.
    xin = runKernel(backend, 'Slice', { x }, { begin: [0, 0, 0, 0], size: [B, H + Math.min(pb, 0), W + Math.min(pr, 0), Ci] });
    temps.push(xin);
    pb = Math.max(pb, 0);
    pr = Math.max(pr, 0);
  }
  const xt = runKernel(backend, 'Transpose', { x: xin }, { perm: [3, 1, 2, 0] }); // [Ci, H', W', B]
  const dyt = runKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [OH, OW, B, Co]
  temps.push(xt, dyt);
  const dwt = runKernel(backend, 'Conv2D', { x: xt, filter: dyt }, {
    strides: [1, 1],
    pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [sh, sw],
    dimRoundingMode: undefined,
  }); // [Ci, KH, KW, Co]
  temps.push(dwt);
  if (dwt.shape[1] !== KH || dwt.shape[2] !== KW) {
    disposeInfos(backend, ...temps);
    throw new Error(`fmnist Conv2DBackpropFilter: internal shape mismatch ${dwt.shape} vs ${KH}x${KW}`);
  }
  const out = runKernel(backend, 'Transpose', { x: dwt }, { perm: [1, 2, 0, 3] }); // [KH, KW, Ci, Co]
  disposeInfos(backend, ...temps);
  void Co;
  return out;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
