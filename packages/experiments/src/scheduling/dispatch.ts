// The core pool's dispatch policy as a pure function (state in, decisions out), so that the order,
// the thread counts and the no-starvation rule are tested without processes (dispatch.test.ts).
// Results never depend on a unit's thread count (data-parallel steps reduce a fixed number of
// shards in a fixed order), so threads are decided here, when a unit starts.

/** Units of the critical path first: tuning decides the holdout's final model; folds and transfer wait for nothing. */
export const PRIORITY = { trial: 0, final: 1, fold: 2, features: 3, head: 4 } as const;
export type UnitKind = keyof typeof PRIORITY;

export interface WaitingUnit {
  /** submission order (ties between units of one priority go to the first submitted) */
  id: number;
  priority: number;
  /** threads the user fixed (--threads): kept as given, the unit waits for that many free cores (at most all) */
  threads?: number;
  /** threads itself over every core (onnxruntime): runs alone, on all cores */
  exclusive?: boolean;
  /** estimated seconds on one thread, when the pool can tell */
  seconds?: number;
}

export interface RunningUnit {
  id: number;
  threads: number;
  exclusive?: boolean;
  /** estimated seconds left, when the pool can tell */
  remaining?: number;
}

/**
 * A unit that would start on fewer threads than it gets once running units about to finish have
 * freed their cores waits for them, if that wait is under this share of its time on the threads it
 * would start with (2 threads speed a training up about 1.7 times: waiting pays up to ~40%).
 */
export const WAIT_SHARE = 0.3;

export interface PoolState {
  cores: number;
  running: RunningUnit[];
  waiting: WaitingUnit[];
  /**
   * a unit that needs several cores and waits for them to free: it goes before every unit that may
   * not take held cores, and those behind it start only if they end before it can start
   */
  pinned?: number;
  /**
   * free cores kept for units of at most this priority (a technique's next unit, which it has not
   * submitted yet: the holdout's final model after the tuning); units of a lower priority (a
   * higher number) do not get them
   */
  held?: { cores: number; priority: number };
}

export interface Decision {
  /** units to start now, in order, each with its training threads */
  start: { id: number; threads: number }[];
  pinned?: number;
}

/** Cores a running unit occupies: a user's --threads above the cores counts as all of them. */
export const coresOf = (u: RunningUnit, cores: number): number => (u.exclusive ? cores : Math.min(u.threads, cores));

const usedCores = (running: readonly RunningUnit[], cores: number): number => running.reduce((a, r) => a + coresOf(r, cores), 0);

/**
 * The order units are considered in: units that may take held cores first (the critical path the
 * hold is for), then the pinned unit, then by priority and submission order.
 */
export function dispatchOrder(s: Pick<PoolState, 'waiting' | 'pinned' | 'held'>): WaitingUnit[] {
  const rank = (u: WaitingUnit) => (s.held !== undefined && u.priority <= s.held.priority ? 0 : u.id === s.pinned ? 1 : 2);
  return [...s.waiting].sort((a, b) => rank(a) - rank(b) || a.priority - b.priority || a.id - b.id);
}

/**
 * Units start by priority, then submission order. A unit without fixed threads starts when a core
 * is free, with `max(1, floor(free / waiting))` threads: when fewer units than cores are left (the
 * last fold, the holdout's final model) they get the free cores, and one that would start on fewer
 * threads than it gets from units about to finish waits for them (WAIT_SHARE). A unit that needs
 * more cores than are free (exclusive: all of them, idle) is pinned: units behind it wait, so a
 * stream of small units cannot starve it, except those that cannot delay it: a unit estimated to
 * end on the free cores before the running units have freed enough of them for it (backfilling;
 * without estimates nothing passes it). Nothing starts while an exclusive unit runs. Cores the pool
 * holds for a technique's next unit (`held`) go only to units of that unit's priority or a higher
 * one, and those go first, before a pinned unit that may not take the held cores anyway.
 */
export function dispatch(s: PoolState): Decision {
  let used = usedCores(s.running, s.cores);
  if (s.running.some((r) => r.exclusive)) return { start: [], pinned: s.pinned };
  // held cores are free cores that only units of the held priority (or a higher one) may take
  let held = s.held ? Math.max(0, Math.min(s.held.cores, s.cores - used)) : 0;
  const order = dispatchOrder(s);
  const start: Decision['start'] = [];
  // the unit that did not fit and waits for cores, and when it can start at the earliest (seconds)
  let blocked: { id: number; shadow?: number } | undefined;
  // a unit pinned earlier and not reached yet (units that may take held cores come before it) stays pinned
  const pin = () => blocked?.id ?? (s.pinned !== undefined && s.waiting.some((w) => w.id === s.pinned) && !start.some((x) => x.id === s.pinned) ? s.pinned : undefined);
  const decision = (): Decision => {
    const p = pin();
    return p === undefined ? { start } : { start, pinned: p };
  };
  for (let i = 0; i < order.length; i++) {
    const u = order[i];
    const privileged = s.held !== undefined && u.priority <= s.held.priority;
    const free = s.cores - used - (privileged ? 0 : held);
    const need = u.exclusive ? s.cores : u.threads !== undefined ? Math.min(u.threads, s.cores) : 1;
    const fits = u.exclusive ? used === 0 && (privileged || held === 0) : free >= need;
    if (blocked) {
      // behind a pinned unit: only a unit that ends on the free cores before it can start
      const threads = u.threads ?? 1;
      if (u.exclusive || !fits || blocked.shadow === undefined || u.seconds === undefined || u.seconds / threads > blocked.shadow) continue;
      start.push({ id: u.id, threads });
      used += Math.min(threads, s.cores);
      if (privileged) held = Math.max(0, held - Math.min(threads, s.cores));
      continue;
    }
    if (!fits) {
      if (need <= 1) return decision();
      blocked = { id: u.id, shadow: earliestStart(s, need, free, u.exclusive === true) };
      continue;
    }
    const left = order.length - i;
    const threads = u.exclusive ? s.cores : u.threads ?? Math.max(1, Math.floor(free / left));
    if (!u.exclusive && u.threads === undefined && u.seconds !== undefined && worthWaiting(s, free, left, threads, u.seconds / threads)) return decision();
    start.push({ id: u.id, threads });
    const took = u.exclusive ? s.cores : Math.min(threads, s.cores);
    used += took;
    if (privileged) held = Math.max(0, held - took);
    if (u.exclusive) break;
  }
  return decision();
}

/**
 * Seconds until the running units have freed `need` cores beyond the `free` ones (all of them for
 * an exclusive unit), from their estimated time left; undefined when an estimate it needs is missing.
 */
function earliestStart(s: PoolState, need: number, free: number, exclusive: boolean): number | undefined {
  if (s.running.some((r) => r.remaining === undefined)) return undefined;
  const byEnd = [...s.running].sort((a, b) => a.remaining! - b.remaining!);
  if (exclusive) return byEnd.length ? byEnd[byEnd.length - 1].remaining : 0;
  let have = free;
  for (const r of byEnd) {
    if (have >= need) break;
    have += coresOf(r, s.cores);
    if (have >= need) return r.remaining;
  }
  return have >= need ? 0 : undefined;
}

/** The tail's case: running units finish within WAIT_SHARE of `seconds`, and their cores give the waiting units more threads each. */
function worthWaiting(s: PoolState, free: number, left: number, threads: number, seconds: number): boolean {
  const soon = s.running.filter((r) => r.remaining !== undefined && r.remaining <= WAIT_SHARE * seconds);
  const freed = soon.reduce((a, r) => a + coresOf(r, s.cores), 0);
  return soon.length > 0 && Math.floor((free + freed) / left) > threads;
}

/** A running unit as lend() sees it. */
export interface LendingUnit extends RunningUnit {
  /** a training in a worker process that can change its threads between steps (not a user's --threads, not work in this process) */
  growable: boolean;
}

/**
 * Lending free cores to running trainings (data-parallel steps take a new thread count at any
 * step, with the same results): while nothing waits, cores no unit holds or the pool keeps
 * (`held`) go to the growable unit with the most time left (unknown: the first started). Returns
 * the unit whose threads change, with its new count. (The pool takes lent threads back when that
 * lets a waiting unit start: see core-pool.ts.)
 */
export function lend(s: { cores: number; running: LendingUnit[]; held?: number }): { id: number; threads: number }[] {
  if (s.running.some((r) => r.exclusive)) return [];
  const free = s.cores - usedCores(s.running, s.cores) - (s.held ?? 0);
  const candidates = s.running.filter((r) => r.growable && r.threads < s.cores);
  if (free <= 0 || !candidates.length) return [];
  const best = candidates.sort((a, b) => (b.remaining ?? -1) - (a.remaining ?? -1) || a.id - b.id)[0];
  return [{ id: best.id, threads: Math.min(s.cores, best.threads + free) }];
}
