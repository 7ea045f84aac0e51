// @fmnist/core: the vocabulary every package shares (constants, errors, progress, the shapes of
// prepared data and run directories). No runtime dependencies; this file only re-exports.
export { CLASS_NAMES, IMAGE_SIDE, PIXELS, NUM_CLASSES, ORIGINAL_STUDY } from './constants.js';
export { FmnistError, isFmnistError } from './errors.js';
export type { FmnistErrorOptions } from './errors.js';
export { toErrorData, fromErrorData } from './error-data.js';
export type { ErrorData } from './error-data.js';
export type { Progress, OnProgress, EpochMetrics } from './progress.js';
export type {
  Split,
  CleaningReport,
  ClassCount,
  BalanceReport,
  SourceFile,
  DataSource,
  ColumnStats,
  PixelCorrelation,
  PreparedSummary,
  PreparedFileRecord,
  PreparedData,
} from './prepared-data.js';
export { TECHNIQUES } from './run-dir.js';
export type {
  Technique,
  BackendName,
  BackendInfo,
  RunStatus,
  RunManifest,
  MetricLine,
  LatestRun,
  Score,
  PerClassMetrics,
  EvaluationSummary,
  Callbacks,
} from './run-dir.js';
