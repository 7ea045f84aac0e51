/** File names of the prepared directory (docs/contracts.md). */
export const PREPARED_FILES = {
  train: 'train.arrow',
  test: 'test.arrow',
  cleaning: 'cleaning.json',
  balance: 'balance.json',
  correlationTrain: 'correlation-train.arrow',
  correlationTest: 'correlation-test.arrow',
  summary: 'summary.json',
} as const;

/** Bumped when the prepared layout or the cleaning rules change: it is part of the input key. */
export const PREPARED_FORMAT_VERSION = 1;
