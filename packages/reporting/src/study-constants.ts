/** Fashion-MNIST's class names by label (same list as CLASS_NAMES in @fmnist/data). */
export const CLASS_NAMES: readonly string[] = [
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
];

/** The original study's published numbers, shown beside this study's as a reference. */
export const ORIGINAL = {
  holdout: { test: 0.8958, params: 'batch 500, 30 epochs, tanh, Adam, learning rate 0.001' },
  kfold: { train: 0.8817, test: 0.8725 },
  vgg16: { test: 0.8268 },
  vgg19: { test: 0.8294 },
} as const;
