// Test helper: what a user without this project gets from a saved model. A fresh node process
// loads model.json + weights with nothing but @tensorflow/tfjs (tf.io.fromMemory, cpu backend)
// and predicts the images of a float32 file ([n, 28, 28, 1]).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Loads dir/model.json with nothing but @tensorflow/tfjs (tf.io.fromMemory) in a fresh node process and predicts. */
export async function plainTfjsPredict(modelDir: string, xFile: string, n: number): Promise<{ classes: string[]; p: number[] }> {
  const script = `
    import * as tf from '@tensorflow/tfjs';
    import { readFileSync } from 'node:fs';
    const { MODEL_DIR, X_FILE, N } = process.env;
    await tf.setBackend('cpu');
    const json = JSON.parse(readFileSync(MODEL_DIR + '/model.json', 'utf8'));
    const w = readFileSync(MODEL_DIR + '/' + json.weightsManifest[0].paths[0]);
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength),
    }));
    const xb = readFileSync(X_FILE);
    const x = tf.tensor4d(new Float32Array(xb.buffer.slice(xb.byteOffset, xb.byteOffset + xb.byteLength)), [Number(N), 28, 28, 1]);
    process.stdout.write(JSON.stringify({ classes: model.layers.map((l) => l.getClassName()), p: Array.from(model.predict(x).dataSync()) }));
  `;
  // run where @tensorflow/tfjs resolves (this package), with nothing of the project imported
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd, env: { ...process.env, MODEL_DIR: modelDir, X_FILE: xFile, N: String(n) } });
  return JSON.parse(stdout) as { classes: string[]; p: number[] };
}
