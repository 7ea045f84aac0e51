import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExperimentError } from '../errors';
import { readJsonFile, readJsonLines } from './read-json';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fmnist-readjson-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('reading run files back', () => {
  it('a missing file is null; corrupt JSON names the file and the fix given', async () => {
    expect(await readJsonFile(join(dir, 'none.json'))).toBeNull();
    const p = join(dir, 'result.json');
    await writeFile(p, '{"a": 1,');
    const e = (await readJsonFile(p, { hint: 'delete it to train that unit again' }).catch((x) => x)) as ExperimentError;
    expect(e).toBeInstanceOf(ExperimentError);
    expect(e).toMatchObject({ file: p, hint: 'fix: delete it to train that unit again' });
    expect(e.message.split('\n')[0]).toMatch(new RegExp(`^${p} is not valid JSON \\(.+\\)$`));
  });

  it('a directory or a FIFO under the name is an error at once, not a hang', async () => {
    await mkdir(join(dir, 'manifest.json'));
    await expect(readJsonFile(join(dir, 'manifest.json'))).rejects.toThrow(/Run file is not a regular file: .*manifest.json \(it is a directory\)/);
    const fifo = join(dir, 'metrics.jsonl');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await expect(readJsonLines(fifo)).rejects.toThrow(/Run file is not a regular file: .*metrics.jsonl \(it is a named pipe \(FIFO\)\)/);
  });

  it('JSON lines: a torn last line is dropped with a warning, a bad line before it is an error', async () => {
    const p = join(dir, 'metrics.jsonl');
    const warnings: string[] = [];
    await writeFile(p, '{"e":1}\n\n{"e":2}\n{"e":');
    expect(await readJsonLines(p, { warn: (w) => warnings.push(w) })).toEqual([{ e: 1 }, { e: 2 }]);
    expect(warnings).toEqual([`${p}: ignoring a truncated last line (5 characters; an interrupted write)`]);
    await writeFile(p, '{"e":1}\n{"e":\n{"e":2}\n');
    await expect(readJsonLines(p)).rejects.toThrow(`${p} is not valid JSON (line 2: `);
    // a complete (newline-terminated) last line that is garbage is corruption, not a torn write
    await writeFile(p, '{"e":1}\nxx\n');
    await expect(readJsonLines(p)).rejects.toThrow(`${p} is not valid JSON (line 2: `);
  });
});
