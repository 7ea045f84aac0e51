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
