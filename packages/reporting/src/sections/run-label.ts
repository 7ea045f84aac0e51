import type { Inline } from '../document';
import type { RunLookup } from '../run-inputs';

/** "Run <id> (label), selected by latest.json" — the line under each technique's heading. */
export function runLine(lookup: RunLookup): Inline[] {
  const run = lookup.run!;
  const label = runLabel(run.manifest);
  const parts: Inline[] = ['Run ', { code: run.runId }];
  if (label) parts.push(` “${label}”`);
  parts.push(
    `, status ${run.manifest?.status ?? 'unknown'}, profile ${run.manifest?.profile ?? 'unknown'}; selected by ${run.selectedBy === 'latest.json' ? 'latest.json' : 'being the newest complete run'}.`,
  );
  return parts;
}

export function runLabel(m: { label?: unknown; config?: Record<string, unknown> } | undefined): string | undefined {
  const label = m?.label ?? m?.config?.label;
  return typeof label === 'string' && label ? label : undefined;
}
