import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ReportFiles {
  markdown: string;
  html: string;
  figures: { file: string; bytes: Uint8Array | string }[];
}

/**
 * Writes report.md, report.html and figures/ into `outDir` without ever leaving a half-written
 * report: everything goes to a staging directory first, then is renamed into place. Figures of an
 * earlier report that this one no longer has are removed with the old figures directory.
 */
export async function writeReport(outDir: string, files: ReportFiles): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const staging = join(outDir, `.report-staging-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'figures'), { recursive: true });
  try {
    for (const f of files.figures) await writeFile(join(staging, 'figures', f.file), f.bytes);
    await writeFile(join(staging, 'report.md'), files.markdown);
    await writeFile(join(staging, 'report.html'), files.html);
    const old = join(outDir, `.figures-old-${process.pid}`);
    await rm(old, { recursive: true, force: true });
    await rename(join(outDir, 'figures'), old).catch((e) => {
      if (e?.code !== 'ENOENT') throw e;
    });
    await rename(join(staging, 'figures'), join(outDir, 'figures'));
    await rename(join(staging, 'report.md'), join(outDir, 'report.md'));
    await rename(join(staging, 'report.html'), join(outDir, 'report.html'));
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
