// Options of the benchmark scripts come from environment variables (FMNIST_BENCH_*), never from
// argv: only the CLI parses a command line (`fmnist bench` takes flags). Each script lists the
// variables it reads at its top; a bad value stops it with one line naming the variable (exit 2).

type Env = Record<string, string | undefined>;

function usage(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/** An integer in [min, max], or undefined when the variable is unset or empty. */
export function envInt(name: string, min: number, max: number, env: Env = process.env): number | undefined {
  const v = env[name]?.trim();
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) usage(`${name}=${v}: expected an integer from ${min} to ${max}`);
  return n;
}

/** A comma-separated list whose items are all in `allowed`, or undefined when unset or empty. */
export function envList<T extends string>(name: string, allowed: readonly T[], env: Env = process.env): T[] | undefined {
  const v = env[name]?.trim();
  if (!v) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.find((s) => !allowed.includes(s as T));
  if (bad !== undefined || items.length === 0) usage(`${name}=${v}: expected a comma-separated list of ${allowed.join(', ')}`);
  return items as T[];
}

/** One of `allowed`, `fallback` when unset or empty. */
export function envChoice<T extends string>(name: string, allowed: readonly T[], fallback: T, env: Env = process.env): T {
  const v = env[name]?.trim();
  if (!v) return fallback;
  if (!allowed.includes(v as T)) usage(`${name}=${v}: expected one of ${allowed.join(', ')}`);
  return v as T;
}
