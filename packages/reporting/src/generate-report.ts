import { resolve } from 'node:path';
import { loadDataInputs, type DataInputs } from './data-inputs';
import type { RenderedFigure, ReportDocument } from './document';
import { renderHtml } from './render-html';
import { renderMarkdown } from './render-markdown';
import { loadRuns, TECHNIQUES, type RunLookup, type Technique } from './run-inputs';
import { comparisonSection } from './sections/comparison-section';
import { dataSection } from './sections/data-section';
import { holdoutSection } from './sections/holdout-section';
import { kfoldSection } from './sections/kfold-section';
import { runFactsSection } from './sections/run-facts-section';
import { summarySection } from './sections/summary-section';
import { transferSection } from './sections/transfer-section';
import { renderChart } from './vega-svg';
import { checkReportDir, REPORT_TITLE, writeReport } from './write-report';

export interface GenerateReportOptions {
  /** Prepared data directory (`fmnist data prepare --out`), default runs/data. */
  dataDir: string;
  /** Directory holding `<technique>/<run-id>/` run directories, default runs. */
  runsDir: string;
  /** Where report.md, report.html and figures/ go, default runs/report. */
  outDir: string;
  /** Shown as the generation time; without it the report shows only timestamps from its inputs. */
  now?: Date | string;
  /** Overwrite files named like the report's that fmnist did not write (see write-report.ts). */
  force?: boolean;
}

export interface GenerateReportResult {
  markdownPath: string;
  htmlPath: string;
  figures: string[];
  /** One line per input the report could not show (missing data files, techniques without runs). */
  missing: string[];
  /** One line per malformed run file passed over (the run was skipped, the next candidate used). */
  warnings: string[];
}

/** Builds the report document (no I/O): the six sections from the loaded inputs. */
export function buildReportDocument(data: DataInputs, runs: Record<Technique, RunLookup>, o: { dataDir: string; runsDir: string; now?: Date | string }): ReportDocument {
  const stamps = [data.summary?.createdAt, ...TECHNIQUES.map((t) => runs[t].run?.manifest?.endedAt)].filter((x): x is string => typeof x === 'string').sort();
  const when = o.now !== undefined ? `Generated ${typeof o.now === 'string' ? o.now : o.now.toISOString()}` : stamps.length ? `Inputs as of ${stamps.at(-1)}` : 'No timestamped inputs';
  return {
    title: REPORT_TITLE,
    intro: [
      'Data preparation, three ways of training a CNN classifier, and their comparison with the original study. ',
      `Prepared data: `,
      { code: o.dataDir },
      `; runs: `,
      { code: o.runsDir },
      `. ${when}.`,
    ],
    sections: [summarySection(data, runs), dataSection(data), holdoutSection(runs.tune, runs.holdout), kfoldSection(runs.kfold), transferSection(runs.transfer), comparisonSection(runs), runFactsSection(runs, data)],
  };
}

/** Renders every figure's chart to SVG, one after the other so ids and output are deterministic. */
export async function renderFigures(doc: ReportDocument): Promise<Map<string, RenderedFigure>> {
  const out = new Map<string, RenderedFigure>();
  for (const s of doc.sections) {
    for (const b of s.blocks) {
      if (b.kind !== 'figure') continue;
      if (out.has(b.name)) throw new Error(`duplicate figure name ${b.name}`);
      out.set(b.name, { name: b.name, svg: b.chart ? await renderChart(b.chart, `f-${b.name}`) : undefined, png: b.png });
    }
  }
  return out;
}

/** Reads the prepared data and run directories (never retrains) and writes the report. */
export async function generateReport(o: GenerateReportOptions): Promise<GenerateReportResult> {
  // Fails before the work when the output directory holds a report.md or report.html of the user's.
  await checkReportDir(o.outDir, undefined, { force: o.force });
  const data = await loadDataInputs(o.dataDir);
  const runs = await loadRuns(o.runsDir);
  const doc = buildReportDocument(data, runs, o);
  const figures = await renderFigures(doc);
  const files: { file: string; bytes: Uint8Array | string }[] = [];
  for (const f of figures.values()) {
    if (f.svg) files.push({ file: `${f.name}.svg`, bytes: f.svg });
    if (f.png) files.push({ file: `${f.name}.png`, bytes: f.png });
  }
  await writeReport(o.outDir, { markdown: renderMarkdown(doc, figures), html: renderHtml(doc, figures), figures: files }, { force: o.force });
  const missing = [
    ...(data.exists ? data.missing.map((f) => `${o.dataDir}/${f}`) : [`${o.dataDir} (no prepared data)`]),
    ...TECHNIQUES.filter((t) => !runs[t].run).map((t) => `${t}: ${runs[t].problem}`),
  ];
  return {
    markdownPath: resolve(o.outDir, 'report.md'),
    htmlPath: resolve(o.outDir, 'report.html'),
    figures: files.map((f) => `figures/${f.file}`),
    missing,
    warnings: TECHNIQUES.flatMap((t) => runs[t].warnings ?? []),
  };
}
