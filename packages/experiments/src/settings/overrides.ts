// `key.path=value` assignments (the CLI's `--set`) as settings layers: the value is JSON when it
// parses, else a string. The objects are built without a prototype, so a path such as
// `__proto__.x` becomes a key the settings schema rejects instead of reaching Object.prototype.
import { mergeLayers, type Overrides } from './profiles';
import { SettingsError, type SettingsLayer } from './settings-schema';

/** One assignment as a layer; `from` says where it was written (default `--set <item>`). */
export function parseAssignment(item: string, from = `--set ${item}`): SettingsLayer {
  const eq = item.indexOf('=');
  const path = item.slice(0, Math.max(eq, 0)).split('.');
  if (eq < 1 || path.some((k) => k === '')) {
    throw new SettingsError(`expected key.path=value (e.g. kfold.k=5), got "${item}" (from ${from})`, { setting: item, from });
  }
  const raw = item.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  for (const k of path.slice().reverse()) {
    const o = Object.create(null) as Record<string, unknown>;
    o[k] = value;
    value = o;
  }
  return { from, values: value };
}

/** Several assignments, checked against the settings schema and merged (later ones win). */
export function parseAssignments(items: readonly string[]): Overrides {
  return mergeLayers(items.map((item) => parseAssignment(item)));
}
