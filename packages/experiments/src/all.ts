import { prepare } from '@fmnist/data';
import { resolve } from 'node:path';
import type { ExperimentOptions } from './context';
import { runHoldout, type HoldoutResult } from './holdout';
import { runKFold, type KFoldResult } from './kfold';
import { runTransfer, type TransferResult } from './transfer';
import type { TuneResult } from './tune';

export interface AllResult {
  prepared: { dir: string } | null;
  tune: TuneResult | null;
  holdout: HoldoutResult;
  kfold: KFoldResult;
  transfer: TransferResult;
}

/**
 * The whole study except the report: prepare the data (unless a data dir was given), then tune + holdout, k-fold, transfer. The report is
 * chained by the CLI (`fmnist run`), which owns @fmnist/reporting.
 */
export async function runAll(o: ExperimentOptions & { preparedDir?: string } = {}): Promise<AllResult> {
  let prepared: AllResult['prepared'] = null;
  let dataDir = o.dataDir;
  if (!dataDir) {
    const out = resolve(o.preparedDir ?? resolve(o.runsDir ?? 'runs', 'data'));
    o.log?.(`prepare: writing ${out} (unchanged inputs are not re-parsed)`);
    await prepare({ out, onProgress: o.onProgress });
    prepared = { dir: out };
    dataDir = out;
  }
  const opts: ExperimentOptions = { ...o, dataDir };
  const holdout = await runHoldout(opts);
  const kfold = await runKFold(opts);
  const transfer = await runTransfer(opts);
  return { prepared, tune: holdout.tuning, holdout, kfold, transfer };
}
