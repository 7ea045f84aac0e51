import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isPlainName } from './read-input.js';
import { readJsonIfExists, readJsonLinesIfExists } from './read-json.js';

export const TECHNIQUES = ['tune', 'holdout', 'kfold', 'transfer'] as const;
export type Technique = (typeof TECHNIQUES)[number];

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
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/**
 * The run of a technique the report shows: `<runsDir>/<technique>/latest.json` if present, else
 * the newest directory whose manifest says 'complete' (by endedAt, then startedAt, then run id).
 */
export async function selectRun(runsDir: string, technique: Technique): Promise<RunLookup> {
  const base = join(runsDir, technique);
  const latest = await readJsonIfExists<{ runId?: string }>(join(base, 'latest.json'));
  let runId: string | undefined;
  let selectedBy: SelectedRun['selectedBy'] = 'latest.json';
  if (latest && typeof latest.runId === 'string' && latest.runId) {
    runId = latest.runId;
    if (!isPlainName(runId)) {
      return { technique, problem: `${join(base, 'latest.json')} names an invalid run id` };
    }
  } else {
    selectedBy = 'newest complete';
    const candidates: { runId: string; key: string }[] = [];
    const statuses: string[] = [];
    for (const name of await listDirs(base)) {
      const m = await readJsonIfExists<Manifest>(join(base, name, 'manifest.json'));
      if (!m) continue;
      statuses.push(`${name}: ${m.status ?? 'unknown'}`);
      if (m.status === 'complete') candidates.push({ runId: name, key: `${m.endedAt ?? ''}\u0000${m.startedAt ?? ''}\u0000${name}` });
    }
    candidates.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    runId = candidates.at(-1)?.runId;
    if (!runId) {
      return {
        technique,
        problem: statuses.length
          ? `no completed ${technique} run in ${base} (found ${statuses.join(', ')})`
          : `no ${technique} run found in ${base}`,
      };
    }
  }
  const dir = join(base, runId);
  const manifest = await readJsonIfExists<Manifest>(join(dir, 'manifest.json'));
  const results = await readJsonIfExists(join(dir, 'results.json'));
  const metrics = await readJsonLinesIfExists(join(dir, 'metrics.jsonl'));
  if (!results) {
    return { technique, problem: `run ${dir} has no results.json (status: ${manifest?.status ?? 'no manifest'})` };
  }
  return { technique, run: { technique, runId, dir, selectedBy, manifest, results, metrics } };
}

export async function loadRuns(runsDir: string): Promise<Record<Technique, RunLookup>> {
  const out = {} as Record<Technique, RunLookup>;
  for (const t of TECHNIQUES) out[t] = await selectRun(runsDir, t);
  return out;
}
