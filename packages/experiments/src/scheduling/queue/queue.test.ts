// The queue's checks: URLs printed without their password, every field of a job and of a result
// read from Redis checked before use, and (with a real redis-server) a worker that refuses a unit
// for other data, whose error reaches the coordinator with its file and hint.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFmnistError } from '@fmnist/core';
import { REDIS_SERVER, startRedis, type TestRedis } from '../../testing/redis-server';
import type { TrainTask } from '../../techniques/train-task';
import { checkQueue, maskUrl, parseQueueUrl } from './connection';
import { checkOutcome, checkPayload, toPayload, unitJobId, type UnitPayload } from './payload';
import { createQueueExecutor } from './queue-executor';
import { runQueueWorker } from './queue-worker';

const KEY = 'a'.repeat(64);
const dir = mkdtempSync(join(tmpdir(), 'fmnist-queue-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const task = (over: Partial<TrainTask> = {}): TrainTask => ({
  id: 'fold-1',
  source: { dir: '/data', kind: 'prepared', inputKey: KEY },
  data: { trainSubset: 600, testSubset: 200, seed: 7 },
  split: { kind: 'kfold', k: 3, fold: 0, seed: 8 },
  params: { activation: 'relu', filters: [8, 16], denseUnits: 32, dropout: 0, batchNorm: false, optimizer: 'adam', learningRate: 0.002, momentum: 0, batchSize: 64, epochs: 1 },
  seed: 9,
  checkpointDir: join(dir, 'runs', 'kfold', 'r', 'fold-1', 'checkpoint'),
  resultFile: join(dir, 'runs', 'kfold', 'r', 'fold-1', 'result.json'),
  modelDir: join(dir, 'runs', 'kfold', 'r', 'fold-1', 'model'),
  evalTrain: true,
  evalTest: true,
  ...over,
});
const payload = (t = task()) => toPayload(t, { runsDir: join(dir, 'runs'), backend: 'wasm', data: { kind: 'prepared', inputKey: KEY } });
const edit = (f: (p: any) => void): unknown => {
  const p = structuredClone(payload()) as any;
  f(p);
  return p;
};

describe('queue URLs', () => {
  it('are printed with the password masked and nothing else changed', () => {
    expect(maskUrl('redis://fmnist:s3cret@host:6379/2')).toBe('redis://fmnist:***@host:6379/2');
    expect(maskUrl('rediss://:s3cret@host:6380')).toBe('rediss://:***@host:6380');
    expect(maskUrl('redis://host:6379')).toBe('redis://host:6379');
    expect(maskUrl('not a url://u:s3cret@x')).not.toContain('s3cret');
  });

  it('must be redis:// or rediss:// with at most a database number', () => {
    expect(() => parseQueueUrl('http://:s3cret@host')).toThrow(/http is not a Redis URL/);
    expect(() => parseQueueUrl('http://:s3cret@host')).not.toThrow(/s3cret/);
    expect(() => parseQueueUrl('redis://host/queue')).toThrow(/database number/);
    expect(parseQueueUrl('rediss://host:6380/1').tls).toBe(true);
  });
});

describe('a job read from the queue', () => {
  it('carries no path of the coordinator, only where the result goes relative to the runs folder', () => {
    const p = payload();
    expect(JSON.stringify(p)).not.toContain(dir);
    expect(p.where).toBe('kfold/r/fold-1/result.json');
    expect(checkPayload(JSON.parse(JSON.stringify(p)), 'j')).toEqual(p);
  });

  it('names a result outside the runs folder by a hash of its path, never by the path', () => {
    const p = payload(task({ resultFile: '/home/someone/my cache/result.json' }));
    expect(p.where).toMatch(/^outside\/[0-9a-f]{16}\/result\.json$/);
    expect(checkPayload(p, 'j').where).toBe(p.where);
  });

  it('has the same job id for the same unit and owner, another for any change', () => {
    expect(unitJobId(payload(), 'h:/r')).toBe(unitJobId(payload(), 'h:/r'));
    expect(unitJobId(payload(), 'h:/r')).not.toBe(unitJobId(payload(), 'h:/other'));
    expect(unitJobId(payload(), 'h:/r')).not.toBe(unitJobId(payload(task({ seed: 10 })), 'h:/r'));
  });

  it.each<[string, (p: any) => void, RegExp]>([
    ['an unknown field', (p) => (p.unit.command = 'rm -rf /'), /unit\.command is not a known field/],
    ['a path out of the runs folder', (p) => (p.where = '../../etc/passwd'), /where is not a string/],
    ['an absolute path', (p) => (p.where = '/etc/passwd'), /where is not a string/],
    ['a learning rate out of range', (p) => (p.unit.params.learningRate = -1), /params\.learningRate/],
    ['an unknown activation', (p) => (p.unit.params.activation = 'eval'), /activation/],
    ['a fold out of its k', (p) => (p.unit.split.fold = 3), /unit\.split\.fold/],
    ['another payload version', (p) => (p.v = 2), /payload\.v is 2/],
    ['a missing field', (p) => delete p.unit.seed, /unit\.seed is missing/],
    ['a backend that does not exist', (p) => (p.backend = 'webgl'), /backend is not one of/],
  ])('with %s is refused, naming the field', (_what, change, message) => {
    const run = () => checkPayload(edit(change), 'job-1');
    expect(run).toThrow(message);
    try {
      run();
    } catch (e) {
      expect(isFmnistError(e)).toBe(true);
      expect((e as Error).message).toMatch(/queue job job-1/);
    }
  });
});

describe('a result read from the queue', () => {
  const blob = { sha256: 'b'.repeat(64), bytes: 10 };
  const good = () => ({
    v: 1,
    worker: 'host:1',
    result: { id: 'fold-1', history: [{ epoch: 1, loss: 1 }], resumedFromEpoch: 0, validation: { accuracy: 0.5, loss: 1 }, train: { accuracy: 0.5, loss: 1 }, test: { accuracy: 0.5, loss: 1 }, imagesPerSecond: 1, seconds: 1 },
    files: { model: { 'model.json': blob, 'weights.bin': blob } },
  });
  const unit = (payload() as UnitPayload).unit;

  it('is accepted when every field is as the unit asked', () => {
    expect(checkOutcome(good(), 'j', unit)).toEqual(good());
  });

  it.each<[string, (r: any) => void, RegExp]>([
    ['a model file name that climbs out of the model folder', (r) => (r.files.model['../../x'] = blob), /is not a plain file name/],
    ['a hash that is not SHA-256', (r) => (r.files.model['model.json'].sha256 = 'zz'), /sha256 is not a string/],
    ['another unit\'s id', (r) => (r.result.id = 'fold-2'), /not the unit's id fold-1/],
    ['a non-numeric metric', (r) => (r.result.history[0].loss = { toString: 1 }), /is not a number/],
    ['no model although the unit saves one', (r) => delete r.files.model, /files\.model is not an object/],
  ])('with %s is refused', (_what, change, message) => {
    const r = good();
    change(r);
    expect(() => checkOutcome(r, 'j', unit)).toThrow(message);
  });
});

describe.skipIf(!REDIS_SERVER).each([
  ['redis://', false] as const,
  ['rediss:// (TLS)', true] as const,
])('with a real redis-server, %s', (_scheme, tls) => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis({ tls });
    if (tls) process.env.FMNIST_QUEUE_CA = redis.ca;
  });
  afterAll(async () => {
    delete process.env.FMNIST_QUEUE_CA;
    await redis?.stop();
  });

  it.runIf(tls)('refuses a server whose certificate it cannot check', async () => {
    delete process.env.FMNIST_QUEUE_CA;
    const e = await checkQueue(redis.url).catch((x) => x);
    process.env.FMNIST_QUEUE_CA = redis.ca;
    expect(e.message).toMatch(/^the Redis queue at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+\/? failed: self-signed certificate/);
    await checkQueue(redis.url);
  });

  it('a wrong password is an error naming the URL with the password masked', async () => {
    const url = redis.url.replace(redis.password, 'wrong-pw');
    const e = await checkQueue(url).catch((x) => x);
    expect(isFmnistError(e)).toBe(true);
    expect(e.message.split('\n')[0]).toBe(`cannot log in to the Redis queue at ${tls ? 'rediss' : 'redis'}://:***@127.0.0.1:${redis.port}: wrong user or password`);
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain('wrong-pw');
  });

  it('a worker refuses a unit for other data; after its tries the run fails with the worker\'s error', async () => {
    const ac = new AbortController();
    const queue = parseQueueUrl(redis.url);
    const worker = runQueueWorker({ queue, data: { dir: join(dir, 'other-data'), kind: 'prepared', inputKey: 'c'.repeat(64) }, concurrency: 1, workDir: join(dir, 'work'), signal: ac.signal, lockSeconds: 5 });
    const exec = createQueueExecutor({ queue, runsDir: join(dir, 'runs'), backend: 'wasm', data: { dir: '/data', kind: 'prepared', inputKey: KEY }, attempts: 2 });
    try {
      const e = await exec.run(task()).catch((x) => x);
      expect(isFmnistError(e)).toBe(true);
      expect(e.message).toMatch(/^queue job u-[0-9a-f]+ failed 2 times: unit fold-1 was enqueued for dataset prepared a{64}; worker \S+ has prepared c{64} in /);
      expect(e.file).toBe(join(dir, 'other-data'));
    } finally {
      await exec.close();
      ac.abort();
      await worker;
    }
  }, 30_000);

  it('a result whose shipped file does not match its SHA-256 is not written, and its job is dropped for a re-run', async () => {
    const { Worker, Queue, Job } = await import('bullmq');
    const { default: Redis } = await import('ioredis');
    const opts = { maxRetriesPerRequest: null, ...(tls ? { tls: { ca: readFileSync(redis.ca!) } } : {}) };
    const conn = new Redis(redis.url, opts);
    const workerConn = new Redis(redis.url, opts);
    const queue = parseQueueUrl(redis.url);
    const t = task({ resultFile: join(dir, 'runs', 'tampered', 'result.json'), modelDir: join(dir, 'runs', 'tampered', 'model'), id: `fold-${tls ? 2 : 1}` });
    // a "worker" that ships a model file whose bytes are not those its hash names
    const real = Buffer.from('weights');
    const claimed = createHash('sha256').update('other weights').digest('hex');
    await conn.set(`fmnist:blob:${claimed}`, real);
    const hostile = new Worker(
      'units',
      async (job) => ({ v: 1, worker: 'evil:1', files: { model: { 'weights.bin': { sha256: claimed, bytes: real.length } } }, result: { id: job.data.unit.id, history: [], resumedFromEpoch: 0, validation: { accuracy: 1, loss: 0 }, train: { accuracy: 1, loss: 0 }, test: { accuracy: 1, loss: 0 }, imagesPerSecond: 1, seconds: 1 } }),
      { connection: workerConn, prefix: 'fmnist' },
    );
    const exec = createQueueExecutor({ queue, runsDir: join(dir, 'runs'), backend: 'wasm', data: { dir: '/data', kind: 'prepared', inputKey: KEY } });
    try {
      const e = await exec.run(t).catch((x) => x);
      expect(e.message).toMatch(/^queue: model file weights\.bin of fold-\d does not match its SHA-256/);
      expect(existsSync(t.resultFile)).toBe(false);
      expect(existsSync(t.modelDir!)).toBe(false);
      const q = new Queue('units', { connection: conn, prefix: 'fmnist' });
      expect(await Job.fromId(q, unitJobId(payload(t), `${hostname()}:${join(dir, 'runs')}`))).toBeUndefined();
      await q.close();
    } finally {
      await exec.close();
      await hostile.close();
      conn.disconnect();
      workerConn.disconnect();
    }
  }, 30_000);
});
