/** How long work reports progress and per-epoch metrics: plain callbacks, never printing. */

/** One step of long work: `done` of `total` `unit`s (e.g. rows, images, bytes). */
export interface Progress {
  done: number;
  total: number;
  unit: string;
  label?: string;
}

/** Progress of long work, reported through a plain callback (the CLI draws the bars). */
export type OnProgress = (p: Progress) => void;

/** One training epoch's metrics (a line of a run's metrics.jsonl, without its scope and id). */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
  imagesPerSecond: number;
  /** The optimizer's learning rate during this epoch. */
  learningRate?: number;
  /** Data-parallel training: the threads of the epoch's last step (a scheduler may lend or take back cores). */
  threads?: number;
}
