import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readCorrelation, readImageTable, type ImageTable } from './arrow-io';
import { readJsonIfExists } from './read-json';
import type { BalanceReport, CleaningReport } from '@fmnist/core';

/** cleaning.json and balance.json have the shapes @fmnist/core declares (docs/contracts.md). */
export type { BalanceReport, CleaningReport };
export interface DataSummary {
  source?: { kind?: string; files?: { path: string; bytes: number; md5: string }[] };
  inputKey?: string;
  head?: { train?: number[][]; test?: number[][] };
  describe?: { train?: unknown; test?: unknown };
  topCorrelated?: { train?: { pixel: number; r: number }[] };
  createdAt?: string;
}

export type SplitName = 'train' | 'test';

export interface DataInputs {
  dir: string;
  exists: boolean;
  tables: Partial<Record<SplitName, ImageTable>>;
  cleaning?: Partial<Record<SplitName, CleaningReport>>;
  balance?: Partial<Record<SplitName, BalanceReport>>;
  summary?: DataSummary;
  correlation?: Float64Array; // of the training set
  missing: string[]; // file names not found
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Reads whatever the prepared data directory holds; absent files are listed in `missing`. */
export async function loadDataInputs(dir: string): Promise<DataInputs> {
  const out: DataInputs = { dir, exists: await exists(dir), tables: {}, missing: [] };
  if (!out.exists) return out;
  for (const split of ['train', 'test'] as const) {
    const file = join(dir, `${split}.arrow`);
    if (await exists(file)) out.tables[split] = await readImageTable(file);
    else out.missing.push(`${split}.arrow`);
  }
  out.cleaning = await readJsonIfExists(join(dir, 'cleaning.json'));
  if (!out.cleaning) out.missing.push('cleaning.json');
  out.balance = await readJsonIfExists(join(dir, 'balance.json'));
  if (!out.balance) out.missing.push('balance.json');
  out.summary = await readJsonIfExists(join(dir, 'summary.json'));
  if (!out.summary) out.missing.push('summary.json');
  const corr = join(dir, 'correlation-train.arrow');
  if (await exists(corr)) out.correlation = await readCorrelation(corr);
  else out.missing.push('correlation-train.arrow');
  return out;
}
