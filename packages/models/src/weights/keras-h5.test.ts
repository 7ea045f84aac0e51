// Bad HDF5 weights are refused in one line naming the file, before or without h5wasm printing its
// diagnostics, and an HDF5 file never makes the reader open another file (external links).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelsError } from '../errors';
import { readKerasH5 } from './keras-h5';

type H5 = typeof import('h5wasm');
let h5: H5;
let dir: string;
let good: string;

/** A small Keras-layout weights file: layer "dense" with kernel and bias, written by h5wasm. */
function writeSmallKeras(path: string, link?: { external?: string; soft?: boolean }) {
  const f = new h5.File(path, 'w');
  f.create_attribute('layer_names', ['dense'], null, 'S5');
  if (link?.external) f.create_external_link(link.external, '/dense', 'dense');
  else if (link?.soft) {
    const g = f.create_group('real');
    g.create_dataset({ name: 'kernel:0', data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], dtype: '<f' });
    f.create_soft_link('/real', 'dense');
    g.create_attribute('weight_names', ['kernel:0'], null, 'S8');
  } else {
    const g = f.create_group('dense');
    g.create_attribute('weight_names', ['kernel:0', 'bias:0'], null, 'S8');
    g.create_dataset({ name: 'kernel:0', data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], dtype: '<f' });
    g.create_dataset({ name: 'bias:0', data: new Float32Array([5, 6]), shape: [2], dtype: '<f' });
  }
  f.close();
}

beforeAll(async () => {
  const mod = (await import('h5wasm/node')) as unknown as { default?: H5 } & H5;
  h5 = mod.default ?? mod;
  await h5.ready;
  dir = mkdtempSync(join(tmpdir(), 'fmnist-h5-'));
  good = join(dir, 'good.h5');
  writeSmallKeras(good);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ModelsError a read rejects with: naming the file on its first line, no HDF5 stack in it. */
async function failure(path: string): Promise<ModelsError> {
  const err = await readKerasH5(path).catch((e) => e);
  expect(err).toBeInstanceOf(ModelsError);
  expect(err.file).toBe(path);
  expect(err.message.split('\n')[0]).toContain(path);
  expect(err.message).not.toMatch(/HDF5-DIAG|#00\d/);
  return err;
}

describe('readKerasH5 on bad files', () => {
  it('reads the small valid file it is compared against', async () => {
    const layers = await readKerasH5(good);
    expect(layers.get('dense')?.map((w) => [w.name, Array.from(w.values)])).toEqual([
      ['kernel:0', [1, 2, 3, 4]],
      ['bias:0', [5, 6]],
    ]);
  });

  it('refuses junk after the HDF5 signature in one line, before h5wasm sees it', async () => {
    const junk = join(dir, 'junk.h5');
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) & 0xff;
    HDF5_SIG.copy(bytes, 0);
    writeFileSync(junk, bytes);
    expect((await failure(junk)).message).toMatch(/is not a readable HDF5 file: its superblock/);
  });

  it('refuses a truncated real file, saying it is truncated', async () => {
    const full = readFileSync(good);
    const cut = join(dir, 'cut.h5');
    writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)));
    expect((await failure(cut)).message).toMatch(new RegExp(`truncated: its superblock says it holds ${full.length} bytes, the file has ${Math.floor(full.length / 2)}`));
  });

  it('turns a corrupt object header behind a sane superblock into one line, nothing on stderr', () => {
    // In a child process so that its stderr can be checked: h5wasm writes diagnostics to fd 2.
    const full = readFileSync(good);
    const bad = Buffer.from(full);
    for (let i = 200; i < full.length; i++) bad[i] = 0xa5;
    const path = join(dir, 'corrupt.h5');
    writeFileSync(path, bad);
    const script = `import { readKerasH5 } from ${JSON.stringify(join(__dirname, 'keras-h5.ts'))};
readKerasH5(${JSON.stringify(path)}).then(() => console.log('read'), (e) => console.log(JSON.stringify({ name: e.name, message: e.message })));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).not.toMatch(/HDF5|#00\d/);
    const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!);
    expect(r.name).toBe('ModelsError');
    expect(r.message.split('\n')[0]).toMatch(new RegExp(`^Cannot read ${path} as an HDF5 file: .+\\.$`));
    expect(r.message).not.toMatch(/HDF5-DIAG/);
  });

  it('refuses an external link to another file and never opens it', async () => {
    const other = join(dir, 'other.h5');
    writeSmallKeras(other);
    const linked = join(dir, 'linked.h5');
    writeSmallKeras(linked, { external: other });
    expect((await failure(linked)).message).toMatch(`"/dense" is an external link to ${other}`);
  });

  it('refuses a soft link (it could lead through an external one)', async () => {
    const soft = join(dir, 'soft.h5');
    writeSmallKeras(soft, { soft: true });
    expect((await failure(soft)).message).toMatch(/"\/dense" is a soft link/);
  });

  it('refuses a FIFO promptly instead of blocking on it', async () => {
    const fifo = join(dir, 'weights-fifo.h5');
    execFileSync('mkfifo', [fifo]);
    const err = await readKerasH5(fifo).catch((e) => e);
    expect(err.message).toMatch(`is not a regular file: ${fifo} (it is a named pipe (FIFO))`);
  }, 5000);

  it('reads the valid file again after all these failures (h5wasm state restored)', async () => {
    expect((await readKerasH5(good)).get('dense')).toHaveLength(2);
  });
});

const HDF5_SIG = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
