// Entry script of the Nx targets: `node --import tsx/esm packages/experiments/src/main.ts <technique> [flags]`.
// Prints plain progress lines; the CLI offers the same through `fmnist tune|holdout|kfold|transfer|run`.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { prepare } from '@fmnist/data';
import { deepMerge, type Overrides } from './profiles';
import { parseAssignments } from './overrides';
import { formatDuration } from './progress';
import type { ExperimentOptions } from './index';

const USAGE = `usage: main.ts <tune|holdout|kfold|transfer|all|prepare> [options]
  prepare                  only prepare the data into <runs-dir>/data (what 'all' does first)
  --profile quick|full     settings profile (default quick)
  --runs-dir DIR           run directories (default runs)
  --data DIR               raw IDX dir or prepared dir (default: FMNIST_DATA_DIR, runs/data, Debian dataset)
  --seed N                 (default 42)
  --backend B              auto|tensorflow|wasm|cpu (default auto)
  --concurrency N          parallel folds/trials (default: cores; 1 with tfjs-node)
  --epochs N --batch-size N --k N --train-subset N --test-subset N
  --set key.path=value     any setting, e.g. --set kfold.k=5 --set params.filters=[8,16]
  --json                   print the result as JSON at the end`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      profile: { type: 'string' }, 'runs-dir': { type: 'string' }, data: { type: 'string' }, seed: { type: 'string' },
      backend: { type: 'string' }, concurrency: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
      k: { type: 'string' }, 'train-subset': { type: 'string' }, 'test-subset': { type: 'string' },
      set: { type: 'string', multiple: true }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const technique = positionals[0];
  if (values.help || !technique) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const num = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new RangeError(`--${name} expects a number, got '${v}'`);
    return n;
  };
  let overrides: Overrides = parseAssignments(values.set ?? []);
  const epochs = num(values.epochs, 'epochs');
  const batchSize = num(values['batch-size'], 'batch-size');
  overrides = deepMerge<Overrides>(
    {
      data: { trainSubset: num(values['train-subset'], 'train-subset'), testSubset: num(values['test-subset'], 'test-subset') },
      kfold: { k: num(values.k, 'k'), params: { epochs, batchSize } },
      params: { epochs, batchSize },
      holdout: { epochs, batchSize },
    },
    overrides,
  );
  const ac = new AbortController();
  process.once('SIGINT', () => {
    console.log('interrupt: stopping after the current batch (checkpoints kept; re-run to resume)');
    ac.abort();
  });
  const t0 = Date.now();
  const o: ExperimentOptions = {
    profile: values.profile,
    runsDir: values['runs-dir'],
    dataDir: values.data,
    seed: num(values.seed, 'seed'),
    backend: values.backend,
    concurrency: num(values.concurrency, 'concurrency'),
    overrides,
    signal: ac.signal,
    log: (line) => console.log(line),
    // Batch progress: one line every 15 s at most (epoch lines come through log).
    onProgress: (() => {
      let last = Date.now();
      return (p: { done: number; total: number; unit: string; label?: string }) => {
        if (Date.now() - last < 15_000) return;
        last = Date.now();
        console.log(`  ${p.label ?? ''} ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} ${p.unit}`);
      };
    })(),
  };
  const prepareOnly = async (x: ExperimentOptions) => {
    const out = resolve(x.runsDir ?? 'runs', 'data');
    console.log(`prepare: writing ${out} (unchanged inputs are not re-parsed)`);
    return prepare({ out, onProgress: x.onProgress });
  };
  const techniques = ['tune', 'holdout', 'kfold', 'transfer', 'all', 'prepare'] as const;
  if (!(techniques as readonly string[]).includes(technique)) {
    console.error(`unknown technique '${technique}'\n${USAGE}`);
    return 2;
  }
  // `prepare` loads danfojs (and its tfjs 3); the training code (tfjs 4) is only imported by the others.
  const fn =
    technique === 'prepare'
      ? prepareOnly
      : await import('./index').then((m) => ({ tune: m.runTune, holdout: m.runHoldout, kfold: m.runKFold, transfer: m.runTransfer, all: m.runAll })[technique as 'tune']);
  const result = await fn(o);
  console.log(`${technique} finished in ${formatDuration((Date.now() - t0) / 1000)}`);
  if (values.json) console.log(JSON.stringify(result, null, 2));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error & { hint?: string }) => {
    console.error(`error: ${e.message}`);
    process.exit(e.name === 'AbortError' ? 130 : e instanceof RangeError || e.name === 'SettingsError' ? 2 : 1);
  },
);
