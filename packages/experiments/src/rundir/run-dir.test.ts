import { spawn } from 'node:child_process';
import { link, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeJsonAtomic } from './atomic';
import { runIdFor } from './config-hash';
import { ExperimentError } from '../errors';
import { openRun } from './run-dir';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fmnist-rundir-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { runsDir: '', technique: 'kfold' as const, profile: 'quick', seed: 1, backend: null, data: { dir: '/d', inputKey: 'k' } };

describe('run ids', () => {
  it('are stable for the same config whatever the key order, and differ for a different config', () => {
    const a = runIdFor('quick', { k: 3, params: { lr: 0.001, filters: [8, 16] } });
    expect(a).toMatch(/^quick-[0-9a-f]{8}$/);
    expect(runIdFor('quick', { params: { filters: [8, 16], lr: 0.001 }, k: 3 })).toBe(a);
    expect(runIdFor('quick', { k: 5, params: { lr: 0.001, filters: [8, 16] } })).not.toBe(a);
    expect(runIdFor('quick', { k: 3, params: { lr: 0.001, filters: [16, 8] } })).not.toBe(a);
    expect(runIdFor('full', { k: 3, params: { lr: 0.001, filters: [8, 16] } })).toMatch(/^full-/);
  });
});

describe('atomic writes', () => {
  it('replace the whole file and leave no temp files behind', async () => {
    const p = join(dir, 'a', 'x.json');
    await writeJsonAtomic(p, { v: 1 });
    await writeJsonAtomic(p, { v: 2 });
    expect(JSON.parse(await readFile(p, 'utf8'))).toEqual({ v: 2 });
    expect(await readdir(join(dir, 'a'))).toEqual(['x.json']);
  });

  it('a reader polling during large rewrites never sees a partial file', async () => {
    const p = join(dir, 'big.json');
    const big = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(2_000_000) });
    await writeFileAtomic(p, big(0));
    let torn = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const s = await readFile(p, 'utf8');
        try {
          JSON.parse(s);
        } catch {
          torn++;
        }
      }
    })();
    for (let i = 1; i <= 10; i++) await writeFileAtomic(p, big(i));
    reading = false;
    await reader;
    expect(torn).toBe(0);
    expect(JSON.parse(await readFile(p, 'utf8')).i).toBe(10);
  });
});

describe('run directories', () => {
  it('write the contract layout, resume the same id, and are read-only once complete', async () => {
    const cfg = { k: 3 };
    const r = await openRun({ ...base, runsDir: dir, config: cfg });
    expect(r.dir).toBe(join(dir, 'kfold', runIdFor('quick', cfg)));
    await expect(openRun({ ...base, runsDir: dir, config: cfg })).rejects.toThrow(/run directory is in use/);
    await r.metric({ scope: 'fold', id: '0', epoch: 1, loss: 1, accuracy: 0.5, seconds: 1, imagesPerSecond: 10 });
    await r.log('hello');
    await r.fail(new Error('boom'), 'interrupted');
    let m = JSON.parse(await readFile(join(r.dir, 'manifest.json'), 'utf8'));
    expect(m).toMatchObject({ technique: 'kfold', status: 'interrupted', profile: 'quick', config: cfg, seed: 1 });

    const r2 = await openRun({ ...base, runsDir: dir, config: cfg });
    expect(r2.resumed).toBe(true);
    // Re-running epoch 1 replaces its line; epoch 2 is added.
    await r2.metric({ scope: 'fold', id: '0', epoch: 1, loss: 0.9, accuracy: 0.6, seconds: 1, imagesPerSecond: 10 });
    await r2.metric({ scope: 'fold', id: '0', epoch: 2, loss: 0.8, accuracy: 0.7, seconds: 1, imagesPerSecond: 10 });
    await r2.complete({ technique: 'kfold', ok: true });
    const lines = (await readFile(join(r2.dir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.epoch, l.loss])).toEqual([[1, 0.9], [2, 0.8]]);
    m = JSON.parse(await readFile(join(r2.dir, 'manifest.json'), 'utf8'));
    expect(m.status).toBe('complete');
    expect(m.attempts.map((a: { status: string }) => a.status)).toEqual(['interrupted', 'complete']);
    expect(JSON.parse(await readFile(join(dir, 'kfold', 'latest.json'), 'utf8'))).toEqual({ runId: r2.runId });
    expect(await readdir(r2.dir)).not.toContain('lock');
    expect(await readFile(join(r2.dir, 'log.txt'), 'utf8')).toMatch(/hello/);

    const r3 = await openRun({ ...base, runsDir: dir, config: cfg });
    expect(r3.completedResults).toEqual({ technique: 'kfold', ok: true });
  });

  it('write the metric lines of one turn in one rewrite, and a line that arrives during a write in the next', async () => {
    const r = await openRun({ ...base, runsDir: dir, config: { k: 4 } });
    const line = (id: string, epoch: number) => ({ scope: 'fold' as const, id, epoch, loss: 1 / epoch, accuracy: 0.5, seconds: 1, imagesPerSecond: 10 });
    // a technique's closing pass over 5 folds' histories: every call shares the one queued write
    const writes = Array.from({ length: 125 }, (_, i) => r.metric(line(String(1 + Math.floor(i / 25)), 1 + (i % 25))));
    expect(new Set(writes).size).toBe(1);
    await writes[0];
    const read = async () => (await readFile(join(r.dir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect((await read()).length).toBe(125);
    // one during a write in flight: its own write follows, and holds every line
    const inFlight = r.metric(line('6', 1));
    await new Promise((res) => setImmediate(res));
    const next = r.metric(line('6', 2));
    expect(next).not.toBe(inFlight);
    await next;
    expect((await read()).slice(-2).map((l) => [l.id, l.epoch])).toEqual([['6', 1], ['6', 2]]);
    await r.complete({ technique: 'kfold', ok: true });
  });
});

describe('corrupt files in a run directory', () => {
  const cfg = { k: 3 };
  const runDir = () => join(dir, 'kfold', runIdFor('quick', cfg));

  it('a corrupt manifest.json or results.json is an error naming the file and the fix', async () => {
    await mkdir(runDir(), { recursive: true });
    await writeFile(join(runDir(), 'manifest.json'), '{"status": "compl');
    await expect(openRun({ ...base, runsDir: dir, config: cfg })).rejects.toThrow(
      new RegExp(`^${join(runDir(), 'manifest.json')} is not valid JSON \\(Unterminated string in JSON at position 17\\)\\nfix: delete ${runDir()} to start that run over, or restore the file$`),
    );
    await writeFile(join(runDir(), 'manifest.json'), '[1, 2]');
    await expect(openRun({ ...base, runsDir: dir, config: cfg })).rejects.toThrow(/manifest.json is not a run manifest/);
    await writeFile(join(runDir(), 'manifest.json'), JSON.stringify({ status: 'complete', attempts: [] }));
    await writeFile(join(runDir(), 'results.json'), '{');
    const e = await openRun({ ...base, runsDir: dir, config: cfg }).catch((x) => x);
    expect(e).toBeInstanceOf(ExperimentError);
    expect(e.file).toBe(join(runDir(), 'results.json'));
    expect(await readdir(runDir())).not.toContain('lock');
  });

  it('garbage inside metrics.jsonl is an error naming the line, and the lock is released', async () => {
    const r = await openRun({ ...base, runsDir: dir, config: cfg });
    await r.metric({ scope: 'fold', id: '0', epoch: 1, loss: 1, accuracy: 0.5, seconds: 1, imagesPerSecond: 10 });
    await r.fail(new Error('killed'), 'interrupted');
    const metrics = join(r.dir, 'metrics.jsonl');
    const good = await readFile(metrics, 'utf8');
    await writeFile(metrics, `${good}{oops\n${good}`);
    for (let i = 0; i < 2; i++) {
      // the same error twice: the first attempt did not leave the run locked
      await expect(openRun({ ...base, runsDir: dir, config: cfg })).rejects.toThrow(`${metrics} is not valid JSON (line 2: `);
    }
    expect(await readdir(r.dir)).not.toContain('lock');
  });

  it('a truncated last line of metrics.jsonl (a crash mid-append) is dropped with a warning', async () => {
    const r = await openRun({ ...base, runsDir: dir, config: cfg });
    await r.metric({ scope: 'fold', id: '0', epoch: 1, loss: 1, accuracy: 0.5, seconds: 1, imagesPerSecond: 10 });
    await r.fail(new Error('killed'), 'interrupted');
    const metrics = join(r.dir, 'metrics.jsonl');
    await writeFile(metrics, `${await readFile(metrics, 'utf8')}{"scope":"fold","id":"0","epo`);
    const lines: string[] = [];
    const r2 = await openRun({ ...base, runsDir: dir, config: cfg, log: (l) => lines.push(l) });
    expect(lines).toEqual([`${metrics}: ignoring a truncated last line (29 characters; an interrupted write)`]);
    await r2.metric({ scope: 'fold', id: '0', epoch: 2, loss: 0.5, accuracy: 0.7, seconds: 1, imagesPerSecond: 10 });
    await r2.release();
    expect((await readFile(metrics, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).epoch)).toEqual([1, 2]);
  });
});

describe('the run log', () => {
  it('is never written through a symbolic link planted as log.txt', async () => {
    const cfg = { k: 4 };
    const r = await openRun({ ...base, runsDir: dir, config: cfg });
    const target = join(dir, 'bashrc');
    await writeFile(target, 'export PATH=/usr/bin\n');
    await symlink(target, join(r.dir, 'log.txt'));
    await expect(r.log('hello')).rejects.toThrow(`${join(r.dir, 'log.txt')} is a symbolic link; the run log is not written through it`);
    await r.fail(new Error('boom'));
    expect(await readFile(target, 'utf8')).toBe('export PATH=/usr/bin\n');
    expect(await readdir(r.dir)).not.toContain('lock');

    // nor into a file hard-linked there
    await rm(join(r.dir, 'log.txt'));
    await link(target, join(r.dir, 'log.txt'));
    const r2 = await openRun({ ...base, runsDir: dir, config: cfg });
    await expect(r2.log('hello')).rejects.toThrow(/is a hard link to another file/);
    await r2.release();
    expect(await readFile(target, 'utf8')).toBe('export PATH=/usr/bin\n');
  });
});

describe('attempts of killed processes', () => {
  it('are marked interrupted when the next process takes the run', async () => {
    const cfg = { k: 5 };
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((res) => child.on('exit', res));
    const r = await openRun({ ...base, runsDir: dir, config: cfg });
    await r.release(); // as if killed: manifest still says running, lock left by the dead pid
    const manifest = join(r.dir, 'manifest.json');
    const m0 = JSON.parse(await readFile(manifest, 'utf8'));
    m0.attempts[0].pid = child.pid;
    await writeFile(manifest, JSON.stringify(m0));
    await writeFile(join(r.dir, 'lock'), JSON.stringify({ pid: child.pid, hostname: hostname(), startedAt: m0.attempts[0].startedAt }));

    const r2 = await openRun({ ...base, runsDir: dir, config: cfg });
    const m = JSON.parse(await readFile(manifest, 'utf8'));
    expect(m.status).toBe('running');
    expect(m.attempts.map((a: { pid: number; status: string; endedAt: string | null }) => [a.pid, a.status, a.endedAt])).toEqual([
      [child.pid, 'interrupted', null],
      [process.pid, 'running', null],
    ]);
    expect(await readFile(join(r2.dir, 'log.txt'), 'utf8')).toContain(`the attempt of pid ${child.pid} started ${m0.attempts[0].startedAt} ended without finishing (its lock was stale: pid ${child.pid} on ${hostname()}); marked interrupted`);
    await r2.complete({ ok: true });
    const done = JSON.parse(await readFile(manifest, 'utf8'));
    expect(done.attempts.map((a: { status: string }) => a.status)).toEqual(['interrupted', 'complete']);
  });
});
