// The data package's input files are opened through @fmnist/core/node's one rule (regular files
// only, never blocking on a FIFO or a device); a missing dataset file says how to get the data.
import { assertReadableFile as assertRegularFile } from '@fmnist/core/node';

export { openInput, readInputFile, readInputHead, type InputFile } from '@fmnist/core/node';

const GET_DATA = 'Check the path, or get the dataset with `apt-get install dataset-fashion-mnist` or `fmnist data fetch`.';

/** Stat `file` and throw a FmnistError naming it when it is missing or not a regular file. */
export const assertReadableFile = (file: string, what: string) => assertRegularFile(file, what, GET_DATA);
