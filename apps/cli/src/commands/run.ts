// fmnist run: the main job. Data (found, or fetched), preparation, the three techniques, the report.
import { ORIGINAL_STUDY } from '@fmnist/core';
import type { CommandSpec } from '../command';
import { TRAINING_OPTIONS } from '../options';
import { reportDir } from '../paths';
import { checkReportOut, writeReportFiles } from './report';
import { resolveOverrides } from '../settings-flags';
import { checkQueueFlag, checkTransferModels, ensureData, HOLDOUT_OPTIONS, KFOLD_OPTIONS, runTechnique, TRANSFER_OPTIONS, TUNE_OPTIONS, summarize, type Technique, type TechniqueResult } from './techniques';

export const runCommand: CommandSpec = {
  command: 'run',
  describe: 'The whole study: data, holdout (with tuning), k-fold, transfer, then the report',
  options: {
    ...TRAINING_OPTIONS,
    ...TUNE_OPTIONS,
    ...HOLDOUT_OPTIONS,
    ...KFOLD_OPTIONS,
    ...TRANSFER_OPTIONS,
    skip: { type: 'array', string: true, choices: ['holdout', 'kfold', 'transfer'], describe: 'Techniques to leave out' },
  },
  examples: [
    ['$0 run', 'quick profile (at most 10 minutes on 2 cores) → runs/report/report.html'],
    ['$0 run --profile smoke', 'every step on a few hundred images, in seconds (tests, CI)'],
    ['$0 run --profile full', 'the full profile: all the data, longer training and a stronger CNN (hours)'],
    ['$0 run --skip transfer --json', 'without VGG; results as JSON'],
  ],
  epilogue:
    'Finds the data (--data-dir, $FMNIST_DATA_DIR, the cache, /usr/share/datasets/fashion-mnist) or downloads it, prepares it into <runs-dir>/data, runs each technique (resuming any interrupted run of the same configuration) and writes the report into --out (default <runs-dir>/report). A transfer variant without weights is skipped and the report says why; weights given but unusable fail the job (exit 1) after the report is written.',
  async run(ctx, argv) {
    const skip = new Set<string>((argv.skip as string[] | undefined) ?? []);
    const extra = await resolveOverrides(ctx, argv);
    await checkReportOut(reportDir(ctx, ctx.args.out));
    await checkQueueFlag(ctx);
    const dataDir = await ensureData(ctx, argv, { fetch: true });
    const outcomes: TechniqueResult[] = [];
    const failures: { technique: Technique; message: string }[] = [];
    for (const technique of ['holdout', 'kfold', 'transfer'] as const) {
      if (skip.has(technique)) continue;
      ctx.out.log(`== ${technique}`);
      try {
        const r = await runTechnique(ctx, technique, dataDir, extra, argv.threads as number | undefined);
        if (ctx.signal.aborted) return;
        outcomes.push(r);
        ctx.out.log(summarize(r));
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        // Transfer needs downloadable weights; without them the study still has a report.
        if (technique !== 'transfer') throw e;
        failures.push({ technique, message: (e as Error).message });
        ctx.out.warn(`transfer not run: ${(e as Error).message}`);
      }
    }
    ctx.out.log('== report');
    const report = await writeReportFiles(ctx, { dataDir, outDir: reportDir(ctx, ctx.args.out) });
    const lines = outcomes.map(headline);
    for (const f of failures) lines.push(`${f.technique.padEnd(8)} not run: ${f.message.split('\n')[0]}`);
    lines.push(`report: ${report.html}`);
    ctx.out.result(lines.join('\n'), {
      report: { html: report.html, markdown: report.markdown },
      runs: outcomes.map((r) => ({ technique: r.technique, runId: r.runId, runDir: r.runDir, results: r })),
      failures,
    });
    // The report is written; weights the user gave that could not be used still fail the job.
    for (const r of outcomes) checkTransferModels(r);
  },
};

const pct = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');

/** One line per technique for the end of the main job. */
function headline(r: TechniqueResult): string {
  const name = r.technique.padEnd(8);
  switch (r.technique) {
    case 'tune':
      return `${name} ${r.trials.length} trials`;
    case 'holdout':
      return `${name} test accuracy ${pct(r.test.accuracy)} (original ${pct(ORIGINAL_STUDY.holdout.test)})`;
    case 'kfold': {
      const s = r.summary;
      return `${name} validation ${pct(s.validationAccuracy.mean)} ± ${pct(s.validationAccuracy.std)}, test ${pct(s.testAccuracy.mean)}, ensemble test ${pct(r.ensemble.test.accuracy)} (original ${pct(ORIGINAL_STUDY.kfold.test)})`;
    }
    case 'transfer': {
      const models = r.models.map((m) => (m.status === 'complete' ? `${m.variant} test ${pct(m.test?.accuracy)}` : `${m.variant} ${m.status}`));
      return `${name} ${models.join(', ') || 'no models'} (original ${pct(ORIGINAL_STUDY.vgg16.test)} / ${pct(ORIGINAL_STUDY.vgg19.test)})`;
    }
  }
}
