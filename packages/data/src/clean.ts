import { readCsv } from './csv-reader';
import { deduplicate } from './deduplicate';
import { readIdxSplit } from './idx-reader';
import type { CleaningReport, OnProgress, Split } from './types';

const MAX_EXAMPLES = 10;

/**
 * Removes exact duplicates from already-parsed rows and builds the cleaning report.
 * `rowNumbers[i]` is the 1-based data row number of parsed row i (identity for IDX).
 */
export function cleanSplit(
  parsed: Split,
  base: Omit<CleaningReport, 'duplicates' | 'conflictingLabels' | 'rowsKept' | 'examples'> & {
    examples: Pick<CleaningReport['examples'], 'emptyCells' | 'invalid'>;
  },
  rowNumbers?: Int32Array,
): { split: Split; report: CleaningReport } {
  const d = deduplicate(parsed);
  const rowOf = (i: number) => (rowNumbers ? rowNumbers[i] : i + 1);
  const report: CleaningReport = {
    rowsRead: base.rowsRead,
    duplicates: d.duplicates.length,
    emptyCells: base.emptyCells,
    invalid: base.invalid,
    conflictingLabels: d.conflicting.length,
    blankLines: base.blankLines,
    rowsKept: d.split.n,
    examples: {
      duplicates: d.duplicates.slice(0, MAX_EXAMPLES).map(rowOf),
      emptyCells: base.examples.emptyCells,
      invalid: base.examples.invalid,
      conflictingLabels: d.conflicting.slice(0, MAX_EXAMPLES).map(rowOf),
    },
  };
  return { split: d.split, report };
}

/** Reads and cleans one Kaggle CSV. */
export async function loadCsvSplit(file: string, onProgress?: OnProgress): Promise<{ split: Split; report: CleaningReport }> {
  const r = await readCsv(file, onProgress);
  return cleanSplit(r.split, r, r.rowNumbers);
}

/** Reads and cleans one pair of IDX files (IDX has no empty or invalid cells by construction). */
export async function loadIdxSplit(
  imagesFile: string,
  labelsFile: string,
  onProgress?: OnProgress,
): Promise<{ split: Split; report: CleaningReport }> {
  const s = await readIdxSplit(imagesFile, labelsFile, onProgress);
  return cleanSplit(s, {
    rowsRead: s.n,
    blankLines: 0,
    emptyCells: 0,
    invalid: 0,
    examples: { emptyCells: [], invalid: [] },
  });
}
