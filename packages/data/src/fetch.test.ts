import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_DIR, tempDir } from '../test/fixtures';
import { OFFICIAL_FILES } from './constants';
import { ChecksumError, FmnistError } from './errors';
import { fetchDataset } from './fetch';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** A local mirror on 127.0.0.1 serving `files` (name -> bytes); counts requests. */
function startMirror(files: Map<string, Buffer>): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    hits.push(name);
    const body = files.get(name);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address() as { port: number };
    resolve({ server, url: `http://127.0.0.1:${addr.port}/`, hits });
  }));
}

describe('fetchDataset', () => {
  const files = new Map<string, Buffer>();
  let mirror: Awaited<ReturnType<typeof startMirror>>;
  beforeAll(async () => {
    for (const f of OFFICIAL_FILES) files.set(f.name, readFileSync(join(SYSTEM_DIR, f.name)));
    mirror = await startMirror(files);
  });
  afterAll(() => new Promise<void>((r) => mirror.server.close(() => r())));

  // Minimal Debian images may exclude /usr/share/doc; the README is the reference when present.
  const README = '/usr/share/doc/dataset-fashion-mnist/README.md.gz';
  it.skipIf(!existsSync(README))('carries the MD5 sums published in the Fashion-MNIST README', () => {
    const readme = gunzipSync(readFileSync(README)).toString();
    for (const f of OFFICIAL_FILES) {
      const line = readme.split('\n').find((l) => l.includes(`\`${f.name}\``) && /[0-9a-f]{32}/.test(l));
      expect(line, f.name).toBeDefined();
      expect(line!.match(/`([0-9a-f]{32})`/)![1]).toBe(f.md5);
    }
  });

  it('downloads the four files with progress and verifies them; a second run downloads nothing', async () => {
    const dir = tempDir('fetch');
    const checksums = Object.fromEntries([...files].map(([n, b]) => [n, md5(b)]));
    const seen = new Set<string>();
    let lastDone = 0;
    const loc = await fetchDataset({
      dir,
      baseUrl: mirror.url,
      checksums,
      onProgress: (p) => {
        seen.add(p.label ?? '');
        if (p.label === 'train-images-idx3-ubyte.gz') lastDone = p.done;
      },
    });
    expect(loc.kind).toBe('idx');
    expect(loc.kind === 'idx' && loc.files.trainImages).toBe(join(dir, 'train-images-idx3-ubyte.gz'));
    for (const [n, b] of files) expect(md5(readFileSync(join(dir, n)))).toBe(md5(b));
    expect(lastDone).toBe(files.get('train-images-idx3-ubyte.gz')!.length);
    expect([...seen].sort()).toEqual(OFFICIAL_FILES.map((f) => f.name).sort());
    const before = mirror.hits.length;
    await fetchDataset({ dir, baseUrl: mirror.url, checksums });
    expect(mirror.hits.length).toBe(before);
  });

  it('uses FMNIST_MIRROR_URL and XDG_CACHE_HOME from the environment', async () => {
    const xdg = tempDir('fetch-xdg');
    const checksums = Object.fromEntries([...files].map(([n, b]) => [n, md5(b)]));
    const loc = await fetchDataset({ env: { XDG_CACHE_HOME: xdg, FMNIST_MIRROR_URL: mirror.url }, checksums });
    expect(loc.dir).toBe(join(xdg, 'fmnist', 'data'));
    expect(loc.source).toBe('cache');
  });

  it('a corrupted download fails loudly and leaves no file behind', async () => {
    const bad = new Map(files);
    const corrupted = Buffer.from(files.get('t10k-labels-idx1-ubyte.gz')!);
    corrupted[100] ^= 0xff;
    bad.set('t10k-labels-idx1-ubyte.gz', corrupted);
    const m = await startMirror(bad);
    try {
      const dir = tempDir('fetch-bad');
      const checksums = Object.fromEntries([...files].map(([n, b]) => [n, md5(b)]));
      const err = await fetchDataset({ dir, baseUrl: m.url, checksums }).catch((e) => e);
      expect(err).toBeInstanceOf(ChecksumError);
      expect(err.message).toContain(join(dir, 't10k-labels-idx1-ubyte.gz'));
      expect(err.message).toContain(`got ${md5(corrupted)}`);
      expect(existsSync(join(dir, 't10k-labels-idx1-ubyte.gz'))).toBe(false);
      expect(readdirSync(dir).filter((n) => n.includes('.part'))).toEqual([]);
      // A file already there (the user's, or an older copy) is not deleted by a bad download.
      const kept = tempDir('fetch-bad-kept');
      writeFileSync(join(kept, 't10k-labels-idx1-ubyte.gz'), 'my own copy');
      expect(await fetchDataset({ dir: kept, baseUrl: m.url, checksums }).catch((e) => e)).toBeInstanceOf(ChecksumError);
      expect(readFileSync(join(kept, 't10k-labels-idx1-ubyte.gz'), 'utf8')).toBe('my own copy');
      // with the published sums, the Debian repacks themselves do not verify either
      const err2 = await fetchDataset({ dir: tempDir('fetch-published'), baseUrl: m.url }).catch((e) => e);
      expect(err2).toBeInstanceOf(ChecksumError);
      expect(err2.message).toContain('expected MD5 8d4fb7e6c68d591d4c3dfef9ec88bf0d');
    } finally {
      await new Promise<void>((r) => m.server.close(() => r()));
    }
  });

  it('an aborted download leaves no partial file', async () => {
    const dir = tempDir('fetch-abort');
    const ac = new AbortController();
    const checksums = Object.fromEntries([...files].map(([n, b]) => [n, md5(b)]));
    const err = await fetchDataset({ dir, baseUrl: mirror.url, checksums, signal: ac.signal, onProgress: () => ac.abort() }).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a missing file on the mirror and an unreachable mirror are errors naming the URL', async () => {
    const empty = await startMirror(new Map());
    try {
      await expect(fetchDataset({ dir: tempDir('fetch-404'), baseUrl: empty.url })).rejects.toThrow(
        new RegExp(`Cannot download ${empty.url}train-images-idx3-ubyte.gz: HTTP 404`),
      );
    } finally {
      await new Promise<void>((r) => empty.server.close(() => r()));
    }
    const err = await fetchDataset({ dir: tempDir('fetch-down'), baseUrl: 'http://127.0.0.1:9/' }).catch((e) => e);
    expect(err).toBeInstanceOf(FmnistError);
    expect(err.message).toContain('Cannot download http://127.0.0.1:9/train-images-idx3-ubyte.gz');
  });
});
