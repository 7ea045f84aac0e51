/** Progress of long work, reported through a plain callback (the CLI draws the bars). */
export type OnProgress = (p: { done: number; total: number; unit: string; label?: string }) => void;

/** One split of the dataset: `images` is n*784 row-major uint8, `labels` n uint8 in 0..9. */
export interface Split {
  n: number;
  images: Uint8Array;
  labels: Uint8Array;
}

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
