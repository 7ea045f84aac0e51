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
} from './constants';
export type { OfficialFile } from './constants';
export { FmnistError, DatasetNotFoundError, ChecksumError } from './errors';
export type { OnProgress, Split, CleaningReport, BalanceReport, ClassCount, SourceFile, DataSource } from './types';
export { readIdxImages, readIdxLabels, readIdxSplit } from './idx-reader';
export { readCsv } from './csv-reader';
export type { CsvParseResult } from './csv-reader';
export { deduplicate } from './deduplicate';
export type { DeduplicateResult } from './deduplicate';
export { cleanSplit, loadCsvSplit, loadIdxSplit } from './clean';
export { balanceReport, BALANCE_THRESHOLD } from './balance';
export { encodeForCnn } from './encode';
export { pearson, pearsonParallel, correlationFromGram, topCorrelatedPixels } from './pearson';
export { defaultGramKernel } from './gram';
export type { GramKernelName } from './gram';
export type { PixelCorrelation } from './pearson';
export { locateDataset, cacheDir, findDatasetIn } from './discovery';
export type { DatasetLocation, IdxFiles, CsvFiles, LocationSource, Env } from './discovery';
export { fetchDataset } from './fetch';
export type { FetchOptions } from './fetch';
export { md5File } from './md5';
export { assertReadableFile, openInput, readInputFile, readInputHead } from './file-checks';
export type { InputFile } from './file-checks';
export { isPlainName, resolveInside } from '@fmnist/core/node';
export { readContentHead } from './byte-stream';
export { splitToArrow, arrowToSplit, matrixToArrow, arrowToMatrix } from './arrow-io';
export { headRows, describeColumns } from './explore';
export type { ColumnStats } from './explore';
export { prepare } from './prepare';
export type { PrepareOptions, PrepareResult } from './prepare';
export { readPrepared, readCorrelation } from './read-prepared';
export type { PreparedData, PreparedSummary } from './read-prepared';
export { PREPARED_FILES, PREPARED_FORMAT_VERSION } from './prepared-files';
export { dataInfo, formatDataSummary } from './data-info';
export type { DataInfo } from './data-info';
