import { describe, expect, it } from 'vitest';
import { coresOf, dispatch, dispatchOrder, lend, PRIORITY, type LendingUnit, type PoolState, type RunningUnit, type WaitingUnit } from './dispatch';

/** A unit of a simulated study: it arrives at `at`, and `work` core-seconds finish in work / threads seconds. */
interface SimUnit { id: number; priority: number; at: number; work: number; threads?: number; exclusive?: boolean }
interface Started { id: number; threads: number; at: number; end: number }

/**
 * Runs the policy over a simulated study: at every arrival and completion the pool asks dispatch()
 * what to start. Checks on the way that no decision oversubscribes the cores, that an exclusive unit
 * runs alone, and that the units a decision starts come in the policy's own order (the first ones,
 * or units passing a pinned unit by backfilling).
 */
function simulate(cores: number, units: SimUnit[], o: { estimates?: boolean } = {}): Started[] {
  const started: Started[] = [];
  const running: (RunningUnit & { end: number })[] = [];
  const waiting: WaitingUnit[] = [];
  const pending = [...units].sort((a, b) => a.at - b.at || a.id - b.id);
  let pinned: number | undefined;
  let now = 0;
  for (let steps = 0; pending.length || waiting.length || running.length; steps++) {
    if (steps > 10_000) throw new Error('the simulation does not end: a unit starves');
    for (let i = running.length - 1; i >= 0; i--) if (running[i].end <= now) running.splice(i, 1);
    while (pending.length && pending[0].at <= now) {
      const u = pending.shift()!;
      waiting.push({ id: u.id, priority: u.priority, threads: u.threads, exclusive: u.exclusive, ...(o.estimates ? { seconds: u.work } : {}) });
    }
    const state: PoolState = { cores, running: running.map(({ end, ...r }) => ({ ...r, ...(o.estimates ? { remaining: end - now } : {}) })), waiting: [...waiting], pinned };
    const d = dispatch(state);
    const order = dispatchOrder({ waiting, pinned }).map((u) => u.id);
    const at = d.start.map((x) => order.indexOf(x.id));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    if (d.pinned === undefined) expect(at).toEqual(at.map((_, i) => i));
    pinned = d.pinned;
    for (const s of d.start) {
      const u = units.find((x) => x.id === s.id)!;
      waiting.splice(waiting.findIndex((w) => w.id === s.id), 1);
      const end = now + u.work / Math.min(s.threads, cores);
      running.push({ id: s.id, threads: s.threads, exclusive: u.exclusive, end });
      started.push({ id: s.id, threads: s.threads, at: now, end });
    }
    const used = running.reduce((a, r) => a + coresOf(r, cores), 0);
    expect(used).toBeLessThanOrEqual(cores);
    if (running.some((r) => r.exclusive)) expect(running).toHaveLength(1);
    const next = Math.min(pending[0]?.at ?? Infinity, ...running.map((r) => r.end));
    if (next === Infinity) {
      expect(waiting, 'units left waiting on an idle pool').toEqual([]);
      break;
    }
    now = next;
  }
  return started;
}

const folds = (n: number, from = 0): SimUnit[] => Array.from({ length: n }, (_, i) => ({ id: from + i, priority: PRIORITY.fold, at: 0, work: 10 }));

describe('dispatch policy', () => {
  it('starts units by priority, then submission order', () => {
    const waiting = (['head', 'fold', 'features', 'trial', 'final', 'fold'] as const).map((k, id) => ({ id, priority: PRIORITY[k] }));
    expect(dispatch({ cores: 1, running: [], waiting }).start).toEqual([{ id: 3, threads: 1 }]);
    expect(dispatch({ cores: 3, running: [], waiting }).start.map((s) => s.id)).toEqual([3, 4, 1]);
    // nothing free: nothing starts
    expect(dispatch({ cores: 2, running: [{ id: 9, threads: 2 }], waiting }).start).toEqual([]);
  });

  it('gives the tail the free cores: 5 folds on 2 cores train on 1, 1, 1, 1 then 2 threads', () => {
    const s = simulate(2, folds(5));
    expect(s.map((x) => [x.id, x.threads])).toEqual([[0, 1], [1, 1], [2, 1], [3, 1], [4, 2]]);
    // the final model alone on 4 cores gets all of them
    expect(dispatch({ cores: 4, running: [], waiting: [{ id: 0, priority: PRIORITY.final }] }).start).toEqual([{ id: 0, threads: 4 }]);
    // 3 waiting units and 4 free cores: 1 each (floor(4 / 3)), then the last free core
    expect(dispatch({ cores: 4, running: [], waiting: folds(3) }).start.map((x) => x.threads)).toEqual([1, 1, 2]);
  });

  it('lets the last unit wait for a core about to free rather than start on fewer threads', () => {
    // fold 1 ends 1 s after fold 0: fold 2 waits that second and trains on both cores
    const units = [{ ...folds(1)[0] }, { ...folds(1, 1)[0], work: 11 }, ...folds(1, 2)];
    const s = simulate(2, units, { estimates: true });
    expect(s.map((x) => [x.id, x.at, x.threads])).toEqual([[0, 0, 1], [1, 0, 1], [2, 11, 2]]);
    // without estimates it starts at once on the free core
    expect(simulate(2, units).map((x) => [x.id, x.at, x.threads])).toEqual([[0, 0, 1], [1, 0, 1], [2, 10, 1]]);
    // a running unit far from its end is not waited for
    const far = [{ ...folds(1)[0] }, { ...folds(1, 1)[0], work: 20 }, ...folds(1, 2)];
    expect(simulate(2, far, { estimates: true }).map((x) => [x.id, x.at, x.threads])).toEqual([[0, 0, 1], [1, 0, 1], [2, 10, 1]]);
  });

  it("keeps held cores for the reserved unit's priority or a higher one: a fold does not get them, a trial or the final model does", () => {
    const fold = (id: number): WaitingUnit => ({ id, priority: PRIORITY.fold });
    const running: RunningUnit[] = [{ id: 1, threads: 1 }];
    const held = { cores: 1, priority: PRIORITY.final };
    // the tuning's last trial ended: its core waits for the final model, fold 2 does not take it
    expect(dispatch({ cores: 2, running, waiting: [fold(2)], held })).toEqual({ start: [] });
    // a trial of the next rung, or the final model, takes it
    expect(dispatch({ cores: 2, running, waiting: [fold(2), { id: 3, priority: PRIORITY.trial }], held }).start).toEqual([{ id: 3, threads: 1 }]);
    expect(dispatch({ cores: 2, running, waiting: [fold(2), { id: 4, priority: PRIORITY.final }], held }).start).toEqual([{ id: 4, threads: 1 }]);
    // held cores beyond the free ones count for nothing; free cores that are not held go to anyone
    expect(dispatch({ cores: 2, running: [], waiting: [fold(2)], held }).start).toEqual([{ id: 2, threads: 1 }]);
    expect(dispatch({ cores: 2, running: [{ id: 1, threads: 2 }], waiting: [fold(2)], held: { cores: 2, priority: PRIORITY.final } }).start).toEqual([]);
    // an exclusive unit of a lower priority waits until the hold ends
    expect(dispatch({ cores: 2, running: [], waiting: [{ id: 5, priority: PRIORITY.features, exclusive: true }], held: { cores: 2, priority: PRIORITY.final } }).start).toEqual([]);
    expect(dispatch({ cores: 2, running: [], waiting: [{ id: 5, priority: PRIORITY.features, exclusive: true }] }).start).toEqual([{ id: 5, threads: 2 }]);
    // ...and, pinned, does not keep the next rung's trials from the held core (the tuning's last
    // trial ended while a fold ran: the rung after it waited 40 min behind the pinned extraction)
    const feats = { id: 5, priority: PRIORITY.features, exclusive: true };
    expect(dispatch({ cores: 2, running, waiting: [feats, { id: 6, priority: PRIORITY.trial }, { id: 7, priority: PRIORITY.trial }], held, pinned: 5 })).toEqual({ start: [{ id: 6, threads: 1 }], pinned: 5 });
  });

  it('keeps threads the user fixed, and waits for that many free cores', () => {
    const waiting = [{ id: 0, priority: PRIORITY.fold, threads: 2 }, { id: 1, priority: PRIORITY.fold, threads: 2 }];
    expect(dispatch({ cores: 2, running: [], waiting }).start).toEqual([{ id: 0, threads: 2 }]);
    // 1 of 2 cores free: the unit waits (pinned: the next free core is its)
    expect(dispatch({ cores: 2, running: [{ id: 5, threads: 1 }], waiting })).toEqual({ start: [], pinned: 0 });
    // more threads than cores: it runs when the pool is idle, counted as all the cores
    expect(dispatch({ cores: 2, running: [], waiting: [{ id: 0, priority: 0, threads: 8 }, { id: 1, priority: 0 }] }).start).toEqual([{ id: 0, threads: 8 }]);
    expect(simulate(2, folds(3).map((u) => ({ ...u, threads: 1 }))).map((x) => x.threads)).toEqual([1, 1, 1]);
  });

  it('runs an exclusive unit alone, once every core is free, and starts nothing else meanwhile', () => {
    const feats: SimUnit = { id: 2, priority: PRIORITY.features, at: 0, work: 4, exclusive: true };
    const head: SimUnit = { id: 3, priority: PRIORITY.head, at: 0, work: 4 };
    const s = simulate(2, [...folds(2), feats, head]);
    const f = s.find((x) => x.id === 2)!;
    expect(f.threads).toBe(2);
    expect(f.at).toBe(10);
    for (const x of s) if (x.id !== 2) expect(x.end <= f.at || x.at >= f.end, `unit ${x.id} overlaps the exclusive unit`).toBe(true);
    // it started before the head behind it, which waited although a core was free before
    expect(s.find((x) => x.id === 3)!.at).toBe(f.end);
  });

  it('does not starve an exclusive unit behind a stream of higher-priority units', () => {
    // tuning trials keep arriving every 3 s, each 4 s long on one core: the pool is never idle on its own
    const trials: SimUnit[] = Array.from({ length: 40 }, (_, i) => ({ id: 1 + i, priority: PRIORITY.trial, at: 1 + 3 * i, work: 4 }));
    const feats: SimUnit = { id: 0, priority: PRIORITY.features, at: 0, work: 2, exclusive: true };
    const first: SimUnit = { id: 100, priority: PRIORITY.trial, at: 0, work: 4 };
    const s = simulate(2, [first, feats, ...trials]);
    const f = s.find((x) => x.id === 0)!;
    // it waits for the trial that held a core when it arrived; trials arriving meanwhile wait for it
    expect(f.at).toBe(4);
    expect(s.filter((x) => x.at < f.at).map((x) => x.id)).toEqual([100]);
    expect(s.find((x) => x.id === 1)!.at).toBe(f.end);
    // with estimates too: no trial arriving meanwhile ends before the running one frees its core
    expect(simulate(2, [first, feats, ...trials], { estimates: true })).toEqual(s);
  });

  it('backfills: behind a pinned unit, a unit estimated to end before the pinned one can start takes the idle core', () => {
    // a fold runs on one core for another 100 s; the exclusive extraction waits for both cores
    const running: RunningUnit[] = [{ id: 1, threads: 1, remaining: 100 }];
    const feats: WaitingUnit = { id: 2, priority: PRIORITY.features, exclusive: true };
    const trial = (id: number, seconds?: number): WaitingUnit => ({ id, priority: PRIORITY.trial, ...(seconds !== undefined ? { seconds } : {}) });
    expect(dispatch({ cores: 2, running, waiting: [feats, trial(3, 30)], pinned: 2 })).toEqual({ start: [{ id: 3, threads: 1 }], pinned: 2 });
    // one that would end after it (or whose length is unknown, or the fold's) waits
    expect(dispatch({ cores: 2, running, waiting: [feats, trial(3, 130)], pinned: 2 })).toEqual({ start: [], pinned: 2 });
    expect(dispatch({ cores: 2, running, waiting: [feats, trial(3)], pinned: 2 })).toEqual({ start: [], pinned: 2 });
    expect(dispatch({ cores: 2, running: [{ id: 1, threads: 1 }], waiting: [feats, trial(3, 30)], pinned: 2 })).toEqual({ start: [], pinned: 2 });
    // a unit of 2 fixed threads waiting for the second core: a 1-core unit passes it if it ends in time
    const two: WaitingUnit = { id: 4, priority: PRIORITY.fold, threads: 2 };
    expect(dispatch({ cores: 2, running, waiting: [two, { id: 5, priority: PRIORITY.head, seconds: 60 }] })).toEqual({ start: [{ id: 5, threads: 1 }], pinned: 4 });
    // over a study: trials arriving while a long fold runs use the idle core, and the extraction
    // starts exactly when it would have without them
    const fold: SimUnit = { id: 0, priority: PRIORITY.fold, at: 0, work: 100, threads: 1 };
    const extraction: SimUnit = { id: 1, priority: PRIORITY.features, at: 1, work: 20, exclusive: true };
    const rung: SimUnit[] = Array.from({ length: 4 }, (_, i) => ({ id: 2 + i, priority: PRIORITY.trial, at: 2, work: 20 }));
    const alone = simulate(2, [fold, extraction], { estimates: true }).find((x) => x.id === 1)!;
    const s = simulate(2, [fold, extraction, ...rung], { estimates: true });
    expect(s.find((x) => x.id === 1)!.at).toBe(alone.at);
    expect(s.filter((x) => x.id >= 2).map((x) => x.at)).toEqual([2, 22, 42, 62]);
    // without estimates the trials wait for it
    expect(simulate(2, [fold, extraction, ...rung]).filter((x) => x.id >= 2).every((x) => x.at >= alone.end)).toBe(true);
  });

  it('property: over random studies every unit runs, by priority, within the cores', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const kinds = Object.values(PRIORITY);
    for (let trial = 0; trial < 300; trial++) {
      const cores = 1 + Math.floor(rand() * 6);
      const fixed = rand() < 0.2 ? 1 + Math.floor(rand() * 8) : undefined;
      const units: SimUnit[] = Array.from({ length: 1 + Math.floor(rand() * 25) }, (_, id) => ({
        id,
        priority: kinds[Math.floor(rand() * kinds.length)],
        at: Math.floor(rand() * 20),
        work: 1 + Math.floor(rand() * 10),
        ...(rand() < 0.1 ? { exclusive: true } : fixed ? { threads: fixed } : {}),
      }));
      const s = simulate(cores, units, { estimates: rand() < 0.5 });
      expect(s.map((x) => x.id).sort((a, b) => a - b)).toEqual(units.map((u) => u.id));
      for (const x of s) {
        const u = units.find((v) => v.id === x.id)!;
        expect(x.threads).toBe(u.exclusive ? cores : u.threads ?? x.threads);
        expect(x.threads).toBeGreaterThanOrEqual(1);
        if (!u.exclusive && u.threads === undefined) expect(x.threads).toBeLessThanOrEqual(cores);
      }
    }
  });

  it('lends free cores to the running training with the most time left', () => {
    const unit = (id: number, threads: number, o: Partial<LendingUnit> = {}): LendingUnit => ({ id, threads, growable: true, ...o });
    // 4 cores, two folds on 1 thread each: the one with more time left gets the 2 free cores
    expect(lend({ cores: 4, running: [unit(1, 1, { remaining: 50 }), unit(2, 1, { remaining: 90 })] })).toEqual([{ id: 2, threads: 3 }]);
    // without estimates, the first started
    expect(lend({ cores: 3, running: [unit(3, 1), unit(1, 1)] })).toEqual([{ id: 1, threads: 2 }]);
    // cores held for a reservation, a user's --threads, work in this process, an exclusive unit: nothing lent
    expect(lend({ cores: 2, running: [unit(1, 1)], held: 1 })).toEqual([]);
    expect(lend({ cores: 2, running: [unit(1, 1, { growable: false })] })).toEqual([]);
    expect(lend({ cores: 2, running: [unit(1, 2, { exclusive: true, growable: false })] })).toEqual([]);
    // no free core: nothing
    expect(lend({ cores: 2, running: [unit(1, 1), unit(2, 1)] })).toEqual([]);
  });
});
