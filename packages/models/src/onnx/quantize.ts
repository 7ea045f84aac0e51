// Static int8 quantization of an exported conv chain (the VGG conv bases): each Conv (with the
// Relu after it) becomes one QLinearConv on uint8 activations and int8 weights, which
// onnxruntime's MLAS runs with the int8 dot-product instructions (VNNI: four products per lane
// where float32 has one). The ranges of the activations are observed on calibration images by the
// float32 graph (min/max, as onnxruntime's own static quantizer does by default); weights are
// quantized per output channel, symmetric, to [-127, 127]; biases to int32 at the product of the
// input's and the channel's scales. MaxPool runs on the uint8 values unchanged (max commutes with
// the monotone quantization), and the graph dequantizes once, before the final transpose/flatten.
//
// A ReLU after a conv costs nothing: its output range starts at 0, so the uint8 zero point is 0
// and QLinearConv's saturation to [0, 255] is the ReLU.
import type { OnnxGraph, OnnxInitializer, OnnxNode } from './onnx-model';
import { ModelsError } from '../errors';

/** Observed [min, max] of float tensors, by name. */
export type ActivationRanges = ReadonlyMap<string, { min: number; max: number }>;

/** Ops the quantized graph handles; anything else before the last conv stops it. */
const PASS_THROUGH_ON_UINT8 = new Set(['MaxPool']);

interface ConvStep {
  conv: OnnxNode;
  /** The Relu right after it (folded into the uint8 output), if any. */
  relu?: OnnxNode;
}

/**
 * The float tensors whose ranges quantizeConvGraph needs: every conv's input where it arrives in
 * float (the graph's first conv), and every conv's output (after its Relu when it has one).
 */
export function calibrationTensors(graph: OnnxGraph): string[] {
  const names: string[] = [];
  let quantized = false;
  forEachStep(graph, (step) => {
    if ('conv' in step) {
      if (!quantized) names.push(step.conv.inputs[0]);
      names.push((step.relu ?? step.conv).outputs[0]);
      quantized = true;
    } else if (!PASS_THROUGH_ON_UINT8.has(step.op)) {
      quantized = false;
    }
  });
  if (names.length === 0) throw new ModelsError(`Graph "${graph.name}" has no Conv to quantize.`);
  return names;
}

/** The graph with `names` as additional float outputs (what calibration reads). */
export function withOutputs(graph: OnnxGraph, names: readonly string[]): OnnxGraph {
  return { ...graph, outputs: [...graph.outputs, ...names.map((name) => ({ name, dims: ['batch', 'c', 'h', 'w'] }))] };
}

/** Folds observed batches of a tensor into a running [min, max]. */
export function observeRange(ranges: Map<string, { min: number; max: number }>, name: string, values: Float32Array): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const r = ranges.get(name);
  ranges.set(name, r ? { min: Math.min(r.min, min), max: Math.max(r.max, max) } : { min, max });
}

/** uint8 affine parameters covering [min, max] and 0 (0 exactly representable, as ONNX requires for padding). */
export function uint8Params(range: { min: number; max: number }): { scale: number; zeroPoint: number } {
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max)) throw new ModelsError(`Activation range [${range.min}, ${range.max}] is not finite; the calibration images produced no usable values.`);
  const min = Math.min(0, range.min);
  const max = Math.max(0, range.max);
  const scale = max - min > 0 ? (max - min) / 255 : 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-min / scale)));
  return { scale, zeroPoint };
}

/**
 * Per-output-channel symmetric int8 weights of an OIHW (or [out, ...]) float kernel, in
 * [-levels, levels] (127; 63 where the CPU's int8 products saturate, see cpuHasVnni).
 */
export function quantizeKernel(w: Float32Array, outChannels: number, levels = 127): { q: Int8Array; scales: Float32Array } {
  const per = w.length / outChannels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let m = 0;
    for (let i = o * per; i < (o + 1) * per; i++) m = Math.max(m, Math.abs(w[i]));
    const s = m > 0 ? m / levels : 1;
    scales[o] = s;
    for (let i = o * per; i < (o + 1) * per; i++) q[i] = Math.max(-levels, Math.min(levels, Math.round(w[i] / s)));
  }
  return { q, scales };
}

/**
 * The int8 version of a float conv chain (as layersToOnnx writes the VGG bases), with activation
 * ranges from calibration (see calibrationTensors). Input and output stay float32, same names.
 */
export function quantizeConvGraph(graph: OnnxGraph, ranges: ActivationRanges, o: { weightBits?: 7 | 8 } = {}): OnnxGraph {
  const levels = o.weightBits === 7 ? 63 : 127;
  const init = new Map(graph.initializers.map((t) => [t.name, t]));
  const initializers: OnnxInitializer[] = [];
  const nodes: OnnxNode[] = [];
  let n = 0;
  const fresh = (what: string) => `${what}_q${n++}`;
  const scalar = (name: string, values: OnnxInitializer['values']) => {
    initializers.push({ name, dims: [], values });
    return name;
  };
  const rangeOf = (name: string) => {
    const r = ranges.get(name);
    if (!r) throw new ModelsError(`No calibration range for tensor "${name}" of graph "${graph.name}".`, { hint: 'Calibrate with the tensors calibrationTensors(graph) lists.' });
    return r;
  };
  // the current tensor: its name, and its uint8 scale/zero point once quantized
  let cur = graph.inputs[0].name;
  let q: { scale: number; zeroPoint: number; scaleName: string; zpName: string } | null = null;
  const quantParams = (p: { scale: number; zeroPoint: number }, at: string) => ({
    ...p,
    scaleName: scalar(`${at}.scale`, Float32Array.of(p.scale)),
    zpName: scalar(`${at}.zero_point`, Uint8Array.of(p.zeroPoint)),
  });
  const dequantize = () => {
    if (!q) return;
    const out = fresh('dequantized');
    nodes.push({ op: 'DequantizeLinear', inputs: [cur, q.scaleName, q.zpName], outputs: [out] });
    cur = out;
    q = null;
  };
  // renames: original tensor name -> the name it has in the new graph (float or uint8)
  const rename = new Map<string, string>();
  const input = (name: string) => rename.get(name) ?? name;

  forEachStep(graph, (step) => {
    if ('conv' in step) {
      const { conv, relu } = step;
      if (input(conv.inputs[0]) !== cur) throw new ModelsError(`Graph "${graph.name}" is not a chain at ${conv.name ?? 'a Conv'}.`);
      if (!q) {
        const p = quantParams(uint8Params(rangeOf(conv.inputs[0])), fresh('input'));
        const out = fresh('quantized');
        nodes.push({ op: 'QuantizeLinear', inputs: [cur, p.scaleName, p.zpName], outputs: [out] });
        cur = out;
        q = p;
      }
      const weight = init.get(conv.inputs[1]);
      if (!weight || !(weight.values instanceof Float32Array)) throw new ModelsError(`Conv ${conv.name ?? ''} of graph "${graph.name}" has no float kernel initializer.`);
      const outChannels = weight.dims[0];
      const { q: wq, scales } = quantizeKernel(weight.values, outChannels, levels);
      const name = conv.name ?? fresh('conv');
      initializers.push({ name: `${name}.weight_q`, dims: weight.dims, values: wq });
      initializers.push({ name: `${name}.weight_scale`, dims: [outChannels], values: scales });
      initializers.push({ name: `${name}.weight_zero_point`, dims: [outChannels], values: new Int8Array(outChannels) });
      const last = relu ?? conv;
      const y = quantParams(uint8Params(rangeOf(last.outputs[0])), name);
      const inputs = [cur, q.scaleName, q.zpName, `${name}.weight_q`, `${name}.weight_scale`, `${name}.weight_zero_point`, y.scaleName, y.zpName];
      const biasName = conv.inputs[2];
      if (biasName) {
        const b = init.get(biasName);
        if (!b || !(b.values instanceof Float32Array)) throw new ModelsError(`Conv ${name} of graph "${graph.name}" has no float bias initializer.`);
        const bq = new Int32Array(outChannels);
        for (let o = 0; o < outChannels; o++) bq[o] = Math.round(b.values[o] / (q.scale * scales[o]));
        initializers.push({ name: `${name}.bias_q`, dims: [outChannels], values: bq });
        inputs.push(`${name}.bias_q`);
      }
      const out = fresh(`${name}_uint8`);
      nodes.push({ op: 'QLinearConv', inputs, outputs: [out], name, ...(conv.attributes ? { attributes: conv.attributes } : {}) });
      rename.set(last.outputs[0], out);
      cur = out;
      q = y;
      return;
    }
    if (input(step.inputs[0]) !== cur) throw new ModelsError(`Graph "${graph.name}" is not a chain at its ${step.op} node.`);
    if (q && PASS_THROUGH_ON_UINT8.has(step.op)) {
      const out = fresh(`${step.op.toLowerCase()}_uint8`);
      nodes.push({ ...step, inputs: [cur, ...step.inputs.slice(1)], outputs: [out] });
      rename.set(step.outputs[0], out);
      cur = out;
      return;
    }
    dequantize();
    nodes.push({ ...step, inputs: [cur, ...step.inputs.slice(1)] });
    cur = step.outputs[0];
  });
  dequantize();
  const outputName = graph.outputs[0].name;
  if (cur !== outputName) nodes[nodes.length - 1].outputs = [outputName];
  // the float initializers still read (the quantized convs read their own int8/int32 copies)
  const read = new Set(nodes.flatMap((x) => x.inputs));
  for (const t of graph.initializers) if (read.has(t.name)) initializers.push(t);
  return { ...graph, name: `${graph.name}-int8`, nodes, initializers };
}

/** Walks a chain's nodes, pairing each Conv with the Relu that directly consumes its output. */
function forEachStep(graph: OnnxGraph, visit: (step: ConvStep | OnnxNode) => void): void {
  const nodes = graph.nodes;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    if (node.op === 'Conv') {
      const next = nodes[i + 1];
      const relu = next?.op === 'Relu' && next.inputs[0] === node.outputs[0] ? next : undefined;
      visit(relu ? { conv: node, relu } : { conv: node });
      if (relu) i++;
    } else {
      visit(node);
    }
  }
}
