// The core pool: one executor for every technique of a study (or of one command), sized to the
// cores. Units wait in one queue and start by the dispatch policy (dispatch.ts): training units in
// worker processes with the threads decided when they start, work the coordinating process does
// itself (a transfer head, onnxruntime feature extraction) through a lease on some cores. It also
// keeps the study's progress: each running unit with its threads, and one ETA over all the work
// (images × epochs) of the units known so far.
import { existsSync } from 'node:fs';
import { createEngine, type Engine } from '../engine';
import { createTaskRunner, defaultWorkerCommand, type Executor, type ResultOf, type RunHooks, type Task, type WorkerCommand } from './executor';
import { coresOf, dispatch, lend, PRIORITY, type Decision, type UnitKind } from './dispatch';
import { closeWorkers, forkWorker, type WorkerProcess } from './worker-process';
import type { TaskHooks } from '../techniques/train-task';
import type { EpochMetricsLike, OnProgress } from '../types';

/** What a unit says about itself when it is submitted. */
export interface UnitClaim {
  kind: UnitKind;
  /** shown in progress and logs: `fold 2/5`, `holdout`, `vgg16 features` */
  label: string;
  /** threads itself over every core (onnxruntime): runs alone on all of them */
  exclusive?: boolean;
  /** images per epoch and epochs: the unit's share of the study's ETA (refined by its progress) */
  rows?: number;
  epochs?: number;
}

export interface UnitStatus { label: string; threads: number; done: number; total: number }

export interface PoolStatus {
  cores: number;
  running: UnitStatus[];
  waiting: number;
  /** images × epochs: done (finished units count whole) and planned, over the units submitted so far */
  work: { done: number; planned: number };
  /** each unit's work left at its kind's pace so far, over every core (see studyEtaSeconds); absent until some work was seen */
  etaSeconds?: number;
}

/** Cores held by work this process does itself; `hooks` feed the study's progress. */
export interface Lease {
  threads: number;
  hooks: { onEpoch: (m: EpochMetricsLike) => void; onProgress: OnProgress };
  release(): void;
}

/**
 * Seconds left of a study: each unit's work left (images x epochs) at the images per second per
 * thread its kind has shown so far, spread over every core. Kinds not seen yet count at the pace of
 * all the work seen (`overall`). A VGG extraction (hundreds of images/s) or a head (thousands)
 * no longer counts at a training's pace: the study ETA said 56 s as a 10-min extraction began,
 * and 1:54:52 for a 3-min head. Undefined before any pace is known.
 */
export function studyEtaSeconds(left: readonly { kind: UnitKind; work: number }[], perThread: ReadonlyMap<UnitKind, number>, overall: number, cores: number): number | undefined {
  if (!(overall > 0)) return undefined;
  let threadSeconds = 0;
  for (const u of left) if (u.work > 0) threadSeconds += u.work / (perThread.get(u.kind) ?? overall);
  return threadSeconds / Math.max(1, cores);
}

/** The log line of a unit that starts: `fold 5/5: started on 2 threads`. */
export function startLine(label: string, threads: number): string {
  return `${label}: started on ${threads} thread${threads === 1 ? '' : 's'}`;
}

/** The log line of a running unit lent cores or giving them back: `fold 5/5: on 2 threads from its next step`. */
export function threadsLine(label: string, threads: number): string {
  return `${label}: on ${threads} thread${threads === 1 ? '' : 's'} from its next step`;
}

/** Images per epoch of a unit for the ETA, before its progress tells: a fraction of the (subset of the) 60,000 training images. */
export function estimatedRows(subset: number | undefined, fraction: number): number {
  return Math.round((subset ?? 60_000) * fraction);
}

/** A technique's claim on the cores of its next unit: see CorePool.reserve. */
export interface Reservation {
  /** nothing more will come (idempotent): the held cores go to whoever waits */
  release(): void;
}

export interface CorePool extends Executor {
  readonly cores: number;
  /**
   * A technique that will submit a unit of `kind` once its units of a higher priority are done
   * (the holdout's final model once the tuning's trials are): the cores of the last of those units
   * to finish are kept for it, and for units of its priority or a higher one, instead of going to
   * units of a lower priority (a fold) in the moments before it is submitted. The hold ends when a
   * unit of `kind` starts, or at release(). One reservation at a time: a new one replaces the last.
   */
  reserve(kind: UnitKind): Reservation;
  /** Waits for cores for work done in this process (null: `signal` aborted or the pool closed first). `threads` fixes the count (--threads). */
  acquire(claim: UnitClaim & { threads?: number }, signal?: AbortSignal): Promise<Lease | null>;
  status(): PoolStatus;
}

export interface CorePoolOptions {
  /** cores to share (the machine's, or --concurrency); 1 runs tasks in this process */
  cores: number;
  /** the backend worker processes initialise (a resolved name: what this process uses) */
  backend: string;
  worker?: WorkerCommand;
  /** the engine for tasks run in this process (cores 1) */
  engine?: Engine;
  /** the study's progress, at most every `statusIntervalMs` (200) and at each start and end of a unit */
  onStatus?: (s: PoolStatus) => void;
  statusIntervalMs?: number;
}

interface Entry {
  id: number;
  claim: UnitClaim;
  priority: number;
  fixed?: number;
  signal?: AbortSignal;
  state: 'waiting' | 'running' | 'done';
  threads: number;
  /**
   * the threads it keeps: all it started on, or 1 for a training whose threads can change (the
   * rest of its start is lent, and goes back to units that wait)
   */
  startThreads: number;
  /** a training in a worker process, threads not fixed: its threads can change between steps */
  growable: boolean;
  setThreads?: (threads: number) => void;
  onThreads?: (threads: number) => void;
  /** thread-milliseconds before the last change of threads, and when that was */
  threadMs: number;
  since: number;
  begin(threads: number): void;
  cancel(): void;
  /** takes an ended unit off the abort listener of its signal (one listener per signal: a study submits dozens of units on one) */
  unlisten(): void;
  /** stops a running task (its own signal, which the pool aborts when the unit's signal does) */
  stop?: () => void;
  // progress of this unit: images per epoch, images seen in this process, epochs done before it
  rows: number;
  epochs: number;
  seen: number;
  last: number;
  base: number;
  epochSeen: boolean;
  done: number;
  total: number;
  startedAt: number;
  endedAt: number;
}

export function createCorePool(o: CorePoolOptions): CorePool {
  const cores = Math.max(1, Math.floor(o.cores));
  const cmd = o.worker ?? defaultWorkerCommand();
  const inline = cores === 1;
  // in this process: every task when the pool has one core, else only the reading of committed results
  let runInline: ReturnType<typeof createTaskRunner> | null = null;
  let ready: Promise<unknown> | null = null;
  const engine = o.engine ?? (inline ? createEngine() : null);
  const entries = new Map<number, Entry>();
  const idle: WorkerProcess[] = [];
  const all = new Set<WorkerProcess>();
  let nextId = 0;
  let pinned: number | undefined;
  let closed = false;
  let lastStatus = 0;
  let scheduled = false;
  // the open reservation: its priority and the cores held for it
  let reservation: { kind: UnitKind; priority: number; held: number } | null = null;

  const planned = (e: Entry) => e.rows * e.epochs;
  const status = (): PoolStatus => {
    let done = 0;
    let plan = 0;
    const running: UnitStatus[] = [];
    const left: { kind: UnitKind; work: number }[] = [];
    for (const e of entries.values()) {
      plan += planned(e);
      const d = e.state === 'done' ? planned(e) : Math.min(planned(e), e.base + e.seen);
      done += d;
      left.push({ kind: e.claim.kind, work: planned(e) - d });
      if (e.state === 'running') running.push({ label: e.claim.label, threads: e.threads, done: e.done, total: e.total });
    }
    const { perThread, overall } = threadRates(Date.now());
    const etaSeconds = studyEtaSeconds(left, perThread, overall, cores);
    const waiting = [...entries.values()].filter((e) => e.state === 'waiting').length;
    return { cores, running, waiting, work: { done, planned: plan }, ...(etaSeconds !== undefined ? { etaSeconds } : {}) };
  };
  const emit = (force: boolean) => {
    if (!o.onStatus) return;
    const now = Date.now();
    if (!force && now - lastStatus < (o.statusIntervalMs ?? 200)) return;
    lastStatus = now;
    o.onStatus(status());
  };

  // Estimates for the tail rule of dispatch(): seconds left of a running unit at its own pace, and
  // images per second per thread of each kind of unit so far.
  const remaining = (e: Entry, now: number): number | undefined => {
    const secs = (now - e.startedAt) / 1000;
    if (!(e.seen > 0 && secs > 0 && planned(e) > 0)) return undefined;
    return Math.max(0, planned(e) - e.base - e.seen) / (e.seen / secs);
  };
  const threadRates = (now: number) => {
    const sums = new Map<UnitKind, { seen: number; threadSeconds: number }>();
    let seen = 0;
    let threadSeconds = 0;
    for (const e of entries.values()) {
      if (e.state === 'waiting' || e.seen === 0) continue;
      const x = sums.get(e.claim.kind) ?? { seen: 0, threadSeconds: 0 };
      const ts = (e.threadMs + e.threads * ((e.state === 'done' ? e.endedAt : now) - e.since)) / 1000;
      x.seen += e.seen;
      x.threadSeconds += ts;
      seen += e.seen;
      threadSeconds += ts;
      sums.set(e.claim.kind, x);
    }
    const perThread = new Map([...sums].filter(([, x]) => x.threadSeconds > 0).map(([k, x]) => [k, x.seen / x.threadSeconds]));
    return { perThread, overall: threadSeconds > 0 ? seen / threadSeconds : 0 };
  };
  const ratesPerThread = (now: number) => threadRates(now).perThread;

  const track = (e: Entry) => ({
    onProgress: (p: Parameters<OnProgress>[0]) => {
      if (p.total > 0 && p.total !== e.rows && e.claim.kind !== 'features') e.rows = p.total;
      e.seen += p.done >= e.last ? p.done - e.last : p.done;
      e.last = p.done;
      e.done = p.done;
      e.total = p.total;
      emit(false);
    },
    onEpoch: (m: EpochMetricsLike) => {
      // a unit resumed at epoch e did e - 1 epochs before this process
      if (!e.epochSeen && m.epoch > 1) e.base = (m.epoch - 1) * e.rows;
      e.epochSeen = true;
      e.last = 0;
    },
  });

  const finish = (e: Entry) => {
    if (e.state === 'done') return;
    const wasWaiting = e.state === 'waiting';
    e.state = 'done';
    e.unlisten();
    e.endedAt = Date.now();
    if (wasWaiting) {
      // never started (aborted, or the pool closed): it counts for nothing
      entries.delete(e.id);
    } else if (reservation && e.priority < reservation.priority) {
      // the last running or waiting predecessor of the reserved unit leaves its cores to it
      const r = reservation;
      const more = [...entries.values()].some((x) => x.state !== 'done' && x.priority < r.priority);
      if (!more) r.held = Math.min(cores, r.held + coresOf({ id: e.id, threads: e.threads, exclusive: e.claim.exclusive }, cores));
    }
    emit(true);
    later();
  };

  // Dispatch once the current turn of the event loop is over: the units a technique submits
  // together (its folds, a rung of trials) are all waiting when threads are decided, so the first
  // of them does not take every core for being alone for an instant.
  const later = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  };

  // Lent threads: while nothing waits, free cores go to a running training (lend() in
  // dispatch.ts); they go back when that lets a waiting unit start. A training alone starts on the
  // free cores but keeps one: the others are lent. A change reaches the training at its next step.
  const lendingView = (now: number) =>
    [...entries.values()]
      .filter((e) => e.state === 'running')
      .map((e) => ({ id: e.id, threads: e.threads, growable: e.growable, exclusive: e.claim.exclusive, remaining: remaining(e, now) }));
  const applyThreads = (changes: { id: number; threads: number }[], now: number) => {
    for (const c of changes) {
      const e = entries.get(c.id)!;
      e.threadMs += e.threads * (now - e.since);
      e.since = now;
      e.threads = c.threads;
      e.setThreads!(c.threads);
      e.onThreads?.(c.threads);
    }
    if (changes.length) emit(true);
  };

  const pump = () => {
    if (closed) return;
    const now = Date.now();
    if ([...entries.values()].some((e) => e.state === 'waiting')) startWaiting(now);
    if (![...entries.values()].some((e) => e.state === 'waiting')) {
      applyThreads(lend({ cores, running: lendingView(now), held: reservation?.held ?? 0 }), now);
    }
  };

  const startWaiting = (now: number) => {
    const waiting: Entry[] = [];
    const running: Entry[] = [];
    for (const e of entries.values()) {
      if (e.state === 'waiting') waiting.push(e);
      else if (e.state === 'running') running.push(e);
    }
    const perThread = ratesPerThread(now);
    const decide = (threadsOf: (e: Entry) => number): Decision =>
      dispatch({
        cores,
        running: running.map((e) => ({ id: e.id, threads: threadsOf(e), exclusive: e.claim.exclusive, remaining: remaining(e, now) })),
        waiting: waiting.map((e) => {
          const r = perThread.get(e.claim.kind);
          return { id: e.id, priority: e.priority, threads: e.fixed, exclusive: e.claim.exclusive, ...(r && planned(e) ? { seconds: planned(e) / r } : {}) };
        }),
        pinned,
        ...(reservation && reservation.held > 0 ? { held: { cores: reservation.held, priority: reservation.priority } } : {}),
      });
    let d = decide((e) => e.threads);
    // lent threads go back when that starts more of the waiting units (not to leave a core idle)
    const lent = running.filter((e) => e.threads > e.startThreads);
    if (lent.length) {
      const back = decide((e) => e.startThreads);
      if (back.start.length > d.start.length) {
        applyThreads(lent.map((e) => ({ id: e.id, threads: e.startThreads })), now);
        d = back;
      }
    }
    pinned = d.pinned;
    for (const s of d.start) {
      const e = entries.get(s.id)!;
      e.state = 'running';
      e.threads = s.threads;
      e.startThreads = e.growable ? 1 : s.threads;
      e.startedAt = Date.now();
      e.since = e.startedAt;
      if (reservation && e.priority <= reservation.priority) {
        reservation.held = Math.max(0, reservation.held - coresOf({ id: e.id, threads: s.threads, exclusive: e.claim.exclusive }, cores));
        if (e.claim.kind === reservation.kind) reservation = null;
      }
      e.begin(s.threads);
    }
    if (d.start.length) emit(true);
  };

  // One abort listener per signal while its units wait or run, not one per unit: a study submits
  // dozens of units on one signal, and Node warns of a leak past 10 listeners on one target. A
  // running task gets a signal of its own, which this listener aborts.
  const listening = new Map<AbortSignal, { units: Set<Entry>; off: () => void }>();
  const listen = (e: Entry, signal: AbortSignal) => {
    let w = listening.get(signal);
    if (!w) {
      const units = new Set<Entry>();
      const onAbort = () => {
        for (const x of [...units]) {
          if (x.state === 'running') x.stop?.();
          else if (x.state === 'waiting') {
            x.cancel();
            finish(x);
          }
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      w = { units, off: () => signal.removeEventListener('abort', onAbort) };
      listening.set(signal, w);
    }
    const { units, off } = w;
    units.add(e);
    e.unlisten = () => {
      if (!units.delete(e) || units.size) return;
      listening.delete(signal);
      off();
    };
  };

  const submit = (claim: UnitClaim, fixed: number | undefined, signal: AbortSignal | undefined, begin: (e: Entry, threads: number) => void, cancel: () => void, growable = false) => {
    const e: Entry = {
      id: nextId++,
      claim,
      priority: PRIORITY[claim.kind],
      fixed,
      signal,
      state: 'waiting',
      threads: 0,
      startThreads: 0,
      growable,
      threadMs: 0,
      since: 0,
      begin: (threads) => begin(e, threads),
      cancel,
      unlisten: () => {},
      rows: claim.rows ?? 0,
      epochs: claim.epochs ?? 1,
      seen: 0,
      last: 0,
      base: 0,
      epochSeen: false,
      done: 0,
      total: 0,
      startedAt: 0,
      endedAt: 0,
    };
    entries.set(e.id, e);
    if (signal) listen(e, signal);
    emit(true);
    later();
  };

  const worker = (): WorkerProcess => {
    const w = idle.pop();
    if (w) return w;
    const f = forkWorker(cmd, o.backend, {
      closing: () => closed,
      onFree: (p, exited) => {
        if (exited) {
          all.delete(p);
          const i = idle.indexOf(p);
          if (i >= 0) idle.splice(i, 1);
        } else idle.push(p);
      },
    });
    all.add(f);
    return f;
  };

  const execute = (task: Task, hooks: TaskHooks, e?: Entry) => {
    if (!inline) {
      const w = worker();
      if (e?.growable) e.setThreads = (n) => w.setThreads(n);
      return w.run(task, hooks);
    }
    runInline ??= createTaskRunner(engine!);
    return (ready ??= engine!.initBackend(o.backend)).then(() => runInline!(task, hooks));
  };

  const aborted = () => Object.assign(new Error('interrupted before the unit started; re-run the same command to resume'), { name: 'AbortError' });

  return {
    cores,
    status,
    reserve(kind) {
      const r = { kind, priority: PRIORITY[kind], held: 0 };
      reservation = r;
      return {
        release: () => {
          if (reservation !== r) return;
          reservation = null;
          later();
        },
      };
    },
    run<T extends Task>(task: T, hooks: RunHooks = {}): Promise<ResultOf<T>> {
      if (closed) return Promise.reject(new Error('the core pool is closed'));
      if (hooks.signal?.aborted) return Promise.reject(aborted());
      const { unit, onStart, onThreads, ...taskHooks } = hooks;
      // A unit whose result is committed (a resumed run) only reads it: it takes no core, so the
      // units still to train get them (checked at once, so a batch is still submitted in one turn).
      if (task.kind !== 'features' && existsSync(task.resultFile)) {
        runInline ??= createTaskRunner(engine ?? createEngine());
        return runInline(task, taskHooks) as Promise<ResultOf<T>>;
      }
      const claim: UnitClaim = unit ?? { kind: task.kind === 'features' ? 'features' : 'fold', label: task.id };
      // a feature shard (wasm) computes on one thread; a training unit's threads are the user's or the pool's
      const fixed = task.kind === 'features' ? 1 : task.threads;
      return new Promise((resolve, reject) => {
        submit(
          claim,
          fixed,
          hooks.signal,
          (e, threads) => {
            onStart?.(threads);
            e.onThreads = onThreads;
            const t = task.kind === 'features' ? task : { ...task, threads };
            const tr = track(e);
            const own = new AbortController();
            if (hooks.signal) e.stop = () => own.abort(hooks.signal!.reason);
            execute(t, {
              ...taskHooks,
              signal: hooks.signal && own.signal,
              onEpoch: (m) => {
                tr.onEpoch(m);
                taskHooks.onEpoch?.(m);
              },
              onProgress: (p) => {
                tr.onProgress(p);
                taskHooks.onProgress?.(p);
              },
            }, e).then(
              (r) => {
                finish(e);
                resolve(r as ResultOf<T>);
              },
              (err: unknown) => {
                finish(e);
                reject(err);
              },
            );
          },
          () => resolve(null as ResultOf<T>),
          // a training in a worker process whose threads the user did not fix: lent cores can come and go
          !inline && task.kind !== 'features' && fixed === undefined,
        );
      });
    },
    acquire(claim, signal) {
      if (closed || signal?.aborted) return Promise.resolve(null);
      return new Promise((resolve) => {
        submit(
          claim,
          claim.threads,
          signal,
          (e, threads) => resolve({ threads, hooks: track(e), release: () => finish(e) }),
          () => resolve(null),
        );
      });
    },
    async close() {
      closed = true;
      for (const e of entries.values()) if (e.state === 'waiting') e.cancel();
      await closeWorkers(all);
    },
  };
}
