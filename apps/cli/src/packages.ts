// Local adapter over the workspace packages (docs/contracts.md). Packages are imported lazily so
// that `--help` does not load TensorFlow.js, and every function is looked up by name so that a
// command whose backing function has not been published fails with a clear "not available yet"
// error instead of a crash or fake output.
import { NotAvailableError } from './errors';
import type { OnProgress } from './progress';

export interface Split {
  n: number;
  images: Uint8Array;
  labels: Uint8Array;
}

export interface DataApi {
  CLASS_NAMES: readonly string[];
  locateDataset(o?: { dataDir?: string; env?: Record<string, string | undefined> }): Promise<Record<string, unknown>>;
  fetchDataset(o: { dir?: string; onProgress?: OnProgress; signal?: AbortSignal }): Promise<Record<string, unknown>>;
  prepare(o: Record<string, unknown>): Promise<Record<string, unknown>>;
  readPrepared(dir: string): Promise<{ train: Split; test: Split; cleaning: unknown; balance: unknown; source: unknown }>;
  encodeForCnn(s: Split): { x: Float32Array; y: Float32Array; n: number };
  readIdxImages?(path: string): Promise<unknown>;
  readIdxLabels?(path: string): Promise<unknown>;
  readKaggleCsv?(path: string, o?: Record<string, unknown>): Promise<unknown>;
  [name: string]: unknown;
}

export interface TfModel {
  predict(x: unknown): unknown;
  inputs: { shape: (number | null)[] }[];
  dispose(): void;
}

export interface ModelsApi {
  initBackend(requested?: string, o?: Record<string, unknown>): Promise<{ name: string; reason: string; threads: number; version: string }>;
  loadModel(dir: string): Promise<TfModel>;
  [name: string]: unknown;
}

export type ExperimentFn = (o: Record<string, unknown>) => Promise<Record<string, unknown>>;
export interface ExperimentsApi {
  [name: string]: unknown;
}
export interface ReportingApi {
  [name: string]: unknown;
}

type Pkg = '@fmnist/data' | '@fmnist/models' | '@fmnist/experiments' | '@fmnist/reporting';

export async function loadData(): Promise<DataApi> {
  return (await import('@fmnist/data')) as unknown as DataApi;
}
export async function loadModels(): Promise<ModelsApi> {
  return (await import('@fmnist/models')) as unknown as ModelsApi;
}
export async function loadExperiments(): Promise<ExperimentsApi> {
  return (await import('@fmnist/experiments')) as unknown as ExperimentsApi;
}
export async function loadReporting(): Promise<ReportingApi> {
  return (await import('@fmnist/reporting')) as unknown as ReportingApi;
}

/** The first of `names` that `mod` exports as a function; otherwise NotAvailableError. */
export function fn<T = (...args: any[]) => any>(mod: object, pkg: Pkg, what: string, ...names: string[]): T {
  for (const n of names) {
    const f = (mod as Record<string, unknown>)[n];
    if (typeof f === 'function') return f as T;
  }
  throw new NotAvailableError(`${what} (${names.map((n) => `${n}()`).join(' / ')})`, pkg);
}

/** Like `fn` but undefined when missing (optional capabilities). */
export function maybeFn<T = (...args: any[]) => any>(mod: object, ...names: string[]): T | undefined {
  for (const n of names) {
    const f = (mod as Record<string, unknown>)[n];
    if (typeof f === 'function') return f as T;
  }
  return undefined;
}
