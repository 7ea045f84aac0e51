/**
 * Shapes of the prepared data directory (`fmnist data prepare --out DIR`, docs/contracts.md):
 * written by @fmnist/data, read by experiments, the report and the CLI.
 */

/** One split of the dataset: `images` is n*784 row-major uint8, `labels` n uint8 in 0..9. */
export interface Split {
  n: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** cleaning.json, per split. */
export interface CleaningReport {
  /** Data rows read (CSV lines after the header that are not blank; IDX records). */
  rowsRead: number;
  /** Exact duplicates (label and all pixels equal to an earlier kept row): dropped. */
  duplicates: number;
  /** Rows with at least one empty cell: dropped. */
  emptyCells: number;
  /** Rows with a non-numeric cell, a value out of range or a wrong column count: dropped. */
  invalid: number;
  /** Kept rows whose image already appeared in an earlier kept row with another label. */
  conflictingLabels: number;
  /** Entirely blank lines in a CSV (skipped, not rows). */
  blankLines: number;
  rowsKept: number;
  /** 1-based data row numbers, first 10 of each category. */
  examples: {
    duplicates: number[];
    emptyCells: number[];
    invalid: { row: number; reason: string }[];
    conflictingLabels: number[];
  };
}

export interface ClassCount {
  label: number;
  name: string;
  count: number;
  share: number;
}

/** balance.json, per split. */
export interface BalanceReport {
  counts: number[];
  classes: ClassCount[];
  /** max count / min count (Infinity when a class is missing: null in balance.json). */
  maxMinRatio: number;
  verdict: 'balanced' | 'imbalanced';
}

export interface SourceFile {
  path: string;
  bytes: number;
  md5: string;
}

export interface DataSource {
  kind: 'idx' | 'csv';
  files: SourceFile[];
}

/** count/mean/std/min/max of one column. */
export interface ColumnStats {
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface PixelCorrelation {
  /** 1-based pixel number: column `pixel<k>`. */
  pixel: number;
  /** 0-based position in the 28x28 image. */
  row: number;
  col: number;
  r: number;
}

/** Size and SHA-256 of one prepared file, as summary.json records them. */
export interface PreparedFileRecord {
  bytes: number;
  sha256: string;
}

/** summary.json: written last; `inputKey` decides whether a re-run reuses the directory. */
export interface PreparedSummary {
  source: DataSource;
  inputKey: string;
  formatVersion: number;
  /** Size and SHA-256 of every other prepared file, by name (format 2). */
  files: Record<string, PreparedFileRecord>;
  rows: { train: number; test: number };
  head: { train: number[][]; test: number[][] };
  describe: { train: Record<string, ColumnStats>; test: Record<string, ColumnStats> };
  topCorrelated: { train: PixelCorrelation[]; test: PixelCorrelation[] };
  createdAt: string;
}

/** A prepared data directory as read back (`readPrepared`). */
export interface PreparedData {
  dir: string;
  train: Split;
  test: Split;
  cleaning: { train: CleaningReport; test: CleaningReport };
  balance: { train: BalanceReport; test: BalanceReport };
  source: DataSource;
  summary: PreparedSummary;
}
