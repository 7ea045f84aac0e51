// Public surface of @fmnist/models.
// Backend selection, the WASM training kernels and the benchmark (engine team):
export * from './backend/index';
// Model factories, weights, training, evaluation, save/load (models team), below:
