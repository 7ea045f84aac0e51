/** Fashion-MNIST's format facts and the original study's published numbers, named once for every package. */

/** Class names by label 0..9. */
export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export const IMAGE_SIDE = 28;
export const PIXELS = IMAGE_SIDE * IMAGE_SIDE; // 784
export const NUM_CLASSES = 10;

/**
 * The original study's published accuracies (fractions), shown beside this study's as a
 * reference by the report and the CLI's summaries.
 */
export const ORIGINAL_STUDY = {
  holdout: { test: 0.8958, params: 'batch 500, 30 epochs, tanh, Adam, learning rate 0.001' },
  kfold: { train: 0.8817, test: 0.8725 },
  vgg16: { test: 0.8268 },
  vgg19: { test: 0.8294 },
} as const;

/**
 * The original study's network and training (conv 32 and 64 with 2x2 pooling, Dense 128, tanh,
 * Adam 0.001, batch 500, 30 epochs, 5 folds): what each technique's recipe is compared with.
 */
export const ORIGINAL_TRAINING = {
  network: {
    activation: 'tanh', filters: [32, 64], denseUnits: 128, dropout: 0, batchNorm: false,
    optimizer: 'adam', learningRate: 0.001, momentum: 0, padding: 'valid', batchSize: 500, epochs: 30,
  },
  folds: 5,
} as const;
