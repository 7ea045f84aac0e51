/**
 * Shapes of a run directory `<runs-dir>/<technique>/<run-id>/` (docs/contracts.md): written by
 * @fmnist/experiments, read by the report and the CLI.
 */
import type { EpochMetrics } from './progress';

export const TECHNIQUES = ['tune', 'holdout', 'kfold', 'transfer'] as const;
export type Technique = (typeof TECHNIQUES)[number];

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
/** The tfjs backend a run trained on. */
export interface BackendInfo {
  name: BackendName;
  reason: string;
  threads: number;
  version: string;
}

/**
 * `partial`: the run ended with results, but some of its parts failed (a transfer model whose weights
 * cannot be used); results.json says which, and a re-run retries them.
 */
export type RunStatus = 'running' | 'complete' | 'partial' | 'failed' | 'interrupted';

/** manifest.json, rewritten (atomically) as the run progresses. */
export interface RunManifest {
  technique: Technique;
  runId: string;
  status: RunStatus;
  profile: string;
  /** Free text from the user (also read from `config.label`); the report shows it escaped. */
  label?: string;
  config: unknown;
  seed: number;
  backend: BackendInfo | null;
  versions: { node: string; fmnist: string; tfjs: string | null };
  gitRevision: string | null;
  data: { dir: string; inputKey: string };
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number;
  /** One entry per process that worked on this run (a resumed run has several). */
  attempts: { pid: number; startedAt: string; endedAt: string | null; status: RunStatus; error?: string }[];
}

/** A line of metrics.jsonl: one epoch of one unit of work. */
export type MetricLine = EpochMetrics & { scope: 'trial' | 'fold' | 'final' | 'head'; id: string };

/** `<runs-dir>/<technique>/latest.json`: the newest completed run. */
export interface LatestRun {
  runId: string;
}

export interface Score {
  accuracy: number;
  loss: number;
}

export interface PerClassMetrics {
  label: number;
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** An evaluation as results.json stores it: `confusion[true][predicted]`. */
export interface EvaluationSummary {
  accuracy: number;
  loss: number;
  confusion: number[][];
  perClass: PerClassMetrics[];
}

/** The `callbacks` setting; both watch the unit's validation loss; `{}` = plain epochs. */
export interface Callbacks {
  reduceLrOnPlateau?: { factor: number; patience: number; minLearningRate?: number };
  earlyStopping?: { patience: number; minDelta?: number };
}
