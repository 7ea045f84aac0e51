// Engine team: backend selection and training kernels. See docs/contracts.md.
export { initBackend, BackendUnavailableError } from './init-backend';
export type { BackendInfo, BackendName, BackendRequest, InitBackendOptions } from './init-backend';
export { resolveWasmDir, WASM_BINARY } from './wasm-paths';
export { registerAllKernels } from '../kernels/register-all-kernels';
export { registerAllGradients } from '../gradients/register-all-gradients';
// The benchmark (`fmnist bench`, `nx run models:bench`). Importing it also arms its worker-thread
// side: a worker started with `workerUrl` = a bundle that loads this package runs one training.
export { runModelsBenchmark, buildReferenceCnn, randomBatch } from '../bench';
export type { BenchResult, TrainBenchResult, VggBenchResult, SkippedBenchResult, ModelsBenchOptions } from '../bench';
