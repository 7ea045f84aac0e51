// @fmnist/core: the vocabulary every package shares (constants, errors, progress, the shapes of
// prepared data and run directories). No runtime dependencies; this file only re-exports.
export { CLASS_NAMES, IMAGE_SIDE, PIXELS, NUM_CLASSES, ORIGINAL_STUDY, ORIGINAL_TRAINING } from './constants';
export { FmnistError, isFmnistError } from './errors';
export type { FmnistErrorOptions } from './errors';
export { toErrorData, fromErrorData } from './error-data';
export { parseJsonLines, JsonLineError } from './json-lines';
export { ProtoWriter } from './protobuf-writer';
export type { JsonLines } from './json-lines';
export type { ErrorData } from './error-data';
export type { Progress, OnProgress, EpochMetrics } from './progress';
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
} from './prepared-data';
export { TECHNIQUES } from './run-dir';
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
} from './run-dir';
