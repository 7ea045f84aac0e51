import type { DataInputs } from '../data-inputs';
import { note, p, type Section } from '../document';
import { DASH, flatten, int, seconds, shortHash, value } from '../format';
import { TECHNIQUES, type RunLookup, type Technique } from '../run-inputs';
import { asHistory, meanImagesPerSecond } from './history';
import { runLabel } from './run-label';

function imagesPerSecond(r: RunLookup): number | undefined {
  const res = r.run?.results;
  if (!res) return undefined;
  if (typeof res.imagesPerSecond === 'number') return res.imagesPerSecond;
  const histories = [res.history, ...(Array.isArray(res.folds) ? res.folds.map((f: any) => f.history) : [])].flatMap(asHistory);
  return meanImagesPerSecond(histories);
}

export function runFactsSection(runs: Record<Technique, RunLookup>, data: DataInputs): Section {
  const section: Section = { id: 'run-facts', title: '6. Run facts', blocks: [] };
  const b = section.blocks;
  const present = TECHNIQUES.filter((t) => runs[t].run);
  if (!present.length) {
    b.push(note('No runs found, so there are no run facts.'));
  } else {
    const cols = present.map((t) => runs[t].run!);
    const m = (f: (x: (typeof cols)[number]) => unknown) => cols.map((c) => value(f(c)));
    b.push({
      kind: 'table',
      caption: 'Runs shown in this report',
      columns: ['', ...present],
      rows: [
        ['run id', ...cols.map((c) => c.runId)],
        ['label', ...cols.map((c) => runLabel(c.manifest) ?? DASH)],
        ['status', ...m((c) => c.manifest?.status)],
        ['profile', ...m((c) => c.manifest?.profile)],
        ['backend', ...m((c) => c.manifest?.backend?.name ?? c.results?.backend?.name ?? c.results?.backend)],
        ['backend reason', ...m((c) => c.manifest?.backend?.reason ?? c.results?.backend?.reason)],
        ['threads', ...m((c) => c.manifest?.backend?.threads ?? c.results?.backend?.threads)],
        ['seed', ...m((c) => c.manifest?.seed)],
        ['started', ...m((c) => c.manifest?.startedAt)],
        ['ended', ...m((c) => c.manifest?.endedAt)],
        ['duration', ...cols.map((c) => seconds(c.manifest?.durationSeconds ?? c.results?.durationSeconds))],
        ['images/s (training)', ...present.map((t) => int(imagesPerSecond(runs[t])))],
        ['node', ...m((c) => c.manifest?.versions?.node)],
        ['fmnist', ...m((c) => c.manifest?.versions?.fmnist)],
        ['tfjs', ...m((c) => c.manifest?.versions?.tfjs)],
        ['attempts (resumed runs have several)', ...m((c) => (Array.isArray((c.manifest as any)?.attempts) ? (c.manifest as any).attempts.length : undefined))],
        ['git revision', ...cols.map((c) => shortHash(c.manifest?.gitRevision))],
        ['data input key', ...cols.map((c) => shortHash(c.manifest?.data?.inputKey))],
      ],
    });
    const configs = cols.map((c) => new Map(flatten(c.manifest?.config ?? {})));
    const keys = [...new Set(configs.flatMap((m) => [...m.keys()]))].sort();
    if (keys.length) {
      b.push({
        kind: 'table',
        caption: 'Configuration of each run (manifest.json)',
        columns: ['option', ...present],
        rows: keys.map((k) => [k, ...configs.map((m) => (m.has(k) ? shortHash(value(m.get(k))) : DASH))]),
      });
    }
  }
  const missing = TECHNIQUES.filter((t) => !runs[t].run);
  if (missing.length) b.push(note(`Not in this report: ${missing.map((t) => `${t} (${runs[t].problem})`).join('; ')}.`));

  b.push({ kind: 'heading', text: 'Data provenance' });
  const s = data.summary;
  if (!s) {
    b.push(note(`No data provenance: summary.json is missing from ${data.dir}.`));
    return section;
  }
  b.push(p(`Source format: ${value(s.source?.kind)}; input key ${value(s.inputKey)}; prepared at ${value(s.createdAt)}.`));
  const keys = new Set(present.map((t) => runs[t].run!.manifest?.data?.inputKey).filter(Boolean));
  if (s.inputKey && keys.size && (keys.size > 1 || !keys.has(s.inputKey))) {
    b.push(note(`Some runs were trained on data with a different input key (${[...keys].join(', ')}) than the prepared data shown in section 1 (${s.inputKey}).`));
  }
  const files = s.source?.files ?? [];
  if (files.length) {
    b.push({
      kind: 'table',
      caption: 'Input files',
      columns: ['file', 'bytes', 'MD5'],
      numeric: [false, true, false],
      rows: files.map((f) => [f.path, int(f.bytes), f.md5]),
    });
  }
  return section;
}
