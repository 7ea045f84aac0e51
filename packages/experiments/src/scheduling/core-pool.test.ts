import { getEventListeners } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateDataset } from '@fmnist/data';
import { createEngine } from '../engine';
import { createCorePool, studyEtaSeconds, type Lease, type PoolStatus } from './core-pool';
import { createTaskRunner } from './executor';
import type { TrainTask } from '../techniques/train-task';

// Leases are the pool's units for work the coordinating process does itself (a transfer head,
// onnxruntime feature extraction): the same queue and policy as the worker processes' tasks.
const tick = () => new Promise((r) => setImmediate(r));

describe('core pool leases', () => {
  it('shares the cores, gives the tail the free ones, runs an exclusive unit alone, and drops a unit whose signal aborts while it waits', async () => {
    const statuses: PoolStatus[] = [];
    const pool = createCorePool({ cores: 2, backend: 'cpu', onStatus: (s) => statuses.push(s), statusIntervalMs: 0 });
    const got: Record<string, Lease | null> = {};
    const take = (name: string, claim: Parameters<typeof pool.acquire>[0], signal?: AbortSignal) => pool.acquire(claim, signal).then((l) => (got[name] = l));
    // submitted in one turn: two folds share the two cores
    void take('a', { kind: 'fold', label: 'a', rows: 100, epochs: 2 });
    void take('b', { kind: 'fold', label: 'b' });
    await tick();
    expect([got.a?.threads, got.b?.threads]).toEqual([1, 1]);
    // the exclusive extraction waits for every core; a trial arriving after it, of a higher
    // priority, does not overtake it
    void take('x', { kind: 'features', label: 'x', exclusive: true });
    await tick();
    const ac = new AbortController();
    void take('trial', { kind: 'trial', label: 'trial' }, ac.signal);
    await tick();
    expect([got.x, got.trial]).toEqual([undefined, undefined]);
    got.a!.hooks.onProgress({ done: 50, total: 100, unit: 'images' });
    expect(statuses.at(-1)!.running).toEqual([{ label: 'a', threads: 1, done: 50, total: 100 }, { label: 'b', threads: 1, done: 0, total: 0 }]);
    expect(statuses.at(-1)!.work).toEqual({ done: 50, planned: 200 });
    got.a!.release();
    await tick();
    expect(got.x).toBeUndefined();
    got.b!.release();
    got.b!.release(); // idempotent
    await tick();
    expect(got.x?.threads).toBe(2);
    await tick();
    expect(got.trial).toBeUndefined();
    ac.abort();
    await tick();
    expect(got.trial).toBeNull();
    got.x!.release();
    // the last unit alone gets both cores
    expect((await pool.acquire({ kind: 'final', label: 'final' }))?.threads).toBe(2);
    await pool.close();
    expect(await pool.acquire({ kind: 'fold', label: 'late' })).toBeNull();
  });

  it("a reservation keeps the last trial's core for the final model, not for a fold waiting, until the final starts or the reservation is released", async () => {
    const pool = createCorePool({ cores: 2, backend: 'cpu' });
    const got: Record<string, Lease | null> = {};
    const take = (name: string, claim: Parameters<typeof pool.acquire>[0]) => pool.acquire(claim).then((l) => (got[name] = l));
    const seat = pool.reserve('final');
    void take('t1', { kind: 'trial', label: 't1' });
    void take('f1', { kind: 'fold', label: 'f1' });
    void take('f2', { kind: 'fold', label: 'f2' });
    await tick();
    expect([got.t1?.threads, got.f1?.threads, got.f2]).toEqual([1, 1, undefined]);
    // a rung ends: its core is kept, and the next rung's trial gets it
    got.t1!.release();
    await tick();
    expect(got.f2).toBeUndefined();
    void take('t2', { kind: 'trial', label: 't2' });
    await tick();
    expect(got.t2?.threads).toBe(1);
    // the tuning ends; the final model arrives a while later and still finds the core
    got.t2!.release();
    await tick();
    await new Promise((r) => setTimeout(r, 20));
    expect(got.f2).toBeUndefined();
    void take('final', { kind: 'final', label: 'holdout' });
    await tick();
    expect(got.final?.threads).toBe(1);
    expect(got.f2).toBeUndefined();
    // the final model started: the reservation is over, a freed core goes to the fold
    got.f1!.release();
    await tick();
    expect(got.f2?.threads).toBe(1);
    seat.release();
    got.final!.release();
    got.f2!.release();

    // released without a final model (the holdout failed or its result was committed): the fold gets the core
    const seat2 = pool.reserve('final');
    void take('t3', { kind: 'trial', label: 't3' });
    void take('f3', { kind: 'fold', label: 'f3' });
    void take('f4', { kind: 'fold', label: 'f4' });
    await tick();
    got.t3!.release();
    await tick();
    expect(got.f4).toBeUndefined();
    seat2.release();
    await tick();
    expect(got.f4?.threads).toBe(1);
    got.f3!.release();
    got.f4!.release();
    await pool.close();
  });

  it('listens once per signal while its units wait or run, and not at all once they end: a study submits dozens of units on one signal', async () => {
    const pool = createCorePool({ cores: 16, backend: 'cpu' });
    const ac = new AbortController();
    const leases = Array.from({ length: 30 }, (_, i) => pool.acquire({ kind: 'fold', label: `f${i}` }, ac.signal));
    await tick();
    // 16 running, 14 waiting: one listener for all of them (Node warns of a leak past 10)
    expect(pool.status()).toMatchObject({ waiting: 14 });
    expect(getEventListeners(ac.signal, 'abort').length).toBe(1);
    for (const l of leases) (await l)!.release();
    expect(getEventListeners(ac.signal, 'abort')).toEqual([]);
    await pool.close();
  });

  it('an abort drops every unit still waiting on that signal, and only those', async () => {
    const pool = createCorePool({ cores: 2, backend: 'cpu' });
    const ac = new AbortController();
    const other = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const got = new Map<string, Lease | null>();
      const take = (label: string, signal: AbortSignal) => pool.acquire({ kind: 'fold', label }, signal).then((l) => got.set(label, l));
      const first = ['r1', 'r2'].map((l) => take(l, ac.signal));
      const waiting = Array.from({ length: 20 }, (_, i) => take(`w${i}`, ac.signal));
      const kept = take('other', other.signal);
      await Promise.all(first);
      expect(getEventListeners(other.signal, 'abort').length).toBe(1);
      ac.abort();
      await Promise.all(waiting);
      expect(Array.from({ length: 20 }, (_, i) => got.get(`w${i}`))).toEqual(Array(20).fill(null));
      expect(getEventListeners(ac.signal, 'abort')).toEqual([]);
      // the running leases are theirs to release; the unit on another signal still gets a core
      expect(got.has('other')).toBe(false);
      got.get('r1')!.release();
      await kept;
      expect(got.get('other')?.threads).toBe(1);
      // listened to while its unit runs (a running task is stopped through it), not after
      expect(getEventListeners(other.signal, 'abort').length).toBe(1);
      got.get('r2')!.release();
      got.get('other')!.release();
      expect(getEventListeners(other.signal, 'abort')).toEqual([]);
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      await pool.close();
    }
  });
});

describe('core pool tasks', () => {
  it('a unit whose result is committed takes no core: its result is read, the other units get the cores', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fmnist-core-pool-'));
    try {
      const result = { id: 'fold-1', history: [], resumedFromEpoch: 0, validation: { accuracy: 0.5, loss: 1 }, imagesPerSecond: 0, seconds: 0 };
      await writeFile(join(dir, 'result.json'), JSON.stringify(result));
      const statuses: PoolStatus[] = [];
      const pool = createCorePool({ cores: 2, backend: 'cpu', onStatus: (s) => statuses.push(s), statusIntervalMs: 0 });
      const task = { id: 'fold-1', resultFile: join(dir, 'result.json') } as TrainTask;
      let lease: Lease | null = null;
      const [r] = await Promise.all([pool.run(task, { unit: { kind: 'fold', label: 'fold 1/2' } }), pool.acquire({ kind: 'fold', label: 'fold 2/2' }).then((l) => (lease = l))]);
      expect(r).toEqual(result);
      // the unit still to train got both cores: the finished one was never waiting for one
      expect(lease!.threads).toBe(2);
      expect(statuses.every((s) => s.running.every((u) => u.label !== 'fold 1/2'))).toBe(true);
      lease!.release();
      await pool.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the study ETA', () => {
  it("counts each unit's work left at its own kind's pace per thread, over every core", () => {
    // folds train 300 img/s per thread, the VGG extraction did 170, the head 5,000
    const perThread = new Map([['fold', 300], ['features', 170], ['head', 5000]] as const);
    const left = [
      { kind: 'fold' as const, work: 48_000 * 3 }, // 3 epochs of a fold: 480 thread-seconds
      { kind: 'features' as const, work: 70_000 }, // 411.8 thread-seconds
      { kind: 'head' as const, work: 60_000 * 30 }, // 360 thread-seconds
      { kind: 'fold' as const, work: 0 }, // finished
    ];
    expect(studyEtaSeconds(left, perThread, 400, 2)).toBeCloseTo((480 + 70_000 / 170 + 360) / 2, 6);
    // at one pace for all (what it did before), the extraction would look 2.4x shorter and the head 12x longer
    expect(studyEtaSeconds(left, new Map(), 400, 2)).toBeCloseTo((144_000 + 70_000 + 1_800_000) / 400 / 2, 6);
  });

  it('counts kinds not seen yet at the pace of all the work seen, and has no estimate before any', () => {
    const left = [{ kind: 'trial' as const, work: 1000 }, { kind: 'final' as const, work: 3000 }];
    expect(studyEtaSeconds(left, new Map([['trial', 500]]), 500, 2)).toBeCloseTo((1000 / 500 + 3000 / 500) / 2, 9);
    expect(studyEtaSeconds(left, new Map(), 0, 2)).toBeUndefined();
    expect(studyEtaSeconds([], new Map(), 500, 2)).toBe(0);
  });
});

describe('core pool lending', () => {
  it('lends a free core to a running training while nothing waits, takes it back for a unit that arrives, and the training ends where it would on one thread', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fmnist-lend-'));
    const loc = await locateDataset({});
    if (loc.kind !== 'idx') throw new Error(`the test needs the IDX files, found ${loc.kind} in ${loc.dir}`);
    const task = (name: string): TrainTask => ({
      kind: 'train',
      id: name,
      source: { dir: loc.dir, kind: 'idx', inputKey: 'k', files: loc.files },
      data: { seed: 1, trainSubset: 3000, testSubset: 100 },
      split: { kind: 'holdout', validationFraction: 0.2, seed: 1 },
      params: { activation: 'relu', filters: [8, 16], denseUnits: 32, dropout: 0, batchNorm: true, optimizer: 'adam', learningRate: 0.003, momentum: 0, batchSize: 40, epochs: 3 },
      seed: 5,
      checkpointDir: join(root, name, 'ckpt'),
      resultFile: join(root, name, 'result.json'),
    });
    const pool = createCorePool({ cores: 2, backend: 'wasm' });
    const threads: number[] = [];
    const events: string[] = [];
    let progressed = () => {};
    const waitProgress = () => new Promise<void>((r) => (progressed = r));
    try {
      // a fold holds one core; the training starts on the other
      const fold = (await pool.acquire({ kind: 'fold', label: 'fold', threads: 1 }))!;
      let started = waitProgress();
      const lent = pool.run(task('lent'), {
        unit: { kind: 'final', label: 'final' },
        onStart: (n) => threads.push(n),
        onThreads: (n) => threads.push(n),
        onProgress: () => progressed(),
      });
      await started;
      expect(threads).toEqual([1]);
      // the fold ends, nothing waits: its core is lent to the training
      fold.release();
      await tick();
      expect(threads).toEqual([1, 2]);
      expect(pool.status().running).toMatchObject([{ label: 'final', threads: 2 }]);
      started = waitProgress();
      await started;
      // a unit arrives: the lent core goes back, and the unit gets it
      const head = (await pool.acquire({ kind: 'head', label: 'head' }))!;
      events.push(`head on ${head.threads}`);
      expect(threads).toEqual([1, 2, 1]);
      started = waitProgress();
      await started;
      head.release();
      await tick();
      expect(threads).toEqual([1, 2, 1, 2]);
      // a unit that would not start on the core given back (an exclusive one needs every core
      // idle) leaves the lent thread where it is; it starts when the training ends
      const alone = pool.acquire({ kind: 'features', label: 'x', exclusive: true }).then((l) => {
        events.push(`x on ${l!.threads}`);
        l!.release();
      });
      await tick();
      expect(threads).toEqual([1, 2, 1, 2]);
      const r = (await lent)!;
      await alone;
      expect(events).toEqual(['head on 1', 'x on 2']);
      // the same unit alone on one thread, in this process: the same curve and scores
      const engine = createEngine();
      await engine.initBackend('wasm');
      const solo = (await createTaskRunner(engine)({ ...task('alone'), threads: 1 }))!;
      expect('history' in solo).toBe(true);
      const strip = (h: { epoch: number; loss: number; accuracy: number; valLoss?: number; valAccuracy?: number }[]) => h.map(({ epoch, loss, accuracy, valLoss, valAccuracy }) => ({ epoch, loss, accuracy, valLoss, valAccuracy }));
      if (!('history' in r) || !('history' in solo)) throw new Error('not a training result');
      expect(strip(r.history)).toEqual(strip(solo.history));
      // the worker trained on the threads lent: its last epoch ended on 2, the unit alone on 1
      expect(r.history.at(-1)!.threads).toBe(2);
      expect(solo.history.at(-1)!.threads).toBe(1);
      expect(r.validation).toEqual(solo.validation);

      // a training alone starts on both cores but keeps one: a unit that arrives gets the other
      const second: number[] = [];
      let running = waitProgress();
      const again = pool.run(task('again'), { unit: { kind: 'fold', label: 'again' }, onStart: (n) => second.push(n), onThreads: (n) => second.push(n), onProgress: () => progressed() });
      await running;
      expect(second).toEqual([2]);
      const trial = (await pool.acquire({ kind: 'trial', label: 'trial' }))!;
      expect([second, trial.threads]).toEqual([[2, 1], 1]);
      running = waitProgress();
      await running;
      trial.release();
      await tick();
      expect(second).toEqual([2, 1, 2]);
      await again;
    } finally {
      await pool.close();
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});
