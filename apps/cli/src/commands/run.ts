// fmnist run: the main job. Data (found, or fetched), preparation, the three techniques, the report.
import { ORIGINAL_STUDY } from '@fmnist/core';
import type { CommandSpec } from '../command';
import { TRAINING_OPTIONS } from '../options';
import { reportDir } from '../paths';
import { checkReportOut, writeReportFiles } from './report';
import { resolveOverrides } from '../settings-flags';
import { checkQueueFlag, checkTransferModels, ensureData, HOLDOUT_OPTIONS, KFOLD_OPTIONS, startTechnique, TRANSFER_OPTIONS, TUNE_OPTIONS, summarize, withCorePool, type Technique, type TechniqueResult } from './techniques';

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
    ['$0 run --profile full', 'the full profile: all the data, the stronger CNN and its training recipe (about 3 h on 2 cores)'],
    ['$0 run --skip transfer --json', 'without VGG; results as JSON'],
  ],
  epilogue:
    'Finds the data (--data-dir, $FMNIST_DATA_DIR, the cache, /usr/share/datasets/fashion-mnist) or downloads it, prepares it into <runs-dir>/data, runs the techniques at once on one pool of the cores (tuning first, then the holdout model, folds, transfer; the last units get the free cores as training threads; each resuming any interrupted run of the same configuration) and writes the report into --out (default <runs-dir>/report). A transfer variant without weights is skipped and the report says why; weights given but unusable fail the job (exit 1) after the report is written.',
  async run(ctx, argv) {
    const skip = new Set<string>((argv.skip as string[] | undefined) ?? []);
    const extra = await resolveOverrides(ctx, argv);
    await checkReportOut(reportDir(ctx, ctx.args.out));
    await checkQueueFlag(ctx);
    const dataDir = await ensureData(ctx, argv, { fetch: true });
    const techniques = (['holdout', 'kfold', 'transfer'] as const).filter((t) => !skip.has(t));
    const results = new Map<Technique, TechniqueResult>();
    const failures: { technique: Technique; message: string }[] = [];
    // The techniques run at once, their units on one pool of the cores; a technique that fails
    // stops the others (after their current batch, checkpoints kept) before the job fails with it.
    const study = new AbortController();
    const stop = () => study.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', stop);
    let failed: { error: unknown } | null = null;
    let interrupted: unknown = null;
    try {
      await withCorePool(ctx, (pool) => {
        ctx.out.log(`== ${techniques.join(', ')}: at once, their units sharing ${pool.cores} core${pool.cores === 1 ? '' : 's'}`);
        return ctx.abortable(() =>
          Promise.all(
            techniques.map(async (technique) => {
              try {
                const r = await startTechnique(ctx, technique, dataDir, extra, { threads: argv.threads as number | undefined, pool, signal: study.signal });
                results.set(technique, r);
                ctx.out.log(summarize(r));
              } catch (e) {
                if (study.signal.aborted) {
                  interrupted ??= e;
                  return;
                }
                // Transfer needs downloadable weights; without them the study still has a report.
                if (technique === 'transfer') {
                  failures.push({ technique, message: (e as Error).message });
                  ctx.out.warn(`transfer not run: ${(e as Error).message}`);
                  return;
                }
                failed = { error: e };
                ctx.out.warn(`${technique} failed; stopping the other techniques after their current step (re-running resumes them)`);
                study.abort(e);
              }
            }),
          ),
        );
      });
    } finally {
      ctx.signal.removeEventListener('abort', stop);
    }
    if (failed) throw (failed as { error: unknown }).error;
    if (ctx.signal.aborted) {
      if (interrupted) throw interrupted;
      return;
    }
    const outcomes = techniques.flatMap((t) => results.get(t) ?? []);
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
