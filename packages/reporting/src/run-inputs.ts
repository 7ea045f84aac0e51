import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TECHNIQUES, type Technique } from '@fmnist/core';
import { isPlainName } from '@fmnist/core/node';
import { readJsonIfExists, readJsonLinesIfExists } from './read-json';
import { ReportError } from './report-error';

export { TECHNIQUES, type Technique };

export interface Manifest {
  technique?: string;
  runId?: string;
  status?: string;
  profile?: string;
  label?: string;
  config?: Record<string, unknown>;
  seed?: number;
  backend?: { name?: string; reason?: string; threads?: number; version?: string };
  versions?: Record<string, string>;
  gitRevision?: string;
  data?: { dir?: string; inputKey?: string };
  startedAt?: string;
  endedAt?: string;
  durationSeconds?: number;
}

export interface SelectedRun {
  technique: Technique;
  runId: string;
  dir: string;
  selectedBy: 'latest.json' | 'newest complete';
  manifest?: Manifest;
  results?: any;
  metrics?: any[];
}

export interface RunLookup {
  technique: Technique;
  run?: SelectedRun;
  /** Why there is no usable run, when there is none. */
  problem?: string;
  /** Unreadable files passed over on the way (a malformed run is skipped, not fatal), one line each. */
  warnings?: string[];
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

const firstLine = (e: Error) => e.message.split('\n')[0];

/** The run's files, or a ReportError naming the one that is malformed. */
async function loadRun(dir: string, warn: (w: string) => void): Promise<{ manifest?: Manifest; results?: any; metrics?: any[] }> {
  const manifest = await readJsonIfExists<Manifest>(join(dir, 'manifest.json'));
  if (manifest !== undefined && (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest))) {
    throw new ReportError(`${join(dir, 'manifest.json')} is not a run manifest (not a JSON object)`, { file: join(dir, 'manifest.json') });
  }
  const results = await readJsonIfExists(join(dir, 'results.json'));
  if (results !== undefined && (typeof results !== 'object' || results === null || Array.isArray(results))) {
    throw new ReportError(`${join(dir, 'results.json')} is not a results object`, { file: join(dir, 'results.json') });
  }
  const metrics = await readJsonLinesIfExists(join(dir, 'metrics.jsonl'), warn);
  return { manifest, results, metrics };
}

/**
 * The run of a technique the report shows: `<runsDir>/<technique>/latest.json` if present, else
 * the newest directory whose manifest says 'complete' or 'partial' (by endedAt, then startedAt, then
 * run id).
 * A malformed run (a file that is not valid JSON) is skipped with a warning and the next
 * candidate is used.
 */
export async function selectRun(runsDir: string, technique: Technique): Promise<RunLookup> {
  const base = join(runsDir, technique);
  const warnings: string[] = [];
  const warn = (w: string) => warnings.push(w);
  const skipped: string[] = [];
  /** f(), or undefined after a warning when it meets a malformed file */
  async function orSkip<T>(runId: string, f: () => Promise<T>, why = ''): Promise<T | undefined> {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof ReportError)) throw e;
      warn(`${firstLine(e)}; skipped ${technique} run ${runId}${why}`);
      skipped.push(runId);
      return undefined;
    }
  }

  let latest: { runId?: unknown } | undefined;
  try {
    latest = await readJsonIfExists<{ runId?: unknown }>(join(base, 'latest.json'));
  } catch (e) {
    if (!(e instanceof ReportError)) throw e;
    warn(`${firstLine(e)}; using the newest complete ${technique} run instead`);
  }
  if (latest && typeof latest.runId === 'string' && latest.runId) {
    const runId = latest.runId;
    if (!isPlainName(runId)) {
      return { technique, problem: `${join(base, 'latest.json')} names an invalid run id`, warnings };
    }
    const dir = join(base, runId);
    const files = await orSkip(runId, () => loadRun(dir, warn), ' (named by latest.json)');
    if (files) {
      if (!files.results) return { technique, problem: `run ${dir} has no results.json (status: ${files.manifest?.status ?? 'no manifest'})`, warnings };
      return { technique, run: { technique, runId, dir, selectedBy: 'latest.json', ...files }, warnings };
    }
  }

  const candidates: { runId: string; key: string }[] = [];
  const statuses: string[] = [];
  for (const name of await listDirs(base)) {
    if (skipped.includes(name)) continue;
    const m = await orSkip(name, () => readJsonIfExists<Manifest>(join(base, name, 'manifest.json')));
    if (!m || typeof m !== 'object') continue;
    statuses.push(`${name}: ${m.status ?? 'unknown'}`);
    // a partial run (a transfer model failed) is shown: its report says which model failed and why
    if (m.status === 'complete' || m.status === 'partial') candidates.push({ runId: name, key: `${m.endedAt ?? ''}\u0000${m.startedAt ?? ''}\u0000${name}` });
  }
  candidates.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  for (const { runId } of candidates) {
    const dir = join(base, runId);
    const files = await orSkip(runId, () => loadRun(dir, warn));
    if (!files) continue;
    if (!files.results) return { technique, problem: `run ${dir} has no results.json (status: ${files.manifest?.status ?? 'no manifest'})`, warnings };
    return { technique, run: { technique, runId, dir, selectedBy: 'newest complete', ...files }, warnings };
  }
  if (skipped.length) {
    return { technique, problem: `no usable ${technique} run in ${base}: ${skipped.join(', ')} skipped as malformed (see the warnings)`, warnings };
  }
  return {
    technique,
    problem: statuses.length ? `no completed ${technique} run in ${base} (found ${statuses.join(', ')})` : `no ${technique} run found in ${base}`,
    warnings,
  };
}

export async function loadRuns(runsDir: string): Promise<Record<Technique, RunLookup>> {
  const out = {} as Record<Technique, RunLookup>;
  for (const t of TECHNIQUES) out[t] = await selectRun(runsDir, t);
  return out;
}
