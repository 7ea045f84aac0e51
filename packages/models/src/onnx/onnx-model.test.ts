// The protobuf wire format against the encoding guide's examples, and an encoded ModelProto run by onnxruntime.
import { describe, expect, it } from 'vitest';
import { encodeOnnxModel, type OnnxGraph } from './onnx-model';
import { createOrtRunner, loadOnnxRuntime } from './onnx-runtime';
import { ProtoWriter } from '@fmnist/core';

describe('ProtoWriter', () => {
  it('writes the protobuf wire format (varints, strings, packed ints, nested messages)', () => {
    // The examples of the protobuf encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing".
    expect([...new ProtoWriter().int(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().string(2, 'testing').finish()]).toEqual([0x12, 0x07, ...Buffer.from('testing')]);
    expect([...new ProtoWriter().packedInts(4, [3, 270, 86942]).finish()]).toEqual([0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
    expect([...new ProtoWriter().message(3, (w) => w.int(1, 150)).finish()]).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
    // int64 -1 is ten bytes of two's complement.
    expect([...new ProtoWriter().int(1, -1).finish()]).toEqual([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => new ProtoWriter().int(1, 0.5)).toThrow(/not a safe integer/);
  });
});

describe('encodeOnnxModel', () => {
  it('gives a model onnxruntime runs: Gemm + bias, Relu, Softmax over a symbolic batch', async () => {
    const ort = await loadOnnxRuntime({});
    expect(ort.ok, ort.ok ? '' : ort.why).toBe(true);
    if (!ort.ok) return;
    const graph: OnnxGraph = {
      name: 'tiny',
      nodes: [
        { op: 'Gemm', inputs: ['input', 'w', 'b'], outputs: ['z'] },
        { op: 'Relu', inputs: ['z'], outputs: ['r'] },
        { op: 'Softmax', inputs: ['r'], outputs: ['output'], attributes: { axis: -1 } },
      ],
      initializers: [
        { name: 'w', dims: [2, 3], values: Float32Array.from([1, 0, -1, 0, 1, 2]) },
        { name: 'b', dims: [3], values: Float32Array.from([0, 0, 0.5]) },
      ],
      inputs: [{ name: 'input', dims: ['batch', 2] }],
      outputs: [{ name: 'output', dims: ['batch', 3] }],
    };
    const runner = await createOrtRunner(ort.ort, encodeOnnxModel(graph), { threads: 1 });
    const out = await runner.run(Float32Array.from([1, 2, 3, -1]), [2, 2]);
    await runner.release();
    // Row 1: z = [1, 2, 3.5]; row 2: z = [3, -1, -4.5] -> relu [3, 0, 0].
    const softmax = (v: number[]) => v.map((x) => Math.exp(x) / v.reduce((a, y) => a + Math.exp(y), 0));
    const want = [...softmax([1, 2, 3.5]), ...softmax([3, 0, 0])];
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('refuses initializers whose values do not fill their dims', () => {
    const graph: OnnxGraph = { name: 'bad', nodes: [], initializers: [{ name: 'w', dims: [2, 2], values: new Float32Array(3) }], inputs: [], outputs: [] };
    expect(() => encodeOnnxModel(graph)).toThrow(/initializer w: 3 values for dims \[2, 2\]/);
  });
});
