// The data package's shapes. Those that cross package seams live in @fmnist/core and are
// re-exported here for the package's users.
export type { OnProgress, Split, CleaningReport, ClassCount, BalanceReport, SourceFile, DataSource } from '@fmnist/core';
