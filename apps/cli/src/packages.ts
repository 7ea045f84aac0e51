// The workspace packages, imported lazily so that `fmnist --help` does not load TensorFlow.js
// (the bundle keeps each in a chunk of its own). Each loader is typed as the package's module: a
// function renamed or a result reshaped in a package is a compile error here (`tsc -p apps/cli`).
export type DataModule = typeof import('@fmnist/data');
export type ModelsModule = typeof import('@fmnist/models');
export type ExperimentsModule = typeof import('@fmnist/experiments');
export type ReportingModule = typeof import('@fmnist/reporting');

export const loadData = (): Promise<DataModule> => import('@fmnist/data');
export const loadModels = (): Promise<ModelsModule> => import('@fmnist/models');
export const loadExperiments = (): Promise<ExperimentsModule> => import('@fmnist/experiments');
export const loadReporting = (): Promise<ReportingModule> => import('@fmnist/reporting');
