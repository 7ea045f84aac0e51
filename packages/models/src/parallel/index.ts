// Data-parallel training over worker threads (see data-parallel.ts).
export { createDataParallelStep, PARALLEL_LIMITS } from './data-parallel';
export type { DataParallelStep, ParallelTraining } from './data-parallel';
export { DEFAULT_SHARDS, shardRanges } from './shards';
export { runReplicaWorker } from './replica-worker';
