/** Number formatting shared by the sections; every missing value prints as an em dash. */
export const DASH = '—';

export function pct(x: number | null | undefined, digits = 2): string {
  return isNum(x) ? `${(x * 100).toFixed(digits)}%` : DASH;
}

export function fixed(x: number | null | undefined, digits = 4): string {
  return isNum(x) ? x.toFixed(digits) : DASH;
}

export function int(x: number | null | undefined): string {
  return isNum(x) ? Math.round(x).toLocaleString('en-US') : DASH;
}

export function seconds(x: number | null | undefined): string {
  if (!isNum(x)) return DASH;
  if (x < 60) return `${x.toFixed(1)} s`;
  const m = Math.floor(x / 60);
  const s = Math.round(x - m * 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A plain rendering of any JSON value for a table cell. */
/** A row or image count with thousands separators (anything else as value() shows it). */
export function count(x: unknown): string {
  return isNum(x) ? x.toLocaleString('en-US') : value(x);
}

export function value(x: unknown): string {
  if (x === null || x === undefined) return DASH;
  if (typeof x === 'number') return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
  if (typeof x === 'string') return x;
  if (typeof x === 'boolean') return x ? 'yes' : 'no';
  return JSON.stringify(x);
}

export function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1), 0 for a single value. */
export function std(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** Nested plain objects as dotted keys: { data: { trainSubset: 1 } } -> [['data.trainSubset', 1]]. */
export function flatten(o: Record<string, unknown>, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) out.push(...flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out.push([`${prefix}${k}`, v]);
  }
  return out;
}

/** A long hex digest (input key, git revision, sha256) cut to 12 characters, suffixes kept. */
export function shortHash(x: unknown): string {
  if (typeof x !== 'string') return value(x);
  return x.replace(/\b([0-9a-f]{12})[0-9a-f]{8,}\b/g, '$1…');
}
