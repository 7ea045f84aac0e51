// A tfjs layers model (this project's CNNs and VGG conv bases: a chain of layers) as an ONNX graph
// with the same inputs, outputs and weights, so onnxruntime can run its inference.
//
// tfjs is channels-last (NHWC) and ONNX's Conv/MaxPool/BatchNormalization are channels-first
// (NCHW): the graph transposes once after the input and back before Flatten (or at the end), so
// flattened features keep tfjs' element order and a Dense kernel applies unchanged.
import type * as tf from '@tensorflow/tfjs';
import { ModelsError } from '../errors';
import type { OnnxGraph, OnnxInitializer, OnnxNode } from './onnx-model';

/** tfjs activation -> ONNX op (Keras' selu and elu constants are ONNX's defaults). */
const ACTIVATION_OPS: Readonly<Record<string, string | null>> = {
  linear: null,
  relu: 'Relu',
  tanh: 'Tanh',
  elu: 'Elu',
  selu: 'Selu',
  sigmoid: 'Sigmoid',
  softmax: 'Softmax',
};

const IDENTITY_LAYERS = new Set(['InputLayer', 'Dropout', 'SeededDropout']);

export interface LayersToOnnxOptions {
  /** Flatten a spatial output to [batch, features] in tfjs' (NHWC) order, as extractFeatures does. */
  flattenOutput?: boolean;
}

type Layout = 'nhwc' | 'nchw' | 'flat';

interface Config {
  activation?: string;
  padding?: string;
  strides?: number | number[];
  poolSize?: number | number[];
  kernelSize?: number | number[];
  dilationRate?: number | number[];
  dataFormat?: string;
  epsilon?: number;
  axis?: number | number[];
  center?: boolean;
  scale?: boolean;
  useBias?: boolean;
}

const pair = (v: number | number[] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v];

/** Weight values of a layer by their short name (kernel, bias, gamma, moving_mean, ...). */
function weightsOf(layer: tf.layers.Layer): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  const values = layer.getWeights();
  layer.weights.forEach((w, i) => {
    const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
    out.set(short, { shape: [...values[i].shape], values: values[i].dataSync() as Float32Array });
  });
  return out;
}

/** [kh, kw, in, out] (tfjs) -> [out, in, kh, kw] (ONNX Conv). */
function convKernelToOihw(k: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o];
  return out;
}

/**
 * The ONNX graph of a chain-shaped layers model: input "input" [batch, ...inputShape], output
 * "output". Throws a ModelsError naming the layer for anything it cannot express.
 */
export function layersToOnnx(model: tf.LayersModel, o: LayersToOnnxOptions = {}): OnnxGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ModelsError(`Model "${model.name}" has ${model.inputs.length} inputs and ${model.outputs.length} outputs; ONNX export handles one of each.`);
  }
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  let cur = 'input';
  let layout: Layout = inputShape.length === 3 ? 'nhwc' : 'flat';
  let n = 0;
  const fresh = (what: string) => `${what}_${n++}`;
  const add = (op: string, inputs: string[], attributes?: OnnxNode['attributes'], name?: string): string => {
    const out = fresh(op.toLowerCase());
    nodes.push({ op, inputs, outputs: [out], ...(name ? { name } : {}), ...(attributes ? { attributes } : {}) });
    return out;
  };
  const weight = (name: string, dims: number[], values: Float32Array) => {
    initializers.push({ name, dims, values });
    return name;
  };
  const toNchw = () => {
    if (layout === 'nhwc') cur = add('Transpose', [cur], { perm: [0, 3, 1, 2] });
    layout = 'nchw';
  };
  const flatten = () => {
    if (layout === 'nchw') cur = add('Transpose', [cur], { perm: [0, 2, 3, 1] });
    if (layout !== 'flat') cur = add('Flatten', [cur], { axis: 1 });
    layout = 'flat';
  };
  const activation = (layer: tf.layers.Layer, name: string | undefined) => {
    if (name === undefined) return;
    const op = ACTIVATION_OPS[name];
    if (op === undefined) throw unsupported(layer, `activation "${name}"`);
    if (op === null) return;
    if (op === 'Softmax' && layout !== 'flat') throw unsupported(layer, 'softmax over a spatial tensor');
    cur = add(op, [cur], op === 'Softmax' ? { axis: -1 } : undefined);
  };

  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Config;
    if (IDENTITY_LAYERS.has(cls)) continue; // dropout is the identity at inference
    if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, `dataFormat ${cfg.dataFormat}`);
    const w = weightsOf(layer);
    switch (cls) {
      case 'Conv2D': {
        if (layout === 'flat') throw unsupported(layer, 'a Conv2D after Flatten');
        toNchw();
        const kernel = w.get('kernel')!;
        const [kh, kw, cin, cout] = kernel.shape;
        const inputs = [cur, weight(`${layer.name}.weight`, [cout, cin, kh, kw], convKernelToOihw(kernel.values, kernel.shape))];
        const bias = w.get('bias');
        if (bias) inputs.push(weight(`${layer.name}.bias`, [cout], bias.values));
        cur = add('Conv', inputs, {
          kernel_shape: [kh, kw],
          strides: pair(cfg.strides, 1),
          dilations: pair(cfg.dilationRate, 1),
          auto_pad: cfg.padding === 'same' ? 'SAME_UPPER' : 'VALID',
        }, layer.name);
        activation(layer, cfg.activation);
        break;
      }
      case 'MaxPooling2D': {
        if (layout === 'flat') throw unsupported(layer, 'pooling after Flatten');
        toNchw();
        const size = pair(cfg.poolSize, 2);
        cur = add('MaxPool', [cur], { kernel_shape: size, strides: pair(cfg.strides ?? cfg.poolSize, 2), auto_pad: cfg.padding === 'same' ? 'SAME_UPPER' : 'VALID' }, layer.name);
        break;
      }
      case 'BatchNormalization': {
        const axis = Array.isArray(cfg.axis) ? cfg.axis[0] : (cfg.axis ?? -1);
        const rank = layout === 'flat' ? 2 : 4;
        if (axis !== -1 && axis !== rank - 1) throw unsupported(layer, `batch norm over axis ${axis}`);
        if (layout === 'nhwc') toNchw();
        const mean = w.get('moving_mean')!;
        const c = mean.shape[0];
        const gamma = w.get('gamma')?.values ?? new Float32Array(c).fill(1);
        const beta = w.get('beta')?.values ?? new Float32Array(c);
        cur = add('BatchNormalization', [
          cur,
          weight(`${layer.name}.gamma`, [c], gamma),
          weight(`${layer.name}.beta`, [c], beta),
          weight(`${layer.name}.moving_mean`, [c], mean.values),
          weight(`${layer.name}.moving_variance`, [c], w.get('moving_variance')!.values),
        ], { epsilon: { float: cfg.epsilon ?? 1e-3 } }, layer.name);
        break;
      }
      case 'Activation':
        activation(layer, cfg.activation);
        break;
      case 'Flatten':
        flatten();
        break;
      case 'Dense': {
        if (layout !== 'flat') throw unsupported(layer, 'Dense on a spatial tensor (Flatten first)');
        const kernel = w.get('kernel')!;
        const inputs = [cur, weight(`${layer.name}.weight`, kernel.shape, kernel.values)];
        const bias = w.get('bias');
        if (bias) inputs.push(weight(`${layer.name}.bias`, bias.shape, bias.values));
        cur = add('Gemm', inputs, undefined, layer.name);
        activation(layer, cfg.activation);
        break;
      }
      default:
        throw unsupported(layer, `layer class ${cls}`);
    }
  }
  if (o.flattenOutput) flatten();
  else if ((layout as Layout) === 'nchw') cur = add('Transpose', [cur], { perm: [0, 2, 3, 1] });
  if (nodes.length === 0) throw new ModelsError(`Model "${model.name}" has no layer to export.`);
  // The last node writes the graph output by name.
  nodes[nodes.length - 1].outputs = ['output'];
  const outShape = model.outputs[0].shape.slice(1) as number[];
  const outDims = o.flattenOutput ? [outShape.reduce((a, d) => a * d, 1)] : outShape;
  return {
    name: model.name,
    nodes,
    initializers,
    inputs: [{ name: 'input', dims: ['batch', ...inputShape] }],
    outputs: [{ name: 'output', dims: ['batch', ...outDims] }],
  };
}

function unsupported(layer: tf.layers.Layer, what: string): ModelsError {
  return new ModelsError(`Layer "${layer.name}" cannot be exported to ONNX: ${what} is not supported.`, {
    hint: 'ONNX export covers the CNNs fmnist trains and the VGG conv bases (Conv2D, BatchNormalization, activations, MaxPooling2D, Dropout, Flatten, Dense).',
  });
}
