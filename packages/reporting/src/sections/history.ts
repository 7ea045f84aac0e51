import type { SeriesPoint } from '../charts';
import { isNum } from '../format';

/** One epoch of `EpochMetrics` (docs/contracts.md), as far as the report reads it. */
export interface EpochRow {
  epoch: number;
  loss?: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  learningRate?: number;
  seconds?: number;
  imagesPerSecond?: number;
}

export function asHistory(x: unknown): EpochRow[] {
  return Array.isArray(x) ? x.filter((e) => e && isNum(e.epoch)) : [];
}

/**
 * The history in results.json, or else the run's metrics.jsonl lines of that scope and id
 * (`{ ...EpochMetrics, scope, id }`), by epoch.
 */
export function historyOf(given: unknown, metrics: unknown[] | undefined, scope: string, id: string): EpochRow[] {
  const h = asHistory(given);
  if (h.length || !metrics) return h;
  return asHistory(metrics.filter((m: any) => m && m.scope === scope && String(m.id) === id)).sort((a, b) => a.epoch - b.epoch);
}

/** Train and validation series of one metric, optionally tagged with a group (e.g. the fold). */
export function historyPoints(h: EpochRow[], metric: 'accuracy' | 'loss', group?: string): SeriesPoint[] {
  const val = metric === 'accuracy' ? 'valAccuracy' : 'valLoss';
  const out: SeriesPoint[] = [];
  for (const e of h) if (isNum(e[metric])) out.push({ epoch: e.epoch, value: e[metric]!, series: 'train', group });
  for (const e of h) if (isNum(e[val])) out.push({ epoch: e.epoch, value: e[val]!, series: 'validation', group });
  return out;
}

/** The learning rate per epoch, when a schedule changed it (else no points). */
export function learningRatePoints(h: EpochRow[], group?: string): SeriesPoint[] {
  const rows = h.filter((e) => isNum(e.learningRate) && e.learningRate > 0);
  if (new Set(rows.map((e) => e.learningRate)).size < 2) return [];
  return rows.map((e) => ({ epoch: e.epoch, value: e.learningRate!, series: 'learning rate', group }));
}

/** Mean images/s over the epochs that report it. */
export function meanImagesPerSecond(h: EpochRow[]): number | undefined {
  const xs = h.map((e) => e.imagesPerSecond).filter(isNum);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}
