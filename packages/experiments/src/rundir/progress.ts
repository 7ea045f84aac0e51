import type { EpochMetricsLike } from '../types';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `fold 2/5 epoch 3/10 loss 0.4123 acc 0.8512 val_loss … val_acc … 1,234 img/s ETA 1m20s` */
export function formatEpochLine(o: {
  unit: string;
  epochs: number;
  metrics: EpochMetricsLike;
  etaSeconds?: number;
  /** a learning-rate schedule runs: show the rate */
  showLearningRate?: boolean;
  /** early stopping may end sooner: the ETA is an upper bound (`ETA ≤ …`) */
  etaIsMax?: boolean;
}): string {
  const m = o.metrics;
  const parts = [`${o.unit} epoch ${m.epoch}/${o.epochs}`, `loss ${m.loss.toFixed(4)}`, `acc ${m.accuracy.toFixed(4)}`];
  if (m.valLoss !== undefined) parts.push(`val_loss ${m.valLoss.toFixed(4)}`);
  if (m.valAccuracy !== undefined) parts.push(`val_acc ${m.valAccuracy.toFixed(4)}`);
  if (o.showLearningRate && m.learningRate !== undefined) parts.push(`lr ${Number(m.learningRate.toPrecision(4))}`);
  parts.push(`${int.format(m.imagesPerSecond)} img/s`);
  if (o.etaSeconds !== undefined) parts.push(`ETA ${o.etaIsMax && o.etaSeconds > 0 ? '≤ ' : ''}${formatDuration(o.etaSeconds)}`);
  return parts.join(' ');
}

/** Epoch-line options for a run's callbacks and params: the rate when it is scheduled (plateau or params.schedule), `ETA ≤` with early stopping. */
export function lineOptions(
  c: { reduceLrOnPlateau?: unknown; earlyStopping?: unknown } | undefined,
  params?: { schedule?: unknown },
): { showLearningRate: boolean; etaIsMax: boolean } {
  return { showLearningRate: !!c?.reduceLrOnPlateau || !!params?.schedule, etaIsMax: !!c?.earlyStopping };
}

/**
 * ETA over a known number of epoch-units: elapsed time per epoch trained in this process times
 * what is left. With unit names it also follows resumed units (a first epoch e > 1 means e - 1
 * were done before), units finished by an earlier process, and units that stopped early.
 * The clock starts at the first `started()` (a unit got its cores), else at creation: in a study
 * the technique's units may wait behind others' for many minutes before any epoch runs.
 */
export function createEta(totalEpochs: number) {
  const created = Date.now();
  let t0: number | undefined;
  let done = 0;
  const seen = new Set<string>();
  return {
    /** A unit started training: the first call starts the clock (later ones change nothing). */
    started(): void {
      t0 ??= Date.now();
    },
    epochDone(unit?: string, epoch?: number): number {
      if (unit !== undefined && !seen.has(unit)) {
        seen.add(unit);
        if (epoch !== undefined && epoch > 1) totalEpochs -= epoch - 1;
      }
      done++;
      const per = (Date.now() - (t0 ?? created)) / 1000 / done;
      return per * Math.max(0, totalEpochs - done);
    },
    /** A unit finished after `trained` of at most `max` epochs (a unit never seen here finished earlier). */
    unitFinished(unit: string, trained: number, max: number) {
      totalEpochs -= seen.has(unit) ? max - trained : max;
    },
    addTotal(n: number) {
      totalEpochs += n;
    },
  };
}
