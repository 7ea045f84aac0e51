import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FmnistError } from './errors';
import { PREPARED_FILES } from './prepared-files';
import type { PixelCorrelation } from './pearson';
import { readPreparedJson, type PreparedData, type PreparedSummary } from './read-prepared';
import type { DataSource } from './types';

export interface DataInfo {
  dir: string;
  source: DataSource;
  inputKey: string;
  createdAt: string;
  rows: { train: number; test: number };
  cleaning: PreparedData['cleaning'];
  balance: PreparedData['balance'];
  topCorrelated: PixelCorrelation[];
  files: { name: string; bytes: number }[];
}

/** What a prepared directory holds, from its JSON files only (the Arrow tables are not read). */
export async function dataInfo(dir: string): Promise<DataInfo> {
  const abs = resolve(dir);
  try {
    if (!(await stat(abs)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new FmnistError(`Prepared data directory not found: ${abs}`, { file: abs, hint: `Run \`fmnist data prepare --out ${abs}\` first.` });
  }
  const summary = await readPreparedJson<PreparedSummary>(abs, PREPARED_FILES.summary);
  const cleaning = await readPreparedJson<PreparedData['cleaning']>(abs, PREPARED_FILES.cleaning);
  const balance = await readPreparedJson<PreparedData['balance']>(abs, PREPARED_FILES.balance);
  const known = new Set<string>(Object.values(PREPARED_FILES));
  const files: DataInfo['files'] = [];
  for (const name of (await readdir(abs)).sort()) {
    if (known.has(name)) files.push({ name, bytes: (await stat(join(abs, name))).size });
  }
  return {
    dir: abs,
    source: summary.source,
    inputKey: summary.inputKey,
    createdAt: summary.createdAt,
    rows: summary.rows,
    cleaning,
    balance,
    topCorrelated: summary.topCorrelated.train,
    files,
  };
}

/** A short human summary (a few lines) of prepared data, for stdout. */
export function formatDataSummary(info: {
  dir?: string;
  out?: string;
  cached?: boolean;
  source: DataSource;
  cleaning: PreparedData['cleaning'];
  balance: PreparedData['balance'];
  topCorrelated: PixelCorrelation[];
}): string {
  const lines: string[] = [];
  const where = info.out ?? info.dir ?? '';
  lines.push(`Prepared data in ${where}${info.cached === undefined ? '' : info.cached ? ' (inputs unchanged: read from cache)' : ''}`);
  const dirs = [...new Set(info.source.files.map((f) => dirname(f.path)))];
  const names = info.source.files.map((f) => (dirs.length === 1 ? basename(f.path) : f.path));
  lines.push(`Source: ${info.source.kind.toUpperCase()}${dirs.length === 1 ? ` in ${dirs[0]}` : ''}: ${names.join(', ')}`);
  for (const split of ['train', 'test'] as const) {
    const c = info.cleaning[split];
    const b = info.balance[split];
    const ratio = b.maxMinRatio === null || !Number.isFinite(b.maxMinRatio) ? 'inf' : b.maxMinRatio.toFixed(3);
    lines.push(
      `${split.padEnd(5)}: ${c.rowsRead} read, ${c.rowsKept} kept; dropped ${c.duplicates} duplicates, ${c.emptyCells} with empty cells, ${c.invalid} invalid; ${c.conflictingLabels} conflicting labels; classes ${b.verdict} (max/min ${ratio})`,
    );
  }
  const top = info.topCorrelated.slice(0, 5).map((p) => `pixel${p.pixel} (${p.r.toFixed(3)})`);
  lines.push(`Pixels most correlated with the label (train): ${top.join(', ')}`);
  return lines.join('\n');
}
