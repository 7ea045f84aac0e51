/** Fashion-MNIST format facts, named once. */
import { PIXELS } from '@fmnist/core';

// Class names, image side, pixels and classes are shared by every package (@fmnist/core).
export { CLASS_NAMES, IMAGE_SIDE, PIXELS, NUM_CLASSES } from '@fmnist/core';

/** label + pixel1..pixel784 */
export const NUM_VARIABLES = PIXELS + 1;

/** IDX magic numbers: 0x0000 0803 (ubyte, 3 dims) and 0x0000 0801 (ubyte, 1 dim). */
export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;
export const IDX_IMAGES_HEADER_BYTES = 16;
export const IDX_LABELS_HEADER_BYTES = 8;

/**
 * Most images (or labels) one input file may hold: Fashion-MNIST's largest holds 60,000. Bounds
 * memory (157 MB of pixels) where a file's size does not: gzip files and CSV rows.
 */
export const MAX_RECORDS = 200_000;

/** Column names of the Kaggle CSVs and of the prepared Arrow tables. */
export const COLUMN_NAMES: readonly string[] = [
  'label',
  ...Array.from({ length: PIXELS }, (_, i) => `pixel${i + 1}`),
];

/** Where the Debian package `dataset-fashion-mnist` installs the official files. */
export const SYSTEM_DATA_DIR = '/usr/share/datasets/fashion-mnist';

/** The official mirror named in the Fashion-MNIST README. */
export const OFFICIAL_MIRROR = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

export interface OfficialFile {
  role: 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
  name: string;
  /** MD5 of the .gz file as published in the Fashion-MNIST README. */
  md5: string;
}

export const OFFICIAL_FILES: readonly OfficialFile[] = [
  { role: 'trainImages', name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
  { role: 'trainLabels', name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
  { role: 'testImages', name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
  { role: 'testLabels', name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
];

/** Kaggle's file names for the CSV variant of the dataset. */
export const KAGGLE_TRAIN_CSV = 'fashion-mnist_train.csv';
export const KAGGLE_TEST_CSV = 'fashion-mnist_test.csv';
