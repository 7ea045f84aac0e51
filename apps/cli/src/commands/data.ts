// fmnist data fetch | prepare | info
import { resolve } from 'node:path';
import type { DatasetLocation } from '@fmnist/data';
import type { CommandSpec } from '../command';
import { UsageError } from '../errors';
import { loadData } from '../packages';
import { DATA_DIR_FIX, isPrepared, preparedDir, requireDir, requireFile } from '../paths';
import type { CommandContext } from '../session';

export const dataFetch: CommandSpec = {
  command: 'fetch',
  describe: 'Download the four official IDX files from the Fashion-MNIST mirror (MD5-verified)',
  examples: [
    ['$0 data fetch', 'download into the user cache (where discovery looks)'],
    ['$0 data fetch --out ./fashion', 'download into ./fashion'],
  ],
  epilogue: 'Files already present with the right MD5 are not downloaded again. A download whose MD5 does not match the published sum is discarded and the command fails; a file already there is only ever replaced by a verified download.',
  async run(ctx) {
    const { fetchDataset } = await loadData();
    const dir = ctx.args.out ? resolve(ctx.cwd, ctx.args.out) : undefined;
    // Aborting removes the partial download; Ctrl-C therefore stops it cleanly.
    const loc = await ctx.abortable(() => fetchDataset({ dir, onProgress: ctx.onProgress, signal: ctx.signal }));
    ctx.progress.stop();
    ctx.out.result(`dataset ready in ${loc.dir}`, loc);
  },
};

/** Where the raw data comes from: --data-dir or the two CSV flags. */
export function rawSource(ctx: CommandContext, argv: Record<string, any>): { dataDir?: string; trainCsv?: string; testCsv?: string } {
  const csvFix = 'Give both --train-csv and --test-csv, each a Kaggle CSV with the header label,pixel1..pixel784.';
  if (argv.trainCsv || argv.testCsv) {
    if (!argv.trainCsv || !argv.testCsv) throw new UsageError(csvFix);
    if (ctx.args.dataDir) throw new UsageError('Give either --data-dir or --train-csv/--test-csv, not both.');
    return {
      trainCsv: requireFile(resolve(ctx.cwd, argv.trainCsv), '--train-csv', csvFix),
      testCsv: requireFile(resolve(ctx.cwd, argv.testCsv), '--test-csv', csvFix),
    };
  }
  if (ctx.args.dataDir) return { dataDir: requireDir(resolve(ctx.cwd, ctx.args.dataDir), '--data-dir', DATA_DIR_FIX) };
  return {};
}

/** Runs `prepare` from @fmnist/data and returns its result; a damaged cache it rebuilt is a warning. */
export async function runPrepare(ctx: CommandContext, source: { dataDir?: string; trainCsv?: string; testCsv?: string }, outDir: string, force = false) {
  const { prepare } = await loadData();
  // prepare honours the signal between its stages and writes its outputs atomically.
  const r = await ctx.abortable(() => prepare({ ...source, out: outDir, force, onProgress: ctx.onProgress, signal: ctx.signal }));
  ctx.progress.stop();
  if (typeof r.damaged === 'string') ctx.out.warn(`${r.damaged}; prepared it again`);
  return r;
}

export const dataPrepare: CommandSpec = {
  command: 'prepare',
  describe: 'Clean, check balance and correlate; write Arrow files and JSON reports',
  options: {
    'train-csv': { type: 'string', describe: 'Kaggle-format training CSV (label,pixel1..pixel784) instead of --data-dir', requiresArg: true, implies: 'test-csv' },
    'test-csv': { type: 'string', describe: 'Kaggle-format test CSV', requiresArg: true, implies: 'train-csv' },
    force: { type: 'boolean', describe: 'Prepare again even when --out already holds these inputs, prepared and verified', default: false },
  },
  examples: [
    ['$0 data prepare', 'find the dataset (see --data-dir) and write runs/data'],
    ['$0 data prepare --data-dir /usr/share/datasets/fashion-mnist --out prepared', 'from the official IDX files'],
    ['$0 data prepare --train-csv fashion-mnist_train.csv --test-csv fashion-mnist_test.csv --out prepared', 'from the Kaggle CSVs'],
    ['$0 data prepare --force', 'rebuild runs/data from scratch'],
  ],
  epilogue:
    'Writes train.arrow, test.arrow, cleaning.json, balance.json, correlation-train.arrow, correlation-test.arrow and summary.json into --out (default <runs-dir>/data). Re-running with unchanged inputs reads the files back instead of re-parsing, once they match the sizes and SHA-256 hashes summary.json records; a damaged directory is prepared again (with a warning), and --force always prepares again. Bad input leaves --out untouched.',
  async run(ctx, argv) {
    const source = rawSource(ctx, argv);
    const outDir = preparedDir(ctx, ctx.args.out);
    const r = await runPrepare(ctx, source, outDir, argv.force === true);
    const { formatDataSummary } = await loadData();
    ctx.out.result(formatDataSummary(r), {
      out: r.out,
      cached: r.cached,
      ...(r.damaged ? { damaged: r.damaged } : {}),
      inputKey: r.inputKey,
      source: r.source,
      cleaning: r.cleaning,
      balance: r.balance,
      topCorrelated: r.topCorrelated,
      seconds: r.seconds,
    });
  },
};

export const dataInfo: CommandSpec = {
  command: 'info',
  describe: 'Where the dataset is and what the prepared data holds',
  options: {
    data: { type: 'string', describe: 'Prepared data directory. Default: <runs-dir>/data', requiresArg: true },
  },
  examples: [
    ['$0 data info', 'show the raw dataset found and the prepared data in runs/data'],
    ['$0 data info --json', 'the same as JSON'],
  ],
  async run(ctx, argv) {
    const { locateDataset, dataInfo, formatDataSummary } = await loadData();
    if (ctx.args.dataDir) requireDir(resolve(ctx.cwd, ctx.args.dataDir), '--data-dir', DATA_DIR_FIX);
    let location: DatasetLocation | undefined;
    let locationError: string | undefined;
    try {
      location = await locateDataset({ dataDir: ctx.args.dataDir ? resolve(ctx.cwd, ctx.args.dataDir) : undefined });
    } catch (e) {
      locationError = (e as Error).message;
    }
    const dir = preparedDir(ctx, argv.data);
    const prepared = isPrepared(dir) ? await dataInfo(dir) : undefined;
    const lines: string[] = [];
    if (location) lines.push(`raw dataset: ${describeLocation(location)}`);
    else lines.push(`raw dataset: not found\n  ${locationError}`);
    if (prepared) {
      lines.push(formatDataSummary(prepared));
      lines.push(`  train classes: ${prepared.balance.train.classes.map((c) => `${c.name} ${c.count}`).join(', ')}`);
    } else {
      lines.push(`prepared data: none in ${dir} (run \`fmnist data prepare\`)`);
    }
    ctx.out.result(lines.join('\n'), { location: location ?? null, locationError: locationError ?? null, prepared: prepared ?? null });
    if (!location && !prepared) process.exitCode = 1;
  },
};

function describeLocation(loc: DatasetLocation): string {
  const via: Record<DatasetLocation['source'], string> = { option: '--data-dir', env: '$FMNIST_DATA_DIR', cache: 'the user cache', system: 'the Debian package' };
  const kind = loc.kind === 'csv' ? 'Kaggle CSVs' : 'official IDX files';
  return `${loc.dir} (${kind}, found via ${via[loc.source]})`;
}

export const dataCommand: CommandSpec = {
  command: 'data',
  describe: 'Get, prepare and inspect the dataset (fetch | prepare | info)',
  subcommands: [dataFetch, dataPrepare, dataInfo],
  examples: [
    ['$0 data fetch', 'download the official files'],
    ['$0 data prepare --out prepared', 'clean and analyse'],
    ['$0 data info', 'what is where'],
  ],
};
