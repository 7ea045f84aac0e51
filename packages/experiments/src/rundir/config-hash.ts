import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal configs serialize equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v,
  );
}

export function hashConfig(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** `<profile>-<8 hex of the config hash>`: the same command finds its own run again. */
export function runIdFor(profile: string, config: unknown): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(profile)) throw new RangeError(`invalid profile name '${profile}'`);
  return `${profile}-${hashConfig(config).slice(0, 8)}`;
}
