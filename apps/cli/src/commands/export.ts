// fmnist export --format onnx [--out PATH] <model>: a trained CNN (tfjs layers format) as an ONNX
// model, for onnxruntime and other ONNX tools. Checked on onnxruntime against tfjs when it loads.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '@fmnist/core/node';
import type { CommandSpec } from '../command';
import { CliError } from '../errors';
import { loadModels } from '../packages';
import type { CommandContext } from '../session';

export const ONNX_FILE = 'model.onnx';
const MODEL_FIX = 'Pass a model directory holding model.json and weights.bin: a holdout run\'s model/ or a k-fold run\'s fold-<i>/model/.';

/** The model directory of the positional argument (a directory, or its model.json). */
function modelDirOf(ctx: CommandContext, given: string): string {
  let dir = resolve(ctx.cwd, given);
  if (existsSync(dir) && statSync(dir).isFile() && basename(dir) === 'model.json') dir = dirname(dir);
  if (!existsSync(join(dir, 'model.json'))) throw new CliError(`${dir}: no model.json there. ${MODEL_FIX}`, { file: dir });
  return dir;
}

/**
 * Every file this command writes starts with ModelProto's ir_version (field 1, a one-byte varint)
 * and producer_name (field 2) "fmnist"; a file that does not was not written by it.
 */
const PRODUCER = Buffer.from([0x12, 0x06, ...Buffer.from('fmnist')]);

function writtenByExport(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2 + PRODUCER.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head[0] === 0x08 && head.subarray(2).equals(PRODUCER);
  } finally {
    closeSync(fd);
  }
}

/** Where to write: --out (a file, or an existing directory to hold model.onnx), else beside model.json. */
function outputPath(ctx: CommandContext, modelDir: string, force: boolean): string {
  let out = join(modelDir, ONNX_FILE);
  if (ctx.args.out) {
    out = resolve(ctx.cwd, ctx.args.out);
    if (existsSync(out) && statSync(out).isDirectory()) out = join(out, ONNX_FILE);
  }
  if (!existsSync(dirname(out))) throw new CliError(`--out ${out}: directory ${dirname(out)} does not exist. Create it first or pass another path.`, { file: out });
  if (existsSync(out)) {
    if (!statSync(out).isFile()) throw new CliError(`${out} exists and is not a regular file. Pass a new file name or a directory with --out.`, { file: out });
    // An earlier export is replaced; any other file is the user's.
    if (!force && !writtenByExport(out)) {
      throw new CliError(`${out} exists and was not written by fmnist export; nothing written. Pass another --out, or --force to overwrite it.`, { file: out });
    }
  }
  return out;
}

export const exportCommand: CommandSpec = {
  command: 'export <model>',
  describe: 'Export a trained CNN to ONNX (for onnxruntime and other ONNX tools)',
  positionals: {
    model: { describe: 'Model directory (model.json + weights.bin), e.g. runs/holdout/<run>/model', type: 'string' },
  },
  options: {
    format: { choices: ['onnx'], describe: 'Output format', default: 'onnx', requiresArg: true },
    force: { type: 'boolean', describe: 'Overwrite an output file that fmnist export did not write', default: false },
  },
  examples: [
    ['$0 export runs/holdout/quick-1a2b3c4d/model', 'writes runs/holdout/quick-1a2b3c4d/model/model.onnx'],
    ['$0 export --format onnx --out cnn.onnx runs/kfold/quick-1a2b3c4d/fold-1/model', 'one fold\'s model to cnn.onnx'],
  ],
  epilogue:
    `Default output: ${ONNX_FILE} in the model directory (--out FILE or DIR to write elsewhere). The ONNX model (IR 8, opset 13) takes "input" [batch, 28, 28, 1] (pixels / 255, channels-last as in TensorFlow.js) and gives "output" [batch, 10] class probabilities. Dropout is the identity; batch norm uses the moving statistics. When onnxruntime-node loads, the exported model is run on random inputs and compared with TensorFlow.js.`,
  async run(ctx, argv) {
    const modelDir = modelDirOf(ctx, argv.model as string);
    const out = outputPath(ctx, modelDir, argv.force === true);
    const models = await loadModels();
    await models.initBackend(ctx.args.backend);
    const model = await models.loadModel(modelDir);
    const shape = model.inputs[0].shape.slice(1) as number[];
    const bytes = models.exportOnnx(model, { docString: `fmnist export of ${modelDir}` });
    // A check on onnxruntime: 64 random images through both engines.
    let check: { engine: 'onnxruntime'; maxAbsDifference: number } | { engine: 'tfjs'; note: string };
    const ort = await models.loadOnnxRuntime();
    if (ort.ok) {
      const n = 64;
      const size = shape.reduce((a, d) => a * d, 1);
      const x = Float32Array.from({ length: n * size }, () => Math.random());
      const runner = await models.createOrtRunner(ort.ort, bytes, { threads: 1 });
      const got = await runner.run(x, [n, ...shape]);
      await runner.release();
      const want = (await models.predictWithEngine(model, { x, n }, { engine: 'tfjs' })).probabilities;
      let d = 0;
      for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(want[i] - got[i]));
      if (!(d < 1e-4)) throw new CliError(`the ONNX model of ${modelDir} differs from it on onnxruntime (max |Δp| = ${d}); nothing written. Please report this with the model directory.`, { file: modelDir });
      check = { engine: 'onnxruntime', maxAbsDifference: d };
    } else {
      check = { engine: 'tfjs', note: ort.why };
    }
    await writeFileAtomic(out, bytes);
    const checked = check.engine === 'onnxruntime' ? `checked on onnxruntime: max |Δp| ${check.maxAbsDifference.toExponential(1)} on 64 random inputs` : `not checked: ${check.note}`;
    ctx.out.result(`${out} (${(bytes.length / 1024).toFixed(0)} KB, ONNX opset ${models.ONNX_OPSET}; ${checked})`, { model: modelDir, format: 'onnx', out, bytes: bytes.length, opset: models.ONNX_OPSET, check });
  },
};
