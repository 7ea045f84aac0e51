import { parseArgs } from 'node:util';
import { generateReport } from './generate-report.js';
import { ReportError } from './report-error.js';

/**
 * `nx run reporting:report [--data-dir D] [--runs-dir R] [--out O]`: the report without the CLI
 * package. Defaults follow docs/contracts.md: runs/data, runs, runs/report.
 */
async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'data-dir': { type: 'string', default: 'runs/data' },
        'runs-dir': { type: 'string', default: 'runs' },
        out: { type: 'string', default: 'runs/report' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\nUsage: report [--data-dir runs/data] [--runs-dir runs] [--out runs/report]\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write('Usage: report [--data-dir runs/data] [--runs-dir runs] [--out runs/report]\nWrites report.md, figures/ and a self-contained report.html.\n');
    return 0;
  }
  try {
    const r = await generateReport({ dataDir: values['data-dir']!, runsDir: values['runs-dir']!, outDir: values.out! });
    for (const m of r.missing) process.stderr.write(`not in the report: ${m}\n`);
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`${r.htmlPath}\n${r.markdownPath}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ReportError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

main().then((code) => {
  process.exitCode = code;
});
