import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, escapeMarkdown } from './escape';
import { generateReport } from './generate-report';
import { decodePng } from './png';
import { ReportError } from './report-error';
import { selectRun } from './run-inputs';
import { CLASS_NAMES, isFmnistError } from '@fmnist/core';
import { writePreparedDir, writeRunsDir, XSS_LABEL, type PreparedFixture, type RunsFixture } from './testing/fixtures';

let root: string;
let prep: PreparedFixture;
let runsFx: RunsFixture;
let out: string;

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

async function hashes(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of ['report.md', 'report.html', ...(await readdir(join(dir, 'figures'))).map((f) => `figures/${f}`)]) {
    result[name] = createHash('sha256').update(await readFile(join(dir, name))).digest('hex');
  }
  return result;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmnist-report-'));
  prep = await writePreparedDir(join(root, 'data'), { train: 400, test: 200 });
  runsFx = await writeRunsDir(join(root, 'runs'), prep.test);
  out = join(root, 'out');
  await generateReport({ dataDir: join(root, 'data'), runsDir: join(root, 'runs'), outDir: out });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('generateReport with every input present', () => {
  it('links every markdown image to a non-empty file beside it, and every figure file is used', async () => {
    const md = await readFile(join(out, 'report.md'), 'utf8');
    const links = [...md.matchAll(/\]\((figures\/[^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThanOrEqual(15);
    for (const l of links) expect((await stat(join(out, l))).size, l).toBeGreaterThan(100);
    const files = (await readdir(join(out, 'figures'))).map((f) => `figures/${f}`).sort();
    expect([...new Set(links)].sort()).toEqual(files);
    expect((await readdir(out)).sort()).toEqual(['.fmnist-report.json', 'figures', 'report.html', 'report.md']);
  });

  it('writes markdown tables whose rows all have the header\'s column count, escapes included', async () => {
    const md = await readFile(join(out, 'report.md'), 'utf8');
    const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    const lines = md.split('\n');
    let tables = 0;
    for (let i = 0; i < lines.length; i++) {
      if (!/^\| (---:?|:?---)/.test(lines[i])) continue;
      tables++;
      const n = cells(lines[i - 1]);
      for (let j = i + 1; j < lines.length && lines[j].startsWith('|'); j++) expect(cells(lines[j]), lines[j]).toBe(n);
    }
    expect(tables).toBeGreaterThanOrEqual(12);
  });

  it('shows the numbers of the selected runs and the original study', async () => {
    const md = await readFile(join(out, 'report.md'), 'utf8');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(md).toContain(`- **Holdout (tuned CNN):** ${pct(runsFx.holdoutTest)} test (original 89.58%)`);
    expect(md).toContain('- **VGG16 transfer (skipped):** not run (original 82.68%)');
    expect(md).toContain('- **data (after cleaning):** 400 train / 200 test images');
    expect(md).toContain(escapeMarkdown(runsFx.skippedReason));
    expect(html).toContain(escapeHtml(runsFx.skippedReason));
    for (const text of [md, html]) {
      expect(text).toContain(pct(runsFx.holdoutTest));
      expect(text).toContain(pct(runsFx.ensembleTest));
      expect(text).toContain(pct(runsFx.vgg19Test));
      expect(text).toContain('512 (int8)'); // the VGG19 features' precision, in the transfer table
      for (const f of runsFx.foldTest) expect(text).toContain(pct(f));
      expect(text).toContain('89.58%');
      expect(text).toContain('87.25%');
      expect(text).toContain('82.94%');
      expect(text).toContain('quick-11111111'); // newest complete holdout run, not the failed one
      expect(text).not.toContain('quick-22222222');
      // no clock: the only time shown is the newest one in the inputs (the transfer run's end)
      expect(text).toContain('Inputs as of 2026-11-20T11:40:00.000Z.');
    }
    expect(md).toContain('Search: grid; 6 trials ranked by validation accuracy from a space of 6 configurations; 30 training epochs spent of 30 planned; 8,000 training and 2,000 validation rows per trial');
    // k-fold trained up to 30 epochs with a schedule; fold 2 stopped early after its 4 epochs
    expect(md).toContain('Up to 30 epochs: the learning rate was multiplied by 0.5 after each epoch without a lower validation loss (not below 0.00001); training stopped after 3 epochs in a row without one');
    expect(md).toMatch(/\| fold 2 \| 4 \(stopped early\) \|/);
    expect(md).toMatch(/\| fold 1 \| 4 \|/);
    // a learning-rate figure only where a schedule changed the rate
    expect(md).toContain('](figures/kfold-learning-rate.svg)');
    expect(md).not.toContain('holdout-learning-rate');
    const lrSvg = await readFile(join(out, 'figures', 'kfold-learning-rate.svg'), 'utf8');
    expect(lrSvg).toContain('learning rate');
    expect(lrSvg).toContain('fold 5');
    // each technique's recipe against the original's, from the run's recorded settings
    const kfoldPart = md.slice(md.lastIndexOf('Technique 2'), md.lastIndexOf('Technique 3'));
    expect(kfoldPart).toMatch(/Recipe: differs from the original study's network and training in .*a learning-rate schedule and\/or early stopping/);
    expect(md.slice(0, md.lastIndexOf('Technique 2'))).toMatch(/Recipe: differs from the original study's network and training in .*epochs 5 \(original 30\)/);
    // the holdout run trained a plain number of epochs: no schedule sentence there
    expect(md.split('Technique 2')[0]).not.toContain('Up to ');
    // the best model is the k-fold ensemble (91% drawn) unless the holdout drew higher
    const best = runsFx.ensembleTest >= runsFx.holdoutTest ? 'ensemble' : 'Holdout';
    expect(html).toMatch(new RegExp(`best model on the test set is <strong>[^<]*${best}`));
  });

  it('escapes a run label holding markup in both formats', async () => {
    const md = await readFile(join(out, 'report.md'), 'utf8');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; | pipe *star*');
    expect(md).not.toMatch(/<script/i);
    expect(md).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; "quoted" \\| pipe \\*star\\*');
    expect(XSS_LABEL).toContain('<script>');
  });

  it('draws the sample grid from the real images, one row per class', async () => {
    const png = decodePng(await readFile(join(out, 'figures/samples-train.png')));
    const cell = 28 * 2 + 2;
    expect(png.width).toBe(10 * cell + 2);
    expect(png.height).toBe(10 * cell + 2);
    // the first image of class c in the file is the first tile of row c
    for (let c = 0; c < 10; c++) {
      const row = prep.train.labels.indexOf(c);
      for (const [x, y] of [[14, 14], [5, 20], [27, 27]]) {
        const expected = prep.train.images[row * 784 + y * 28 + x];
        const px = 2 + x * 2 + 1;
        const py = 2 + c * cell + y * 2 + 1;
        expect(png.data[(py * png.width + px) * 4]).toBe(expected);
      }
    }
    const svg = await readFile(join(out, 'figures/samples-train.svg'), 'utf8');
    for (const name of CLASS_NAMES) expect(svg).toContain(`>${name.replace('/', '/')}<`);
  });

  it('renders the 785x785 correlation matrix one pixel per entry', async () => {
    const png = decodePng(await readFile(join(out, 'figures/correlation-matrix.png')));
    expect([png.width, png.height]).toEqual([785, 785]);
    const at = (i: number, j: number) => Array.from(png.data.subarray((i * 785 + j) * 4, (i * 785 + j) * 4 + 3));
    // the diagonal is r = 1 (deep red end of the scheme); a constant pixel (NaN) is grey
    expect(at(0, 0)[0]).toBeGreaterThan(at(0, 0)[2] + 60);
    const constant = Array.from({ length: 784 }, (_, j) => j + 1).find((j) => Number.isNaN(prep.correlation[j]));
    if (constant !== undefined) expect(at(0, constant)).toEqual([200, 200, 200]);
    // sign follows r: strongest negative vs strongest positive entry of row 0
    const row0 = Array.from(prep.correlation.subarray(1, 785));
    const neg = row0.indexOf(Math.min(...row0.filter(Number.isFinite))) + 1;
    const pos = row0.indexOf(Math.max(...row0.filter(Number.isFinite))) + 1;
    expect(at(0, neg)[2]).toBeGreaterThan(at(0, neg)[0]); // blue
    expect(at(0, pos)[0]).toBeGreaterThan(at(0, pos)[2]); // red
  });

  it('gives byte-identical files when regenerated, in the same process and elsewhere', async () => {
    const first = await hashes(out);
    await generateReport({ dataDir: join(root, 'data'), runsDir: join(root, 'runs'), outDir: out });
    expect(await hashes(out)).toEqual(first);
    const other = join(root, 'out2');
    await generateReport({ dataDir: join(root, 'data'), runsDir: join(root, 'runs'), outDir: other });
    expect(await hashes(other)).toEqual(first);
  });
});

describe('generateReport with missing inputs', () => {
  it('says what is missing instead of failing', async () => {
    const runs = join(root, 'empty-runs');
    const r = await generateReport({ dataDir: join(root, 'no-data'), runsDir: runs, outDir: join(root, 'out-empty'), now: '2026-11-25T08:00:00Z' });
    const md = await readFile(r.markdownPath, 'utf8');
    expect(md).toContain('Generated 2026-11-25T08:00:00Z.');
    const html = await readFile(r.htmlPath, 'utf8');
    expect(md).toContain(`No prepared data: the directory ${join(root, 'no-data')} does not exist`);
    for (const t of ['tune', 'holdout', 'kfold', 'transfer']) {
      expect(md).toContain(`no ${t} run found in ${join(runs, t)}`);
      expect(r.missing.join('\n')).toContain(`${t}: no ${t} run found`);
    }
    expect(md).toContain('Nothing to compare yet');
    expect(md).toContain('No prepared data and no runs yet');
    expect(html).toContain('class="note"');
    expect(r.figures).toEqual([]);
  });

  it('reports a partly prepared directory and an unfinished run', async () => {
    const data = join(root, 'partial-data');
    await writePreparedDir(data, { train: 50, test: 20 });
    await rm(join(data, 'correlation-train.arrow'));
    await rm(join(data, 'balance.json'));
    const runs = join(root, 'partial-runs');
    await writeRunsDir(runs, prep.test);
    await rm(join(runs, 'kfold', 'quick-33333333', 'results.json'));
    const r = await generateReport({ dataDir: data, runsDir: runs, outDir: join(root, 'out-partial') });
    const md = await readFile(r.markdownPath, 'utf8');
    expect(md).toContain('correlation-train.arrow is missing');
    expect(md).toContain('balance.json is missing');
    expect(md).toContain('has no results.json');
    expect(r.figures).toContain('figures/samples-train.png');
    expect(r.figures).not.toContain('figures/kfold-accuracy.svg');
  });

  it('takes per-epoch curves from metrics.jsonl when results.json holds no history', async () => {
    const runs = join(root, 'metrics-runs');
    await writeRunsDir(runs, prep.test);
    const file = join(runs, 'kfold', 'quick-33333333', 'results.json');
    const results = JSON.parse(await readFile(file, 'utf8'));
    const lines = results.folds.flatMap((f: any) => f.history.map((m: any) => JSON.stringify({ ...m, scope: 'fold', id: String(f.fold) })));
    for (const f of results.folds) f.history = [];
    await writeFile(file, JSON.stringify(results));
    const r0 = await generateReport({ dataDir: join(root, 'no-data'), runsDir: runs, outDir: join(root, 'out-metrics') });
    expect(r0.figures).not.toContain('figures/kfold-accuracy.svg');
    await writeFile(join(runs, 'kfold', 'quick-33333333', 'metrics.jsonl'), lines.join('\n') + '\n');
    const r = await generateReport({ dataDir: join(root, 'no-data'), runsDir: runs, outDir: join(root, 'out-metrics') });
    expect(r.figures).toContain('figures/kfold-accuracy.svg');
    const svg = await readFile(join(root, 'out-metrics', 'figures', 'kfold-accuracy.svg'), 'utf8');
    for (let k = 1; k <= 5; k++) expect(svg).toContain(`fold ${k}`);
  });

  it('pairs the holdout model with the search that chose it, and says when a tune run did not', async () => {
    const runs = join(root, 'pairing-runs');
    await writeRunsDir(runs, prep.test);
    const file = join(runs, 'holdout', 'quick-11111111', 'results.json');
    const holdout = JSON.parse(await readFile(file, 'utf8'));
    const section = (md: string) => md.slice(md.indexOf('## 2. Technique 1'), md.indexOf('## 3. Technique 2'));
    const tuned = section(await readFile((await generateReport({ dataDir: join(root, 'no-data'), runsDir: runs, outDir: join(root, 'out-pair1') })).markdownPath, 'utf8'));
    expect(tuned).toContain('The search that chose the holdout model below');
    expect(tuned).toContain('quick-11111111/results.json');
    await writeFile(file, JSON.stringify({ ...holdout, tuning: null }));
    const untuned = section(await readFile((await generateReport({ dataDir: join(root, 'no-data'), runsDir: runs, outDir: join(root, 'out-pair2') })).markdownPath, 'utf8'));
    expect(untuned).toContain("The holdout run below (quick-11111111) trained the profile's network without tuning");
    expect(untuned).toContain('quick-0a1b2c3d/results.json');
    expect(untuned).not.toContain('The search that chose');
  });

  it('does not call a fold stopped early when its patience ran out on the last epoch', async () => {
    const runs = join(root, 'last-epoch-runs');
    await writeRunsDir(runs, prep.test);
    const file = join(runs, 'kfold', 'quick-33333333', 'results.json');
    const kfold = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...kfold, params: { ...kfold.params, epochs: 4 } })); // fold 2: 4 of 4, stoppedEarly recorded
    const md = await readFile((await generateReport({ dataDir: join(root, 'no-data'), runsDir: runs, outDir: join(root, 'out-last') })).markdownPath, 'utf8');
    expect(md).toMatch(/\| fold 2 \| 4 \|/);
    expect(md).not.toContain('stopped early)');
  });

  it('fails with the file named when an Arrow file is corrupt, leaving no report', async () => {
    const data = join(root, 'bad-data');
    await writePreparedDir(data, { train: 20, test: 20 });
    await writeFile(join(data, 'train.arrow'), 'not arrow at all');
    const dest = join(root, 'out-bad');
    const err = await generateReport({ dataDir: data, runsDir: join(root, 'runs'), outDir: dest }).catch((e) => e);
    expect(err).toBeInstanceOf(ReportError);
    expect(isFmnistError(err)).toBe(true); // the CLI prints it as a fixable error, exit 1
    expect(err.file).toBe(join(data, 'train.arrow'));
    expect(err.message).toContain(join(data, 'train.arrow'));
    expect(err.message).toContain('fmnist data prepare');
    await expect(stat(join(dest, 'report.md'))).rejects.toThrow();
  });
});

describe('selectRun', () => {
  it('prefers latest.json, else the newest complete run', async () => {
    const runs = join(root, 'runs');
    expect((await selectRun(runs, 'kfold')).run?.selectedBy).toBe('latest.json');
    const h = await selectRun(runs, 'holdout');
    expect(h.run?.runId).toBe('quick-11111111');
    expect(h.run?.selectedBy).toBe('newest complete');
    const none = await selectRun(join(root, 'nowhere'), 'holdout');
    expect(none.run).toBeUndefined();
    expect(none.problem).toContain('no holdout run found');
  });
});
