// Conv2D for the wasm backend (and, through directConv2D, FusedConv2D in fused-conv2d.ts): the
// fmnist SIMD direct convolution (conv2d_f32 in fmnist-kernels.c) for stride 1 without dilation,
// float32, NHWC, output channels a multiple of 4 and up to MAX_TAPS filter taps; everything else goes to the upstream XNNPACK
// kernel. On both CNNs' second layer XNNPACK ran at 11-14 GMAC/s per core, the direct kernel's
// 2-pixel x 16-channel register tile at 1.3-1.5x that, and Conv2DBackpropInput (a Conv2D of dy)
// gains the same way. 3x3 filters on 8 or more input channels (a multiple of 4) run Winograd's
// F(2x2, 3x3) instead (conv2d_wino_f32): 16 multiply-adds per 2x2 output pixels and channel pair
// instead of 36, 1.5-1.8x the direct kernel on the CNNs' layers (batch 32) and about 2x on VGG's.
import * as tf from '@tensorflow/tfjs';
import { fmnistSimd, offsetOf, winogradApplies, winoScratch } from './fmnist-simd';
import { disposeInfos, runKernel, type WasmBackendLike } from './wasm-kernel-utils';

/**
 * Benchmark/test switches: simd false sends every convolution to the upstream kernel; winograd
 * false runs 3x3 filters on the direct kernel too.
 */
export const conv2DOptions = { simd: true, winograd: true };

/**
 * Filter taps per output channel (KH*KW*Ci) up to which the direct kernel runs: measured faster
 * than XNNPACK (1.05-1.7x CPU time) from the CNNs' first layer (9) to VGG's 3x3x512 (4608), where
 * a 16-channel slice of the filter (295 KB) still stays in L2; larger filters are unmeasured.
 */
const MAX_TAPS = 4608;

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1 };

/** The direct SIMD convolution when it applies, else undefined (the caller falls back). */
export function directConv2D(
  backend: WasmBackendLike, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo | undefined,
  attrs: tf.Conv2DAttrs, activation: string,
): tf.TensorInfo | undefined {
  const act = ACTIVATIONS[activation];
  if (!conv2DOptions.simd || act === undefined || x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  const fmt = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (fmt !== 'channelsLast' || x.shape.length !== 4) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, fmt,
  );
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = info;
  const { filterHeight: KH, filterWidth: KW } = info;
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  if (Co % 4 !== 0 || KH * KW * Ci > MAX_TAPS) return undefined;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== Co)) return undefined;
  const out = backend.makeOutput([B, OH, OW, Co], 'float32');
  if (B * OH * OW * Co === 0) return out;
  const simd = fmnistSimd(backend);
  if (conv2DOptions.winograd && KH === 3 && KW === 3 && winogradApplies(Ci)) {
    const scratch = backend.makeOutput([winoScratch(Ci, Co)], 'float32');
    simd.conv2d_wino_f32(
      offsetOf(backend, x.dataId), offsetOf(backend, filter.dataId), bias ? offsetOf(backend, bias.dataId) : 0,
      offsetOf(backend, out.dataId), offsetOf(backend, scratch.dataId),
      B, H, W, Ci, OH, OW, Co, info.padInfo.top, info.padInfo.left, act,
    );
    disposeInfos(backend, scratch);
    return out;
  }
  const packed = backend.makeOutput([KH * KW * Ci * Co], 'float32'); // the filter in 16-channel slices
  simd.conv2d_f32(
    offsetOf(backend, x.dataId), offsetOf(backend, filter.dataId), bias ? offsetOf(backend, bias.dataId) : 0,
    offsetOf(backend, out.dataId), offsetOf(backend, packed.dataId),
    B, H, W, Ci, OH, OW, Co, KH, KW, info.padInfo.top, info.padInfo.left, act,
  );
  disposeInfos(backend, packed);
  return out;
}

function conv2D(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DAttrs;
  return directConv2D(backend, x, filter, undefined, attrs, 'linear')
    ?? runKernel(backend, tf.Conv2D, { x, filter }, args.attrs as Record<string, unknown>, true);
}

export const conv2DConfig: tf.KernelConfig = {
  kernelName: tf.Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2D as unknown as tf.KernelFunc,
};
