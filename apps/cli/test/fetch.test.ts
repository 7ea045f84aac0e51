// `fmnist data fetch` against a local mirror (the official mirror is not reachable from tests):
// progress in MB/s, MD5 verification against the published sums, a mirror without the files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET, removeTempDirs, runCli, tempDir } from './helpers';

const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts = (req.url ?? '').split('/');
    const name = parts[2];
    if (parts.length !== 3 || !FILES.includes(name)) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(join(DATASET, name));
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  removeTempDirs();
});

describe('data fetch', () => {
  // The Debian package recompressed the official .gz files, so their MD5 sums differ from the
  // sums published by Fashion-MNIST: a mirror serving them is exactly a mirror serving wrong files.
  it('downloads with progress, refuses a file whose MD5 does not match the published sum, deletes it, exits 1', async () => {
    const out = join(tempDir(), 'fashion');
    const r = await runCli(['data', 'fetch', '--out', out], { env: { FMNIST_MIRROR_URL: `${base}/debian/` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/train-images-idx3-ubyte\.gz: 25\.2 MB\/25\.2 MB \(100%\), [\d.]+ [KMG]?B\/s/);
    expect(r.stderr).toContain(`Checksum mismatch for ${join(out, 'train-images-idx3-ubyte.gz')}`);
    expect(r.stderr).toMatch(/expected MD5 [0-9a-f]{32}, got [0-9a-f]{32}/);
    expect(r.stderr).toContain('dataset-fashion-mnist');
    expect(existsSync(join(out, 'train-images-idx3-ubyte.gz'))).toBe(false);
    expect(existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.gz')) : []).toEqual([]);
  });

  it('a mirror without the files exits 1 saying how to get the data another way', async () => {
    const out = join(tempDir(), 'fashion');
    const r = await runCli(['data', 'fetch', '--out', out, '--json'], { env: { FMNIST_MIRROR_URL: `${base}/debian/nothing-here/` } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('train-images-idx3-ubyte.gz');
    expect(r.stderr).toContain('FMNIST_MIRROR_URL');
  });
});
