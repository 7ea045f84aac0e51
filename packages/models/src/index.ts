export * from './backend/index';
// Model factories, weights, training, evaluation, save/load (models team), below:
export { createCnn, REFERENCE_CNN, STRONG_CNN, ACTIVATIONS, NUM_CLASSES, resolveCnnOptions } from './cnn';
export type { CnnOptions, Activation } from './cnn';
export { createOptimizer, OPTIMIZER_NAMES } from './optimizer';
export type { OptimizerName } from './optimizer';
export { createHead, DEFAULT_HEAD } from './head';
export type { HeadOptions } from './head';
export { createVggBase, getModelEntry, MODEL_REGISTRY, VGG_SPECS } from './registry';
export type { ModelEntry, ModelName, CnnEntry, VggEntry } from './registry';
export { VGG16_SPEC, createVgg16Base } from './vgg16';
export { VGG19_SPEC, createVgg19Base } from './vgg19';
export { preprocessCaffe, vggFeatureDim, vggConvLayerNames, IMAGENET_MEAN_BGR, MIN_VGG_INPUT, DEFAULT_VGG_INPUT } from './vgg-base';
export type { VggVariant, VggSpec } from './vgg-base';
export { SeededDropout, registerCustomLayers } from './seeded-dropout';
export { mulberry32, mixSeed, permutation } from './rng';
export { ModelsError } from './errors';
