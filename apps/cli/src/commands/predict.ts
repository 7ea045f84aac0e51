// fmnist predict IMAGE... --model DIR: top-3 classes for photos (PNG/JPEG up to 10 megapixels) or for the
// dataset's own files (IDX images, Kaggle CSV).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CLASS_NAMES, PIXELS } from '@fmnist/core';
import type { CommandSpec } from '../command';
import { CliError } from '../errors';
import { decodeImage, sniffImage } from '../image/decode-image';
import { toFashionMnist } from '../image/to-fashion-mnist';
import { intIn } from '../options';
import { loadData, loadModels } from '../packages';
import { requireFile, runsDir } from '../paths';
import type { CommandContext } from '../session';

/**
 * Most images read from one IDX file: the whole of Fashion-MNIST has 70,000. Checked against the
 * file's header before anything is allocated (a small .gz can announce and inflate to gigabytes).
 */
export const MAX_IMAGES_PER_FILE = 100_000;


/** Images to classify, with where each came from and its true label when the file has one. */
export interface Batch {
  images: Uint8Array;
  n: number;
  sources: { input: string; index?: number }[];
  labels: (number | undefined)[];
}

/** The model directory: --model, else the latest holdout run's model. */
export async function resolveModelDir(ctx: CommandContext, explicit: string | undefined): Promise<string> {
  const fix = 'Train one with `fmnist holdout` (or `fmnist run`), or pass --model DIR (a directory holding model.json and weights.bin).';
  if (explicit) {
    let dir = resolve(ctx.cwd, explicit);
    if (existsSync(dir) && statSync(dir).isFile() && basename(dir) === 'model.json') dir = dirname(dir);
    if (!existsSync(join(dir, 'model.json'))) throw new CliError(`--model ${dir}: no model.json there. ${fix}`, { file: dir });
    return dir;
  }
  const holdout = join(runsDir(ctx), 'holdout');
  const latest = join(holdout, 'latest.json');
  if (!existsSync(latest)) throw new CliError(`no trained model: ${latest} does not exist. ${fix}`, { file: latest });
  const data = await loadData();
  let runId: unknown;
  const text = (await data.readInputFile(latest, 'Run pointer', fix)).toString('utf8');
  try {
    runId = JSON.parse(text)?.runId;
  } catch (e) {
    throw new CliError(`${latest} is not valid JSON (${(e as Error).message}). Delete it and re-run \`fmnist holdout\`, or pass --model DIR.`, { file: latest });
  }
  // The run id is a path read from a file: one plain name, and its directory inside holdout/.
  if (!data.isPlainName(runId)) {
    throw new CliError(`${latest} names an invalid run id ${JSON.stringify(runId)} (it must be one directory name in ${holdout}). Delete it and re-run \`fmnist holdout\`, or pass --model DIR.`, { file: latest });
  }
  const dir = join(await data.resolveInside(holdout, runId, latest), 'model');
  if (!existsSync(join(dir, 'model.json'))) throw new CliError(`${latest} points to run ${runId}, but ${dir}/model.json is missing. ${fix}`, { file: dir });
  return dir;
}

function isGzip(b: Uint8Array) {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** IDX magic: 0x00000803 images (uint8, 3 dims), 0x00000801 labels. */
function idxMagic(b: Uint8Array): number | undefined {
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0) return undefined;
  return (b[2] << 8) | b[3];
}

/** The labels file beside an IDX images file (train-images-idx3-ubyte.gz → train-labels-idx1-ubyte.gz). */
function siblingLabels(file: string): string | undefined {
  const name = basename(file).replace('images-idx3', 'labels-idx1');
  if (name === basename(file)) return undefined;
  const p = join(dirname(file), name);
  return existsSync(p) ? p : undefined;
}

export async function readInputs(ctx: CommandContext, inputs: string[], limit: number | undefined): Promise<Batch> {
  const chunks: Uint8Array[] = [];
  const sources: Batch['sources'] = [];
  const labels: Batch['labels'] = [];
  const take = (images: Uint8Array, n: number, input: string, lab?: Uint8Array) => {
    const m = limit === undefined ? n : Math.min(n, limit);
    chunks.push(images.subarray(0, m * PIXELS));
    for (let i = 0; i < m; i++) {
      sources.push({ input, index: i + 1 });
      labels.push(lab ? lab[i] : undefined);
    }
  };
  const data = await loadData();
  for (const file of expandInputs(ctx, inputs)) {
    // Only regular files are read (a FIFO or a device is refused at once), and only their head
    // until the kind of file is known.
    const head = await data.readInputHead(file, 4096, 'Input');
    const kind = sniffImage(head);
    if (kind) {
      const img = decodeImage(await data.readInputFile(file, 'Input'), file);
      chunks.push(toFashionMnist(img).pixels);
      sources.push({ input: file });
      labels.push(undefined);
      continue;
    }
    // A .gz is inflated only as far as its 16-byte IDX header (it may inflate to gigabytes).
    const magicBytes = isGzip(head) ? await data.readContentHead(file, 16) : head;
    const magic = idxMagic(magicBytes);
    if (magic === data.IDX_IMAGES_MAGIC) {
      checkImageCount(file, magicBytes);
      const { n, images } = await data.readIdxImages(file, ctx.onProgress);
      const lf = siblingLabels(file);
      if (lf) {
        // Its header must announce as many labels as there are images before the file is read.
        const lh = Buffer.from(await data.readContentHead(lf, 8));
        const count = lh.length === 8 && idxMagic(lh) === data.IDX_LABELS_MAGIC ? lh.readUInt32BE(4) : n; // else readIdxLabels says what is wrong
        if (count !== n) throw new CliError(`${lf} holds ${count} labels but ${file} holds ${n} images. Use the labels file of the same split.`, { file: lf });
      }
      const lab = lf ? await data.readIdxLabels(lf) : undefined;
      take(images, n, file, lab);
      continue;
    }
    if (magic === data.IDX_LABELS_MAGIC) throw new CliError(`${file} is an IDX labels file. Pass the images file (e.g. t10k-images-idx3-ubyte.gz); its labels are read from beside it.`, { file });
    if (/\.csv(\.gz)?$/i.test(file) || /^\s*"?label"?\s*,/.test(Buffer.from(head).toString('latin1'))) {
      const r = await data.readCsv(file, ctx.onProgress);
      if (r.split.n < r.rowsRead) ctx.out.warn(`${file}: ${r.rowsRead - r.split.n} of ${r.rowsRead} rows are invalid or incomplete and were skipped (see \`fmnist data prepare\` for the details)`);
      take(r.split.images, r.split.n, file, r.split.labels);
      continue;
    }
    // Falls through to the image decoder's message (not an image, IDX or CSV).
    decodeImage(head, file);
  }
  ctx.progress.stop();
  const n = sources.length;
  const images = new Uint8Array(n * PIXELS);
  let off = 0;
  for (const c of chunks) {
    images.set(c, off);
    off += c.length;
  }
  return { images, n, sources, labels };
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** Files as given; a directory stands for the PNG/JPEG images in it (sorted by name). */
function expandInputs(ctx: CommandContext, inputs: string[]): string[] {
  const out: string[] = [];
  for (const raw of inputs) {
    const abs = resolve(ctx.cwd, raw);
    if (existsSync(abs) && statSync(abs).isDirectory()) {
      const images = readdirSync(abs).filter((f) => IMAGE_EXT.test(f)).sort().map((f) => join(abs, f));
      if (!images.length) throw new CliError(`${abs}: no .png, .jpg or .jpeg files in this directory. Pass image files, or a directory holding some.`, { file: abs });
      out.push(...images);
    } else {
      out.push(requireFile(abs, 'input', 'Pass PNG/JPEG images (or a directory of them), an IDX images file or a Kaggle CSV.'));
    }
  }
  return out;
}

/** An IDX images header announcing more images than predict reads from one file is refused before any allocation. */
function checkImageCount(file: string, header: Uint8Array): void {
  if (header.length < 8) return; // the reader reports the short header
  const count = Buffer.from(header).readUInt32BE(4);
  if (count > MAX_IMAGES_PER_FILE) {
    throw new CliError(
      `${file}: its IDX header announces ${count.toLocaleString('en-US')} images; predict reads at most ${MAX_IMAGES_PER_FILE.toLocaleString('en-US')} per file (all of Fashion-MNIST has 70,000). Pass an official Fashion-MNIST images file, or split this one.`,
      { file },
    );
  }
}

export interface Prediction {
  input: string;
  index?: number;
  label?: number;
  top: { label: number; name: string; probability: number }[];
}

export function topK(probs: Float32Array, row: number, k: number, names: readonly string[]): Prediction['top'] {
  const p = Array.from(probs.subarray(row * 10, row * 10 + 10));
  return p
    .map((probability, label) => ({ label, name: names[label], probability }))
    .sort((a, b) => b.probability - a.probability || a.label - b.label)
    .slice(0, k);
}

export const predictCommand: CommandSpec = {
  command: 'predict <inputs..>',
  describe: 'Classify images (PNG/JPEG up to 10 megapixels) or IDX/CSV files with a trained model',
  positionals: {
    inputs: { describe: 'PNG/JPEG images (or directories of them), IDX images files (labels read from beside them) or Kaggle CSVs', type: 'string', array: true },
  },
  options: {
    model: { type: 'string', describe: 'Model directory (model.json + weights.bin). Default: the latest holdout run (<runs-dir>/holdout/latest.json)', requiresArg: true },
    top: { type: 'number', describe: 'How many classes to print per image', default: 3, coerce: intIn('top', 1, 10), requiresArg: true },
    limit: { type: 'number', describe: 'Classify only the first N images of each IDX/CSV file', coerce: intIn('limit', 1), requiresArg: true },
  },
  examples: [
    ['$0 predict shoe.jpg shirt.png', 'top-3 classes of two photos, with the latest holdout model'],
    ['$0 predict photos/ --json', 'every PNG/JPEG in a directory, as JSON'],
    ['$0 predict /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --limit 100 --json', 'the first 100 test images, with accuracy'],
    ['$0 predict fashion-mnist_test.csv --model runs/holdout/quick-1a2b3c4d/model', 'a Kaggle CSV with a given model'],
  ],
  epilogue:
    'Photos are converted the way Fashion-MNIST was made: grayscale, trimmed to the object, longest edge resized to 28 px (area averaging), centred, and negated when the background is light (the dataset has light objects on black). A 28×28 image is used as it is (negated if its background is light). With IDX/CSV inputs the true labels are known and the accuracy is printed.',
  async run(ctx, argv) {
    const modelDir = await resolveModelDir(ctx, argv.model);
    const { initBackend, loadModel, predictWithEngine } = await loadModels();
    const backend = await initBackend(ctx.args.backend);
    const model = await loadModel(modelDir);
    const shape = model.inputs[0].shape;
    if (shape.slice(1).join(',') !== '28,28,1') {
      throw new CliError(
        `${modelDir}: the model takes inputs of shape [${shape.map((d) => d ?? 'batch').join(', ')}], not 28×28×1 images. Use a CNN trained on Fashion-MNIST images: a holdout run's model/ or a k-fold run's fold-<i>/model/.`,
        { file: modelDir },
      );
    }
    const batch = await readInputs(ctx, argv.inputs as string[], argv.limit);
    const names: readonly string[] = CLASS_NAMES;
    const x = new Float32Array(batch.n * PIXELS);
    for (let i = 0; i < x.length; i++) x[i] = batch.images[i] / 255;
    const known = batch.labels.every((l) => l !== undefined);
    // onnxruntime-node scores when it loads, unless a tfjs backend was asked for by name.
    const scored = await predictWithEngine(model, { x, n: batch.n }, { engine: ctx.args.backend === 'auto' ? 'auto' : 'tfjs', batchSize: 256 });
    if (scored.note) ctx.out.warn(`scoring on the tfjs ${backend.name} backend: ${scored.note}`);
    const probabilities = scored.probabilities;
    const predictions: Prediction[] = batch.sources.map((s, i) => ({
      input: s.input,
      ...(s.index !== undefined ? { index: s.index } : {}),
      ...(batch.labels[i] !== undefined ? { label: batch.labels[i] } : {}),
      top: topK(probabilities, i, argv.top, names),
    }));
    let correct = 0;
    for (const p of predictions) if (p.label !== undefined && p.top[0].label === p.label) correct++;
    const accuracy = known && batch.n > 0 ? correct / batch.n : undefined;
    const lines = predictions.map((p) => {
      const where = p.index !== undefined ? `${p.input}#${p.index}` : p.input;
      const truth = p.label !== undefined ? ` [true: ${names[p.label]}${p.top[0].label === p.label ? '' : ' ✗'}]` : '';
      return `${where}: ${p.top.map((t) => `${t.name} ${(t.probability * 100).toFixed(1)}%`).join(', ')}${truth}`;
    });
    if (accuracy !== undefined) lines.push(`accuracy: ${(accuracy * 100).toFixed(2)}% (${correct}/${batch.n})`);
    ctx.out.result(lines.join('\n'), { model: modelDir, backend: backend.name, engine: scored.engine, predictions, ...(accuracy !== undefined ? { accuracy, correct, n: batch.n } : {}) });
  },
};
