import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { FmnistError, fromErrorData, isFmnistError, toErrorData } from './index';

describe('FmnistError', () => {
  it('carries file, hint (appended to the message) and an exit code', () => {
    const e = new FmnistError('bad file /x', { file: '/x', hint: 'Delete it.' });
    expect(e.message).toBe('bad file /x\nDelete it.');
    expect([e.name, e.file, e.hint, e.exitCode]).toEqual(['FmnistError', '/x', 'Delete it.', 1]);
    expect(new FmnistError('bad option', { exitCode: 2 }).exitCode).toBe(2);
  });

  it('isFmnistError recognises subclasses and other copies of the class, not look-alikes', async () => {
    class SubError extends FmnistError {}
    expect(isFmnistError(new SubError('x'))).toBe(true);
    // A second instance of this module, as in the CLI bundle beside a package loaded from source.
    const other = (await import('./errors.js?second-copy' as string)) as typeof import('./errors');
    const copy = new other.FmnistError('from the other copy', { file: '/f' });
    expect(copy).not.toBeInstanceOf(FmnistError);
    expect(isFmnistError(copy)).toBe(true);
    expect(isFmnistError(Object.assign(new Error('x'), { name: 'FmnistError', file: '/f', hint: 'h' }))).toBe(false);
    for (const v of [null, undefined, 'FmnistError', 42, {}]) expect(isFmnistError(v)).toBe(false);
  });
});

describe('error data across a worker thread', () => {
  it('rebuilds a FmnistError thrown in a real worker thread with its file, hint, exit code, class name and properties', async () => {
    const worker = new Worker(
      `import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(new URL('../test/fixtures/throwing-worker.ts', import.meta.url).href)}))`,
      { eval: true },
    );
    const msg = await new Promise<{ raw: Error; data: ReturnType<typeof toErrorData> }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();

    // What structured clone alone delivers: the message, none of the rest.
    expect(msg.raw.message).toBe('No VGG16 weights in /cache/weights\nSet FMNIST_VGG16_WEIGHTS.');
    expect(isFmnistError(msg.raw)).toBe(false);
    expect((msg.raw as { file?: string }).file).toBeUndefined();

    const e = fromErrorData(msg.data) as FmnistError & { searched?: string[] };
    expect(e).toBeInstanceOf(FmnistError);
    expect(isFmnistError(e)).toBe(true);
    expect(e.name).toBe('WeightsMissingError');
    expect(e.message).toBe('No VGG16 weights in /cache/weights\nSet FMNIST_VGG16_WEIGHTS.');
    expect(e.file).toBe('/cache/weights');
    expect(e.hint).toBe('Set FMNIST_VGG16_WEIGHTS.');
    expect(e.exitCode).toBe(2);
    expect(e.searched).toEqual(['/a', '/b']);
    expect(e.stack).toMatch(/throwing-worker\.ts/);
  });

  it('keeps other errors plain, with their name, system error fields and cause', () => {
    const sys = Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: 'EACCES', errno: -13, syscall: 'open', path: '/x' });
    const outer = new TypeError('wrapped', { cause: sys });
    const d = structuredClone(toErrorData(outer));
    const e = fromErrorData(d) as Error & { cause?: NodeJS.ErrnoException };
    expect(isFmnistError(e)).toBe(false);
    expect([e.name, e.message]).toEqual(['TypeError', 'wrapped']);
    expect(e.cause?.code).toBe('EACCES');
    expect(e.cause?.path).toBe('/x');
    expect(fromErrorData(toErrorData('a string was thrown')).message).toBe('a string was thrown');
  });
});
