export {
  CLASS_NAMES,
  IMAGE_SIDE,
  PIXELS,
  NUM_CLASSES,
  NUM_VARIABLES,
  COLUMN_NAMES,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  OFFICIAL_FILES,
  OFFICIAL_MIRROR,
  SYSTEM_DATA_DIR,
  KAGGLE_TRAIN_CSV,
  KAGGLE_TEST_CSV,
} from './constants.js';
export type { OfficialFile } from './constants.js';
export { FmnistError, DatasetNotFoundError, ChecksumError } from './errors.js';
export type { OnProgress, Split, CleaningReport, BalanceReport, ClassCount, SourceFile, DataSource } from './types.js';
export { readIdxImages, readIdxLabels, readIdxSplit } from './idx-reader.js';
export { readCsv } from './csv-reader.js';
export type { CsvParseResult } from './csv-reader.js';
export { deduplicate } from './deduplicate.js';
export type { DeduplicateResult } from './deduplicate.js';
export { cleanSplit, loadCsvSplit, loadIdxSplit } from './clean.js';
export { balanceReport, BALANCE_THRESHOLD } from './balance.js';
export { encodeForCnn } from './encode.js';
export { pearson, pearsonParallel, correlationFromGram, topCorrelatedPixels } from './pearson.js';
export { defaultGramKernel } from './gram.js';
export type { GramKernelName } from './gram.js';
export type { PixelCorrelation } from './pearson.js';
export { locateDataset, cacheDir, findDatasetIn } from './discovery.js';
export type { DatasetLocation, IdxFiles, CsvFiles, LocationSource, Env } from './discovery.js';
export { fetchDataset } from './fetch.js';
export type { FetchOptions } from './fetch.js';
export { md5File } from './md5.js';
export { assertReadableFile, openInput, readInputFile, readInputHead } from './file-checks.js';
export type { InputFile } from './file-checks.js';
export { isPlainName, resolveInside } from './confined-path.js';
export { readContentHead } from './byte-stream.js';
export { splitToArrow, arrowToSplit, matrixToArrow, arrowToMatrix } from './arrow-io.js';
export { headRows, describeColumns } from './explore.js';
export type { ColumnStats } from './explore.js';
export { prepare } from './prepare.js';
export type { PrepareOptions, PrepareResult } from './prepare.js';
export { readPrepared, readCorrelation } from './read-prepared.js';
export type { PreparedData, PreparedSummary } from './read-prepared.js';
export { PREPARED_FILES, PREPARED_FORMAT_VERSION } from './prepared-files.js';
export { dataInfo, formatDataSummary } from './data-info.js';
export type { DataInfo } from './data-info.js';
