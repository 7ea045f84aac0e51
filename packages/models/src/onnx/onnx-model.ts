// An ONNX model as plain values (graph, nodes, float32 initializers) and its encoding as a
// ModelProto (onnx/onnx.proto field numbers below). Only what the exported networks use: one
// graph, float32 tensors, int/float/ints attributes, the default operator set.
import { ProtoWriter } from '@fmnist/core';

/** ONNX IR version 8 and operator set 13 (Softmax over one axis, optional Gemm C): ORT 1.x runs both. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 13;

const FLOAT = 1; // TensorProto.DataType.FLOAT
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

export type OnnxAttribute = number | string | readonly number[] | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, OnnxAttribute>;
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  /**
   * float32 weights; int8/uint8/int32 values (quantized weights, zero points, biases); or int64
   * values (shapes for Reshape) as plain numbers. dims [] is a scalar.
   */
  values: Float32Array | Int8Array | Uint8Array | Int32Array | { int64: number[] };
}

export interface OnnxValueInfo {
  name: string;
  /** A dimension is a size or a symbolic name ('batch'). */
  dims: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

function writeAttribute(w: ProtoWriter, name: string, value: OnnxAttribute): void {
  // AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20.
  w.string(1, name);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new RangeError(`ONNX attribute ${name}: ${value} is not an integer; pass { float: ${value} }`);
    w.int(3, value).int(20, ATTR_INT);
  } else if (typeof value === 'string') {
    w.string(4, value).int(20, ATTR_STRING);
  } else if ('float' in value) {
    w.float(2, value.float).int(20, ATTR_FLOAT);
  } else {
    w.packedInts(8, [...value]).int(20, ATTR_INTS);
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.op);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, (a) => writeAttribute(a, k, v));
}

const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

/** raw_data is little-endian: the array's own bytes on such machines, else converted. */
function littleEndianBytes(values: Float32Array | Int32Array | Int8Array | Uint8Array): Uint8Array {
  if (LITTLE_ENDIAN || values.BYTES_PER_ELEMENT === 1) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) view.setFloat32(i * 4, values[i], true);
    else view.setInt32(i * 4, values[i], true);
  }
  return raw;
}

function dataType(values: Float32Array | Int8Array | Uint8Array | Int32Array): number {
  if (values instanceof Float32Array) return FLOAT;
  if (values instanceof Int8Array) return INT8;
  if (values instanceof Uint8Array) return UINT8;
  return INT32;
}

function writeTensor(w: ProtoWriter, t: OnnxInitializer): void {
  // TensorProto: dims 1 (packed), data_type 2, name 8, raw_data 9 (little-endian values).
  const count = t.dims.reduce((a, d) => a * d, 1);
  w.packedInts(1, t.dims);
  if (!('int64' in t.values)) {
    if (t.values.length !== count) throw new RangeError(`ONNX initializer ${t.name}: ${t.values.length} values for dims [${t.dims.join(', ')}]`);
    w.int(2, dataType(t.values)).string(8, t.name);
    w.bytes(9, littleEndianBytes(t.values));
  } else {
    const ints = t.values.int64;
    if (ints.length !== count) throw new RangeError(`ONNX initializer ${t.name}: ${ints.length} values for dims [${t.dims.join(', ')}]`);
    w.int(2, INT64).string(8, t.name);
    const raw = new Uint8Array(count * 8);
    const view = new DataView(raw.buffer);
    ints.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    w.bytes(9, raw);
  }
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  // ValueInfoProto: name 1, type 2 -> TypeProto.tensor_type 1 -> elem_type 1, shape 2 -> dim 1 -> dim_value 1 | dim_param 2.
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** The serialized ModelProto (what onnxruntime's InferenceSession.create takes as bytes). */
export function encodeOnnxModel(graph: OnnxGraph, o: { producerVersion?: string; docString?: string } = {}): Uint8Array {
  // ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8.
  const w = new ProtoWriter();
  w.int(1, ONNX_IR_VERSION).string(2, 'fmnist').string(3, o.producerVersion ?? '0.1.0');
  if (o.docString) w.string(6, o.docString);
  // GraphProto: node 1, name 2, initializer 5, input 11, output 12.
  w.message(7, (g) => {
    for (const n of graph.nodes) g.message(1, (m) => writeNode(m, n));
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (m) => writeTensor(m, t));
    for (const i of graph.inputs) g.message(11, (m) => writeValueInfo(m, i));
    for (const out of graph.outputs) g.message(12, (m) => writeValueInfo(m, out));
  });
  // OperatorSetIdProto: domain 1 (empty: the default ONNX domain), version 2.
  w.message(8, (op) => op.int(2, ONNX_OPSET));
  return w.finish();
}
