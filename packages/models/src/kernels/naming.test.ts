// Kernels and gradients are named and placed as tfjs names them: kernels/<kernel-name>.ts exports
// `<kernelName>Config: KernelConfig` (forward and backward kernels alike: FmnistReluGrad is a
// kernel), gradients/<kernel-name>-grad.ts exports `<kernelName>GradConfig: GradConfig`, and the
// two register-all files register every one of them.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FMNIST_GRADIENTS } from '../gradients/register-all-gradients';
import { FMNIST_WASM_KERNELS } from './register-all-kernels';

const lowerFirst = (s: string) => s[0].toLowerCase() + s.slice(1);
/** Conv2DBackpropFilter -> conv2d-backprop-filter, FmnistChannelAffine2 -> fmnist-channel-affine2. */
const kebab = (s: string) => s.replace(/(?<=[A-Za-z0-9])([A-Z])(?=[a-z])/g, '-$1').toLowerCase();

async function configsIn(dir: string): Promise<{ file: string; exportName: string; config: Record<string, unknown> }[]> {
  const files = readdirSync(new URL(`../${dir}/`, import.meta.url)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const out = [];
  for (const file of files) {
    const mod = (await import(/* @vite-ignore */ `../${dir}/${file}`)) as Record<string, unknown>;
    for (const [exportName, v] of Object.entries(mod)) {
      if (v && typeof v === 'object' && 'kernelName' in v) out.push({ file, exportName, config: v as Record<string, unknown> });
    }
  }
  return out;
}

describe('kernel and gradient names', () => {
  it('kernels/ holds one KernelConfig per file, named after its kernel, each registered', async () => {
    const found = await configsIn('kernels');
    expect(found.length).toBe(FMNIST_WASM_KERNELS.length);
    for (const { file, exportName, config } of found) {
      const name = String(config.kernelName);
      expect(typeof config.kernelFunc, `${file}: ${exportName} is not a KernelConfig`).toBe('function');
      expect(exportName).toBe(`${lowerFirst(name)}Config`);
      expect(file).toBe(`${kebab(name)}.ts`);
      expect(FMNIST_WASM_KERNELS).toContain(config);
    }
    expect(new Set(found.map((f) => f.file)).size).toBe(found.length);
  });

  it('gradients/ holds one GradConfig per file, named after the op it differentiates, each registered', async () => {
    const found = await configsIn('gradients');
    expect(found.length).toBe(FMNIST_GRADIENTS.length);
    for (const { file, exportName, config } of found) {
      const name = String(config.kernelName);
      expect(typeof config.gradFunc, `${file}: ${exportName} is not a GradConfig`).toBe('function');
      expect(exportName).toBe(`${lowerFirst(name)}GradConfig`);
      expect(file).toBe(`${kebab(name)}-grad.ts`);
      expect(FMNIST_GRADIENTS).toContain(config);
    }
  });

  it('spells file names as tfjs kernel names read', () => {
    expect(['Conv2DBackpropFilter', 'BatchMatMul', 'FmnistChannelAffine2', 'MaxPoolGrad'].map(kebab)).toEqual([
      'conv2d-backprop-filter', 'batch-mat-mul', 'fmnist-channel-affine2', 'max-pool-grad',
    ]);
  });
});
