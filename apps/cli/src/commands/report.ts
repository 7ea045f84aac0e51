// fmnist report: the markdown and HTML report from prepared data and run directories.
import { resolve } from 'node:path';
import type { CommandSpec } from '../command';
import { loadReporting } from '../packages';
import { preparedDir, reportDir, runsDir } from '../paths';
import type { CommandContext } from '../session';

export interface ReportOutcome {
  outDir: string;
  markdown: string;
  html: string;
  /** How many figures were written. */
  figures: number;
  /** The inputs the report could not show (printed as `report: …` lines). */
  missing: string[];
  /** Runs skipped as malformed (printed as `warning: report: …` lines, even with --quiet). */
  warnings: string[];
}

/**
 * Fails early (before any training) when `outDir` holds a report.md or report.html that fmnist did
 * not write; the report itself checks again, figures included.
 */
export async function checkReportOut(outDir: string, force = false): Promise<void> {
  const { checkReportDir } = await loadReporting();
  await checkReportDir(outDir, undefined, { force });
}

export async function writeReportFiles(ctx: CommandContext, o: { dataDir: string; outDir: string; force?: boolean }): Promise<ReportOutcome> {
  const { generateReport } = await loadReporting();
  const r = await generateReport({ runsDir: runsDir(ctx), dataDir: o.dataDir, outDir: o.outDir, force: o.force === true });
  ctx.progress.stop();
  for (const m of r.missing) ctx.out.log(`report: ${m}`);
  // shown even with --quiet: a run left out of the report is not a detail
  for (const w of r.warnings) ctx.out.warn(`report: ${w}`);
  return { outDir: o.outDir, markdown: r.markdownPath, html: r.htmlPath, figures: r.figures.length, missing: r.missing, warnings: r.warnings };
}

export const reportCommand: CommandSpec = {
  command: 'report',
  describe: 'Write report.md (with figures/) and a self-contained report.html from the runs',
  options: {
    data: { type: 'string', describe: 'Prepared data directory. Default: <runs-dir>/data', requiresArg: true },
    force: { type: 'boolean', describe: "Overwrite files named like the report's (report.md, report.html, figures/*) that fmnist did not write", default: false },
  },
  examples: [
    ['$0 report', 'runs/report/report.md and runs/report/report.html'],
    ['$0 report --runs-dir my-runs --out site', 'from other runs, into ./site'],
  ],
  epilogue:
    "Never retrains: sections whose inputs are missing say so. --out defaults to <runs-dir>/report. Other files in --out are never touched: .fmnist-report.json lists the report's own files, and a report.md, report.html or figure of the same name that fmnist did not write stops the command unless --force.",
  async run(ctx, argv) {
    const outDir = reportDir(ctx, ctx.args.out);
    const r = await writeReportFiles(ctx, { dataDir: argv.data ? resolve(ctx.cwd, argv.data) : preparedDir(ctx), outDir, force: argv.force === true });
    ctx.out.result(`report written:\n  ${r.html}\n  ${r.markdown}`, r);
  },
};
