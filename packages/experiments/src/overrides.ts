import type { Overrides } from './profiles';

/** Parse `a.b.c=value` assignments (value as JSON when it parses, else a string) into an overrides object. */
export function parseAssignments(items: string[]): Overrides {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new RangeError(`--set expects key.path=value, got '${item}'`);
    const path = item.slice(0, eq).split('.');
    const raw = item.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    let o = out;
    for (const k of path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[path[path.length - 1]] = value;
  }
  return out as Overrides;
}
