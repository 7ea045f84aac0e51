import type { DataInputs } from '../data-inputs';
import { note, type Section } from '../document';
import { int, isNum, pct } from '../format';
import type { RunLookup, Technique } from '../run-inputs';
import { techniqueRows } from './comparison-section';

/** The headline numbers, first thing in the report: data size and each technique's test accuracy. */
export function summarySection(data: DataInputs, runs: Record<Technique, RunLookup>): Section {
  const section: Section = { id: 'summary', title: 'At a glance', blocks: [] };
  const items: [string, string][] = [];
  const sizes = (['train', 'test'] as const).map((s) => data.cleaning?.[s]?.rowsKept ?? data.tables[s]?.n);
  if (sizes.some(isNum)) {
    const verdict = data.balance?.train?.verdict;
    items.push(['data (after cleaning)', `${int(sizes[0])} train / ${int(sizes[1])} test images${verdict ? `, ${verdict}` : ''}`]);
  }
  for (const r of techniqueRows(runs)) {
    const ref = isNum(r.originalTest) ? ` (original ${pct(r.originalTest)})` : '';
    items.push([r.technique, isNum(r.test) ? `${pct(r.test)} test${ref}` : `not run${ref}`]);
  }
  const profiles = [...new Set(Object.values(runs).map((r) => r.run?.manifest?.profile).filter((x): x is string => typeof x === 'string'))].sort();
  if (profiles.length) items.push(['profile', profiles.map((x) => (x === 'quick' ? 'quick (data subsets, few epochs)' : x)).join(', ')]);
  if (items.length) section.blocks.push({ kind: 'facts', items });
  else section.blocks.push(note('No prepared data and no runs yet: run the study first (fmnist run).'));
  return section;
}
