import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFmnistError } from '@fmnist/core';
import { BackendUnavailableError, initBackend } from './init-backend';
import { resolveWasmDir } from './wasm-paths';

describe('initBackend', () => {
  it('auto picks wasm with the training kernels when tfjs-node is absent, and says why', async () => {
    const info = await initBackend('auto', { env: {} });
    expect(tf.getBackend()).toBe(info.name);
    // tfjs-node is not installed on this machine; if it ever is, auto must prefer it.
    let hasTfjsNode = true;
    try {
      const spec = '@tensorflow/tfjs-node';
      await import(spec);
    } catch {
      hasTfjsNode = false;
    }
    if (hasTfjsNode) {
      expect(info.name).toBe('tensorflow');
    } else {
      expect(info.name).toBe('wasm');
      expect(info.reason).toMatch(/tfjs-node not installed/);
      expect(info.reason).toMatch(/Conv2DBackpropFilter/);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    }
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.version).toBe(tf.version_core);
  });

  it('is idempotent and honours FMNIST_BACKEND', async () => {
    const a = await initBackend('wasm');
    const b = await initBackend('wasm');
    expect(b).toEqual(a);
    const c = await initBackend(undefined, { env: { FMNIST_BACKEND: 'cpu' } });
    expect(c.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const d = await initBackend('wasm');
    expect(d.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('throws a fixable error for an unknown or unavailable forced backend', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow(/Unknown backend "gpu".*auto, tensorflow, wasm, cpu/);
    await expect(initBackend(undefined, { env: { FMNIST_BACKEND: 'tpu' } })).rejects.toThrow(/FMNIST_BACKEND/);
    // a FmnistError, so the CLI prints it as a fixable error; the hint stays on the message's line
    const unknown = await initBackend('gpu' as never).catch((e: unknown) => e);
    expect(isFmnistError(unknown)).toBe(true);
    expect((unknown as Error).message).toBe('Unknown backend "gpu". Use one of auto, tensorflow, wasm, cpu.');
    expect((unknown as { hint?: string }).hint).toBe('Use one of auto, tensorflow, wasm, cpu.');
    let hasTfjsNode = true;
    try {
      const spec = '@tensorflow/tfjs-node';
      await import(spec);
    } catch {
      hasTfjsNode = false;
    }
    if (!hasTfjsNode) {
      const err = await initBackend('tensorflow').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendUnavailableError);
      expect(String((err as Error).message)).toMatch(/npm install @tensorflow\/tfjs-node/);
    }
  });

  it('resolves the wasm directory from an override and rejects a wrong one', () => {
    const found = resolveWasmDir({ env: {} });
    expect(found.source).not.toBe('FMNIST_WASM_DIR');
    expect(resolveWasmDir({ env: { FMNIST_WASM_DIR: found.dir } })).toEqual({ dir: found.dir, source: 'FMNIST_WASM_DIR' });
    const empty = mkdtempSync(join(tmpdir(), 'fmnist-wasm-'));
    expect(() => resolveWasmDir({ env: { FMNIST_WASM_DIR: empty } })).toThrow(/tfjs-backend-wasm-simd\.wasm not found.*FMNIST_WASM_DIR/);
  });
});
