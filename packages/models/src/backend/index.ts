// Engine team: backend selection and training kernels. See docs/contracts.md.
export { initBackend, BackendUnavailableError } from './init-backend';
export type { BackendInfo, BackendName, BackendRequest, InitBackendOptions } from './init-backend';
export { resolveWasmDir, WASM_BINARY } from './wasm-paths';
export { registerAllKernels } from '../kernels/register-all-kernels';
export { registerAllGradients } from '../gradients/register-all-gradients';
