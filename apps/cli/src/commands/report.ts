// fmnist report: the markdown and HTML report from prepared data and run directories.
import { join, resolve } from 'node:path';
import type { CommandSpec } from '../command';
import { fn, loadReporting } from '../packages';
import { preparedDir, reportDir, runsDir } from '../paths';
import type { CommandContext } from '../session';

export interface ReportOutcome {
  outDir: string;
  markdown: string;
  html: string;
  [k: string]: unknown;
}

export async function writeReportFiles(ctx: CommandContext, o: { dataDir: string; outDir: string }): Promise<ReportOutcome> {
  const reporting = await loadReporting();
  const write = fn<(o: Record<string, unknown>) => Promise<Record<string, any> | undefined>>(
    reporting,
    '@fmnist/reporting',
    'Writing the report',
    'generateReport',
  );
  const r = (await write({ runsDir: runsDir(ctx), dataDir: o.dataDir, outDir: o.outDir })) ?? {};
  ctx.progress.stop();
  const missing = Array.isArray(r.missing) ? (r.missing as string[]) : [];
  for (const m of missing) ctx.out.log(`report: ${m}`);
  const warnings = Array.isArray(r.warnings) ? (r.warnings as string[]) : [];
  for (const w of warnings) ctx.out.log(`report: warning: ${w}`);
  return {
    outDir: o.outDir,
    markdown: String(r.markdownPath ?? join(o.outDir, 'report.md')),
    html: String(r.htmlPath ?? join(o.outDir, 'report.html')),
    figures: Array.isArray(r.figures) ? r.figures.length : 0,
    missing,
    warnings,
  };
}

export const reportCommand: CommandSpec = {
  command: 'report',
  describe: 'Write report.md (with figures/) and a self-contained report.html from the runs',
  options: {
    data: { type: 'string', describe: 'Prepared data directory. Default: <runs-dir>/data', requiresArg: true },
  },
  examples: [
    ['$0 report', 'runs/report/report.md and runs/report/report.html'],
    ['$0 report --runs-dir my-runs --out site', 'from other runs, into ./site'],
  ],
  epilogue: 'Never retrains: sections whose inputs are missing say so. --out defaults to <runs-dir>/report.',
  async run(ctx, argv) {
    const outDir = reportDir(ctx, ctx.args.out);
    const r = await writeReportFiles(ctx, { dataDir: argv.data ? resolve(ctx.cwd, argv.data) : preparedDir(ctx), outDir });
    ctx.out.result(`report written:\n  ${r.html}\n  ${r.markdown}`, r);
  },
};
