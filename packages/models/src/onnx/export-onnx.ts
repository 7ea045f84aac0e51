// The one entry from a tfjs layers model to ONNX bytes (graph conversion + encoding).
import * as tf from '@tensorflow/tfjs';
import { layersToOnnx, type LayersToOnnxOptions } from './from-layers';
import { encodeOnnxModel } from './onnx-model';

/** The serialized ONNX model (ModelProto) of a chain-shaped layers model; see layersToOnnx. */
export function exportOnnx(model: tf.LayersModel, o: LayersToOnnxOptions & { docString?: string } = {}): Uint8Array {
  return encodeOnnxModel(layersToOnnx(model, o), { producerVersion: `tfjs-layers ${tf.version_layers}`, docString: o.docString });
}
