// Writes report.md, report.html and figures/ into a directory the user may share with files of
// their own: nothing is deleted or overwritten that this project did not write, and a failure at
// any point leaves the previous report as it was.
//
// How the project recognises its own files: `.fmnist-report.json` beside report.md lists every
// file the last report wrote, with its SHA-256. Those files may be replaced; a figure listed there
// that the new report no longer has is removed only while its content is unchanged. A report
// written before the manifest existed is recognised by its title line, and its own figures by the
// links in its report.md (replaced when produced again, never removed). Any other file with one of
// the report's names is the user's: writing stops with a ReportError unless `force` is set, and
// even then only those names are overwritten.
import { createHash } from 'node:crypto';
import { lstat, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ReportError } from './report-error';
import { checkOutputPlace, removeDeadStaging, stagingName } from '@fmnist/core/node';

export interface ReportFiles {
  markdown: string;
  html: string;
  figures: { file: string; bytes: Uint8Array | string }[];
}

export interface WriteReportOptions {
  /** Overwrite files of the report's names that fmnist did not write (never deletes anything else). */
  force?: boolean;
}

/** The ownership manifest's name in the output directory. */
export const REPORT_MANIFEST = '.fmnist-report.json';
const MANIFEST_FORMAT = 1;
const STAGING_PREFIX = '.fmnist-report.tmp-';
/** The first line of every report.md and the <title> of every report.html this project writes. */
export const REPORT_TITLE = 'Fashion-MNIST study report';
const DOCUMENTS = ['report.md', 'report.html'] as const;
/** Figure file names the report writes (and the only names a manifest may list under figures/). */
const FIGURE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(svg|png)$/;

/** Relative path → SHA-256 of what the project wrote there (null: ours, content not recorded). */
type Owned = Map<string, string | null>;

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const isOwnPath = (rel: string) => (DOCUMENTS as readonly string[]).includes(rel) || (rel.startsWith('figures/') && FIGURE_NAME.test(rel.slice(8)));

/** The files of the report already in `outDir` that this project wrote (empty for a new or foreign directory). */
async function readOwned(outDir: string): Promise<Owned> {
  const owned: Owned = new Map();
  let text: string | undefined;
  try {
    text = await readFile(join(outDir, REPORT_MANIFEST), 'utf8');
  } catch (e: any) {
    if (e?.code !== 'ENOENT') throw e;
  }
  if (text !== undefined) {
    let m: any;
    try {
      m = JSON.parse(text);
    } catch {
      m = undefined;
    }
    // A manifest we cannot read claims nothing: its files then count as the user's.
    if (m?.format === MANIFEST_FORMAT && m.files && typeof m.files === 'object') {
      for (const [rel, hash] of Object.entries(m.files)) {
        // Paths come from a file: only the report's own names, never `../` or anything else.
        if (isOwnPath(rel) && typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash)) owned.set(rel, hash);
      }
    }
    return owned;
  }
  // A report written before the manifest existed: its title, and the figures its markdown links.
  const md = await readFile(join(outDir, 'report.md'), 'utf8').catch(() => '');
  if (md.startsWith(`# ${REPORT_TITLE}\n`)) {
    owned.set('report.md', null);
    for (const m of md.matchAll(/\]\((figures\/[^)\s]+)\)/g)) if (isOwnPath(m[1])) owned.set(m[1], null);
  }
  const html = await readFile(join(outDir, 'report.html'), 'utf8').catch(() => '');
  if (html.includes(`<title>${REPORT_TITLE}</title>`)) owned.set('report.html', null);
  return owned;
}

/**
 * Checks that the report can go into `outDir` without overwriting anything of the user's: `outDir`
 * is a directory or does not exist, its `figures` too, and none of `names` (relative paths) exists
 * there unless the project wrote it. Throws a ReportError naming the first conflict.
 */
export async function checkReportDir(outDir: string, names: readonly string[] = DOCUMENTS, o: WriteReportOptions = {}): Promise<Owned> {
  const st = await stat(outDir).catch((e) => {
    if (e?.code === 'ENOENT' || e?.code === 'ENOTDIR') return null;
    throw e;
  });
  const hint = 'Choose another --out (a new directory, or one holding an earlier fmnist report).';
  if (st && !st.isDirectory()) throw new ReportError(`report output ${outDir} is a file, not a directory`, { file: outDir, hint });
  if (!st) {
    await checkOutputPlace(outDir);
    return new Map();
  }
  const figures = await lstat(join(outDir, 'figures')).catch(() => null);
  if (figures && !figures.isDirectory()) {
    throw new ReportError(`report output ${join(outDir, 'figures')} exists and is not a directory`, { file: join(outDir, 'figures'), hint: `Move it away, or ${hint[0].toLowerCase()}${hint.slice(1)}` });
  }
  const owned = await readOwned(outDir);
  const foreign: string[] = [];
  for (const rel of names) {
    const s = await lstat(join(outDir, rel)).catch(() => null);
    if (!s) continue;
    // Even --force does not replace a directory: the rename would fail halfway through the report.
    if (s.isDirectory()) throw new ReportError(`${join(outDir, rel)} is a directory where the report writes a file`, { file: join(outDir, rel), hint: `Move it away, or ${hint[0].toLowerCase()}${hint.slice(1)}` });
    if (!owned.has(rel) && !o.force) foreign.push(rel);
  }
  if (foreign.length) {
    const first = join(outDir, foreign[0]);
    const more = foreign.length > 1 ? ` (and ${foreign.length - 1} more of the report's file names)` : '';
    throw new ReportError(`${first}${more} exists and was not written by fmnist report; not overwriting it`, {
      file: first,
      hint: 'Move it away, choose another --out, or pass --force to overwrite the report\'s own file names (nothing else is touched).',
    });
  }
  return owned;
}

async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const manifestJson = (files: Record<string, string>) =>
  `${JSON.stringify({ format: MANIFEST_FORMAT, generator: 'fmnist report', files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) }, null, 2)}\n`;

/**
 * Writes report.md, report.html and figures/ into `outDir`. Everything is first written to a
 * staging directory inside `outDir` (so on the same file system), then renamed into place: a
 * failure before that leaves the previous report untouched, and every file in place is complete.
 */
export async function writeReport(outDir: string, files: ReportFiles, o: WriteReportOptions = {}): Promise<void> {
  for (const f of files.figures) {
    if (!FIGURE_NAME.test(f.file)) throw new Error(`invalid figure file name ${JSON.stringify(f.file)}`);
  }
  const contents = new Map<string, Uint8Array | string>([
    ...files.figures.map((f) => [`figures/${f.file}`, f.bytes] as const),
    ['report.md', files.markdown],
    ['report.html', files.html],
  ]);
  const owned = await checkReportDir(outDir, [...contents.keys()], o);
  await mkdir(join(outDir, 'figures'), { recursive: true });
  await removeDeadStaging(outDir, STAGING_PREFIX);
  const staging = join(outDir, stagingName(STAGING_PREFIX));
  await mkdir(join(staging, 'figures'), { recursive: true });
  try {
    const hashes: Record<string, string> = {};
    for (const [rel, bytes] of contents) {
      await writeSynced(join(staging, rel), bytes).catch((e) => {
        // A write through a file descriptor fails without a path (ENOSPC): name the report's file.
        if (typeof e?.code === 'string' && e.path === undefined) e.path = join(outDir, rel);
        throw e;
      });
      hashes[rel] = sha256(bytes);
    }
    // The manifest first lists the old files and the new ones, so that a crash while they are
    // moved in leaves none of the project's files unlisted (and so taken for the user's).
    const before: Record<string, string> = {};
    for (const [rel, hash] of owned) if (hash) before[rel] = hash;
    await writeSynced(join(staging, 'manifest-before'), manifestJson({ ...before, ...hashes }));
    await rename(join(staging, 'manifest-before'), join(outDir, REPORT_MANIFEST));
    // Figures first, then the documents that link them.
    for (const rel of contents.keys()) await rename(join(staging, rel), join(outDir, rel));
    // Figures of the previous report that this one no longer has, unless changed since.
    for (const [rel, hash] of owned) {
      if (contents.has(rel) || !hash || !rel.startsWith('figures/')) continue;
      const now = await readFile(join(outDir, rel)).catch(() => undefined);
      if (now && sha256(now) === hash) await rm(join(outDir, rel), { force: true });
    }
    await writeSynced(join(staging, 'manifest'), manifestJson(hashes));
    await rename(join(staging, 'manifest'), join(outDir, REPORT_MANIFEST));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
