// The report's output directory on a real file system: files of the user's are never deleted or
// silently overwritten, and a failure halfway leaves the previous report as it was.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ReportError } from './report-error';
import { REPORT_MANIFEST, REPORT_TITLE, writeReport, type ReportFiles } from './write-report';

let root: string;
let n = 0;
let out: string;
beforeEach(async () => {
  root ??= await mkdtemp(join(tmpdir(), 'fmnist-write-report-'));
  out = join(root, `out-${n++}`);
});
afterAll(() => rm(root, { recursive: true, force: true }));

const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

function report(tag: string, figures = ['a.svg', 'b.png']): ReportFiles {
  return {
    markdown: `# ${REPORT_TITLE}\n\n${tag}\n${figures.map((f) => `![${f}](figures/${f})`).join('\n')}\n`,
    html: `<!doctype html><title>${REPORT_TITLE}</title><p>${tag}</p>`,
    figures: figures.map((file) => ({ file, bytes: file.endsWith('.png') ? new Uint8Array([137, 80, 78, 71, tag.length]) : `<svg>${tag} ${file}</svg>` })),
  };
}

/** Every file under `dir` (relative path → content), staging directories included. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const outFiles: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    outFiles[p.slice(dir.length + 1)] = (await readFile(p)).toString('base64');
  }
  return outFiles;
}

describe('writeReport', () => {
  it('writes the report and a manifest of what it wrote, with hashes', async () => {
    const r = report('one');
    await writeReport(out, r);
    expect((await readdir(out)).sort()).toEqual([REPORT_MANIFEST, 'figures', 'report.html', 'report.md']);
    const m = JSON.parse(await readFile(join(out, REPORT_MANIFEST), 'utf8'));
    expect(m.files).toEqual({
      'figures/a.svg': sha(r.figures[0].bytes),
      'figures/b.png': sha(r.figures[1].bytes),
      'report.html': sha(r.html),
      'report.md': sha(r.markdown),
    });
  });

  it('keeps the user\'s files in the directory and in figures/, and removes only its own unchanged stale figures', async () => {
    await writeReport(out, report('one', ['a.svg', 'b.png', 'gone.svg', 'edited.svg']));
    await writeFile(join(out, 'notes.txt'), 'mine');
    await writeFile(join(out, 'figures', 'my-plot.svg'), '<svg>mine</svg>');
    await mkdir(join(out, 'figures', 'drafts'));
    await writeFile(join(out, 'figures', 'drafts', 'x.png'), 'draft');
    await writeFile(join(out, 'figures', 'edited.svg'), '<svg>edited by the user</svg>');

    await writeReport(out, report('two'));
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('two');
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readFile(join(out, 'figures', 'my-plot.svg'), 'utf8')).toBe('<svg>mine</svg>');
    expect(await readFile(join(out, 'figures', 'drafts', 'x.png'), 'utf8')).toBe('draft');
    expect(await readFile(join(out, 'figures', 'edited.svg'), 'utf8')).toBe('<svg>edited by the user</svg>');
    expect((await readdir(join(out, 'figures'))).sort()).toEqual(['a.svg', 'b.png', 'drafts', 'edited.svg', 'my-plot.svg']);
    // The next report still does not take the user's files for its own.
    expect(Object.keys(JSON.parse(await readFile(join(out, REPORT_MANIFEST), 'utf8')).files).sort()).toEqual(['figures/a.svg', 'figures/b.png', 'report.html', 'report.md']);
  });

  it('refuses to overwrite a report.md (or a figure) it did not write, unless forced, and then touches only its own names', async () => {
    await mkdir(join(out, 'figures'), { recursive: true });
    await writeFile(join(out, 'report.md'), 'my own report');
    await writeFile(join(out, 'figures', 'b.png'), 'my own png');
    await writeFile(join(out, 'other.md'), 'other');
    const before = await snapshot(out);
    const err = await writeReport(out, report('one')).catch((e) => e);
    expect(err).toBeInstanceOf(ReportError);
    expect(err.message.split('\n')[0]).toBe(`${join(out, 'figures/b.png')} (and 1 more of the report's file names) exists and was not written by fmnist report; not overwriting it`);
    expect(err.hint).toContain('--force');
    expect(await snapshot(out)).toEqual(before);

    await writeReport(out, report('one'), { force: true });
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('one');
    expect(await readFile(join(out, 'other.md'), 'utf8')).toBe('other');
    // Written now, so the next report may replace it.
    await writeReport(out, report('two'));
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('two');
  });

  it('refuses a file where the directory or figures/ should be, and a directory where a report file goes, even forced', async () => {
    await writeFile(out, 'a file');
    await expect(writeReport(out, report('one'))).rejects.toThrow(`report output ${out} is a file, not a directory`);
    const out2 = `${out}-b`;
    await mkdir(out2);
    await writeFile(join(out2, 'figures'), 'a file');
    await expect(writeReport(out2, report('one'))).rejects.toThrow(`${join(out2, 'figures')} exists and is not a directory`);
    const out3 = `${out}-c`;
    await mkdir(join(out3, 'report.html'), { recursive: true });
    await expect(writeReport(out3, report('one'), { force: true })).rejects.toThrow(`${join(out3, 'report.html')} is a directory where the report writes a file`);
    expect(await readdir(out3)).toEqual(['report.html']);
  });

  it('leaves the previous report byte for byte when writing fails halfway, and no staging directory', async () => {
    await writeReport(out, report('one', ['a.svg', 'b.png', 'c.svg']));
    await writeFile(join(out, 'figures', 'mine.txt'), 'mine');
    const before = await snapshot(out);
    const failing = report('two', ['a.svg', 'b.png', 'c.svg']);
    // The third figure's content is not writable: the real fs call throws after two figures were staged.
    failing.figures[2].bytes = { broken: true } as unknown as string;
    await expect(writeReport(out, failing)).rejects.toThrow();
    expect(await snapshot(out)).toEqual(before);
    expect((await readdir(out)).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('removes the staging directory a killed process left, and no other', async () => {
    await writeReport(out, report('one'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await mkdir(join(out, `.fmnist-report.tmp-${dead}-0badf00d`, 'figures'), { recursive: true });
    await mkdir(join(out, '.fmnist-report.tmp-mine'));
    await writeReport(out, report('two'));
    expect((await readdir(out)).filter((f) => f.startsWith('.fmnist-report.tmp'))).toEqual(['.fmnist-report.tmp-mine']);
  });

  it('trusts only the report\'s own names in a manifest: a listed ../ path is never removed', async () => {
    await writeReport(out, report('one'));
    await writeFile(join(root, 'victim.txt'), 'keep me');
    await writeFile(join(out, 'figures', 'x.svg'), 'keep me too');
    const m = JSON.parse(await readFile(join(out, REPORT_MANIFEST), 'utf8'));
    m.files['../victim.txt'] = sha('keep me');
    m.files['figures/../../victim.txt'] = sha('keep me');
    m.files['figures/x.svg/..'] = sha('keep me too');
    await writeFile(join(out, REPORT_MANIFEST), JSON.stringify(m));
    await writeReport(out, report('two'));
    expect(await readFile(join(root, 'victim.txt'), 'utf8')).toBe('keep me');
    expect(await readFile(join(out, 'figures', 'x.svg'), 'utf8')).toBe('keep me too');
  });

  it('recognises a report written before the manifest existed (title line, linked figures)', async () => {
    const old = report('old', ['a.svg', 'old.svg']);
    await mkdir(join(out, 'figures'), { recursive: true });
    await writeFile(join(out, 'report.md'), old.markdown);
    await writeFile(join(out, 'report.html'), old.html);
    for (const f of old.figures) await writeFile(join(out, 'figures', f.file), f.bytes);
    await writeFile(join(out, 'figures', 'b.png'), 'not linked by the old report: the user\'s');
    await expect(writeReport(out, report('new'))).rejects.toThrow(`${join(out, 'figures/b.png')} exists and was not written by fmnist report`);
    await rm(join(out, 'figures', 'b.png'));
    await writeReport(out, report('new'));
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('new');
    // Its content was never recorded, so a figure of the old report that is no longer produced stays.
    expect(await readFile(join(out, 'figures', 'old.svg'), 'utf8')).toBe(old.figures[1].bytes);
  });
});
