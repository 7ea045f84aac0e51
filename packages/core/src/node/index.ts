// `@fmnist/core/node`: the few file-system and process helpers every package needs, at the edge
// (Node built-ins only, no dependency). The main entry stays free of platform code.
export { writeFileAtomic } from './write-file-atomic';
export { checkOutputPlace, isProcessAlive, removeDeadStaging, stagingName } from './staging';
export { MAX_JSON_BYTES, assertReadableFile, openInput, readInputFile, readInputHead, readInputTextIfExists, type InputFile } from './input-files';
export { isPlainName, resolveInside } from './confined-path';
export { PYTHON_BLAS_PROBE, blasWarning, classifyBlas, runPythonPeer, type PeerBlas } from './python-peer';
export { cpuHasVnni, loadOnnxRuntime, type OnnxRuntimeLike, type OnnxRuntimeLoad } from './onnx-runtime';
