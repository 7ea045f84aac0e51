import { deriveSeed } from '../util/rng';
import { sampleConfigs, trialId, type SearchSpace } from '../settings/search-space';
import type { EpochMetricsLike, TrainParams } from '../types';

export interface TrialRequest { id: string; params: TrainParams; epochs: number; seed: number; bracket?: number }
export interface TrialOutcome { valAccuracy: number; valLoss: number; history?: EpochMetricsLike[] }
/** Runs one rung's trials (possibly concurrently) and returns their outcomes in the same order. */
export type RunTrials = (batch: TrialRequest[]) => Promise<TrialOutcome[]>;

export interface TrialRecord {
  id: string;
  rank: number;
  params: TrainParams;
  epochs: number;
  valAccuracy: number;
  valLoss: number;
  status: 'complete' | 'pruned';
  bracket?: number;
  /** validation accuracy at each rung this trial reached */
  rungs: { epochs: number; valAccuracy: number; valLoss: number }[];
  history?: EpochMetricsLike[];
}

export interface SearchResult {
  method: 'grid' | 'halving' | 'hyperband';
  trials: TrialRecord[];
  best: TrainParams;
  /** epochs of training the schedule planned and actually spent (a rung continues the previous one) */
  plannedEpochs: number;
  spentEpochs: number;
  rungs: { bracket?: number; epochs: number; trialIds: string[]; kept: string[] }[];
}

export interface Rung { epochs: number; trials: number }

/** Rung plan of successive halving: n configs start at minEpochs; each rung keeps 1/eta of them and trains them eta times longer. */
export function planHalving(n: number, minEpochs: number, maxEpochs: number, eta: number): { rungs: Rung[]; plannedEpochs: number } {
  if (!(eta >= 2)) throw new RangeError(`eta must be >= 2, got ${eta}`);
  if (!(minEpochs >= 1 && maxEpochs >= minEpochs)) throw new RangeError(`need 1 <= minEpochs <= maxEpochs, got ${minEpochs}, ${maxEpochs}`);
  const rungs: Rung[] = [];
  let trials = n;
  let epochs = minEpochs;
  for (;;) {
    rungs.push({ epochs: Math.min(Math.round(epochs), maxEpochs), trials });
    if (epochs >= maxEpochs || trials <= 1) break;
    trials = Math.max(1, Math.floor(trials / eta));
    epochs *= eta;
  }
  // The last rung always trains to maxEpochs.
  rungs[rungs.length - 1].epochs = maxEpochs;
  let planned = 0;
  let prev = 0;
  for (const r of rungs) {
    planned += r.trials * (r.epochs - prev);
    prev = r.epochs;
  }
  return { rungs, plannedEpochs: planned };
}

const better = (a: { valAccuracy: number; valLoss: number; id: string }, b: typeof a) =>
  b.valAccuracy - a.valAccuracy || a.valLoss - b.valLoss || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function rank(trials: Omit<TrialRecord, 'rank'>[]): TrialRecord[] {
  const sorted = [...trials].sort((a, b) => b.epochs - a.epochs || better(a, b));
  return sorted.map((t, i) => ({ ...t, rank: i + 1 }));
}

/** Grid search: every configuration trained for its own `epochs`. */
export async function gridSearch(o: { configs: TrainParams[]; seed: number; runTrials: RunTrials }): Promise<SearchResult> {
  const reqs = o.configs.map((params) => {
    const id = trialId(params);
    return { id, params, epochs: params.epochs, seed: deriveSeed(o.seed, 'trial', id) };
  });
  const out = await o.runTrials(reqs);
  const trials = rank(
    reqs.map((r, i) => ({
      id: r.id,
      params: r.params,
      epochs: r.epochs,
      valAccuracy: out[i].valAccuracy,
      valLoss: out[i].valLoss,
      status: 'complete' as const,
      rungs: [{ epochs: r.epochs, valAccuracy: out[i].valAccuracy, valLoss: out[i].valLoss }],
      history: out[i].history,
    })),
  );
  const spent = reqs.reduce((s, r) => s + r.epochs, 0);
  return {
    method: 'grid',
    trials,
    best: { ...trials[0].params, epochs: trials[0].epochs },
    plannedEpochs: spent,
    spentEpochs: spent,
    rungs: [{ epochs: Math.max(...reqs.map((r) => r.epochs)), trialIds: reqs.map((r) => r.id), kept: reqs.map((r) => r.id) }],
  };
}

/**
 * Successive halving: train all configs for minEpochs, keep the best 1/eta, continue those to
 * eta times the epochs (a trial resumes from its own checkpoint, so only the new epochs cost),
 * until maxEpochs. The budget is planHalving's plannedEpochs.
 */
export async function successiveHalving(o: {
  configs: TrainParams[];
  minEpochs: number;
  maxEpochs: number;
  eta: number;
  seed: number;
  runTrials: RunTrials;
  bracket?: number;
}): Promise<SearchResult> {
  const plan = planHalving(o.configs.length, o.minEpochs, o.maxEpochs, o.eta);
  const prefix = o.bracket === undefined ? 't' : `b${o.bracket}`;
  const records = new Map<string, Omit<TrialRecord, 'rank'>>();
  let alive = o.configs.map((params) => ({ id: trialId(params, prefix), params }));
  const seen = new Set<string>();
  alive = alive.filter((t) => (seen.has(t.id) ? false : (seen.add(t.id), true)));
  const rungsOut: SearchResult['rungs'] = [];
  let spent = 0;
  let prevEpochs = 0;
  for (const [ri, rung] of plan.rungs.entries()) {
    const batch = alive.map((t) => ({
      id: t.id,
      params: { ...t.params, epochs: rung.epochs },
      epochs: rung.epochs,
      seed: deriveSeed(o.seed, 'trial', t.id),
      bracket: o.bracket,
    }));
    const out = await o.runTrials(batch);
    spent += batch.length * (rung.epochs - prevEpochs);
    prevEpochs = rung.epochs;
    batch.forEach((b, i) => {
      const prev = records.get(b.id);
      records.set(b.id, {
        id: b.id,
        params: b.params,
        epochs: b.epochs,
        valAccuracy: out[i].valAccuracy,
        valLoss: out[i].valLoss,
        status: 'complete',
        bracket: o.bracket,
        rungs: [...(prev?.rungs ?? []), { epochs: b.epochs, valAccuracy: out[i].valAccuracy, valLoss: out[i].valLoss }],
        history: out[i].history,
      });
    });
    const scored = batch.map((b) => records.get(b.id)!).sort(better);
    const last = ri === plan.rungs.length - 1;
    const keep = last ? scored.length : (plan.rungs[ri + 1]?.trials ?? scored.length);
    const kept = scored.slice(0, keep).map((t) => t.id);
    if (!last) for (const t of scored.slice(keep)) t.status = 'pruned';
    rungsOut.push({ bracket: o.bracket, epochs: rung.epochs, trialIds: batch.map((b) => b.id), kept });
    alive = alive.filter((t) => kept.includes(t.id));
  }
  const trials = rank([...records.values()]);
  return {
    method: 'halving',
    trials,
    best: { ...trials[0].params, epochs: trials[0].epochs },
    plannedEpochs: plan.plannedEpochs,
    spentEpochs: spent,
    rungs: rungsOut,
  };
}

/** Hyperband: several successive-halving brackets trading many short trials against few long ones. */
export async function hyperband(o: {
  space: SearchSpace;
  base: TrainParams;
  minEpochs: number;
  maxEpochs: number;
  eta: number;
  seed: number;
  runTrials: RunTrials;
}): Promise<SearchResult> {
  const sMax = Math.floor(Math.log(o.maxEpochs / o.minEpochs) / Math.log(o.eta) + 1e-9);
  const results: SearchResult[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((sMax + 1) / (s + 1)) * o.eta ** s);
    const r = Math.max(o.minEpochs, Math.round(o.maxEpochs / o.eta ** s));
    const configs = sampleConfigs(o.space, o.base, n, deriveSeed(o.seed, 'bracket', s));
    results.push(await successiveHalving({ configs, minEpochs: r, maxEpochs: o.maxEpochs, eta: o.eta, seed: o.seed, runTrials: o.runTrials, bracket: s }));
  }
  const trials = rank(results.flatMap((r) => r.trials.map(({ rank: _r, ...t }) => t)));
  return {
    method: 'hyperband',
    trials,
    best: { ...trials[0].params, epochs: trials[0].epochs },
    plannedEpochs: results.reduce((a, r) => a + r.plannedEpochs, 0),
    spentEpochs: results.reduce((a, r) => a + r.spentEpochs, 0),
    rungs: results.flatMap((r) => r.rungs),
  };
}
