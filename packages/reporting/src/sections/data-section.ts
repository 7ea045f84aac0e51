import { IMAGE_SIDE, PIXELS, VARIABLES, imageAt } from '../arrow-io';
import { classDistributionChart, correlationMatrixChart, imageGridChart, pixelCorrelationChart } from '../charts';
import { correlationRgb } from '../colormap';
import type { DataInputs, SplitName } from '../data-inputs';
import { note, p, type Block, type Section } from '../document';
import { fixed, int, value } from '../format';
import { sampleGrid } from '../image-grid';
import { dataUri, encodeRgbPng } from '../png';
import { CLASS_NAMES } from '@fmnist/core';

const SPLIT_TITLE: Record<SplitName, string> = { train: 'Training set', test: 'Test set' };
const HEAD_ROWS = 5;
const SHOWN_PIXELS = [1, 2, 3, 4, 781, 782, 783, 784]; // four on each side of an ellipsis, as pandas prints a wide frame

function className(label: number): string {
  return CLASS_NAMES[label] ?? `class ${label}`;
}

/** First rows as label, class, a few pixel columns on each side of an ellipsis, like pandas' head(). */
function headRows(data: DataInputs, split: SplitName): number[][] | undefined {
  const fromSummary = data.summary?.head?.[split];
  if (Array.isArray(fromSummary) && fromSummary.length) return fromSummary.slice(0, HEAD_ROWS);
  const t = data.tables[split];
  if (!t) return undefined;
  const rows: number[][] = [];
  for (let r = 0; r < Math.min(HEAD_ROWS, t.n); r++) rows.push([Number(t.labels[r]), ...imageAt(t, r)]);
  return rows;
}

function headTable(data: DataInputs, split: SplitName): Block[] {
  const rows = headRows(data, split);
  const t = data.tables[split];
  const shape = t ? ` (${int(t.n)} rows × ${VARIABLES} columns)` : '';
  if (!rows) return [note(`No first rows of the ${split} table: neither summary.json nor ${split}.arrow is in ${data.dir}.`)];
  const columns = ['row', 'label', 'class', ...SHOWN_PIXELS.slice(0, 4).map((j) => `pixel${j}`), '…', ...SHOWN_PIXELS.slice(4).map((j) => `pixel${j}`), 'non-zero pixels'];
  return [
    {
      kind: 'table',
      caption: `First ${rows.length} rows of the ${split} table${shape}`,
      columns,
      numeric: columns.map((c) => c !== 'class' && c !== '…'),
      rows: rows.map((r, i) => [
        String(i + 1),
        value(r[0]),
        className(Number(r[0])),
        ...SHOWN_PIXELS.slice(0, 4).map((j) => value(r[j])),
        '…',
        ...SHOWN_PIXELS.slice(4).map((j) => value(r[j])),
        String(r.slice(1, PIXELS + 1).filter((v) => v !== 0).length),
      ]),
    },
  ];
}

function describeTable(data: DataInputs): Block[] {
  const d = data.summary?.describe;
  if (!d) return [];
  const blocks: Block[] = [];
  for (const split of ['train', 'test'] as const) {
    const stats = d[split] as Record<string, Record<string, unknown>> | undefined;
    if (!stats || typeof stats !== 'object') continue;
    const cols = Object.keys(stats).filter((k) => stats[k] && typeof stats[k] === 'object');
    if (!cols.length) continue;
    const statNames = Array.from(new Set(cols.flatMap((c) => Object.keys(stats[c]))));
    blocks.push({
      kind: 'table',
      caption: `Summary statistics of the ${split} table (from summary.json)`,
      columns: ['statistic', ...cols],
      numeric: [false, ...cols.map(() => true)],
      rows: statNames.map((s) => [s, ...cols.map((c) => (typeof stats[c][s] === 'number' ? fixed(stats[c][s] as number, 3).replace(/\.?0+$/, '') : value(stats[c][s])))]),
    });
  }
  return blocks;
}

function cleaningBlocks(data: DataInputs): Block[] {
  const c = data.cleaning;
  if (!c) return [note(`No cleaning counts: cleaning.json is missing from ${data.dir}.`)];
  const splits = (['train', 'test'] as const).filter((s) => c[s]);
  const metrics: [string, keyof NonNullable<typeof c.train>][] = [
    ['rows read', 'rowsRead'],
    ['exact duplicates dropped', 'duplicates'],
    ['rows with empty cells dropped', 'emptyCells'],
    ['invalid rows dropped', 'invalid'],
    ['images with conflicting labels', 'conflictingLabels'],
    ['rows kept', 'rowsKept'],
  ];
  const blocks: Block[] = [
    {
      kind: 'table',
      caption: 'Cleaning: every dropped row is counted by reason',
      columns: ['', ...splits],
      numeric: [false, ...splits.map(() => true)],
      rows: metrics.map(([label, key]) => [label, ...splits.map((s) => int(c[s]![key] as number))]),
    },
  ];
  const examples: string[][] = [];
  for (const s of splits) {
    const ex = c[s]!.examples;
    if (!ex) continue;
    if (ex.duplicates?.length) examples.push([s, 'duplicates', ex.duplicates.join(', ')]);
    if (ex.emptyCells?.length) examples.push([s, 'empty cells', ex.emptyCells.join(', ')]);
    if (ex.invalid?.length) examples.push([s, 'invalid', ex.invalid.map((e) => `${e.row} (${e.reason})`).join('; ')]);
    if (ex.conflictingLabels?.length) examples.push([s, 'conflicting labels', ex.conflictingLabels.join(', ')]);
  }
  if (examples.length) {
    blocks.push({ kind: 'table', caption: 'First offending rows (1-based data rows)', columns: ['set', 'reason', 'rows'], rows: examples });
  } else {
    blocks.push(p('No row was dropped: the input had no duplicates, empty cells or invalid values.'));
  }
  return blocks;
}

function sampleBlocks(data: DataInputs): Block[] {
  const blocks: Block[] = [];
  for (const split of ['train', 'test'] as const) {
    const t = data.tables[split];
    if (!t) {
      blocks.push(note(`No sample images of the ${split} set: ${split}.arrow is missing from ${data.dir}.`));
      continue;
    }
    const grid = sampleGrid(t, { classes: CLASS_NAMES.length, perRow: 10, scale: 2 });
    blocks.push({
      kind: 'figure',
      name: `samples-${split}`,
      caption: `${SPLIT_TITLE[split]}: the first ${grid.perRow} images of each class in file order, one row per class (upscaled 2×).`,
      chart: imageGridChart({ uri: dataUri(grid.png), width: grid.width, height: grid.height, classNames: [...CLASS_NAMES], title: `Sample images, ${split} set` }),
      png: grid.png,
      pixelated: true,
    });
  }
  return blocks;
}

function balanceBlocks(data: DataInputs): Block[] {
  const b = data.balance;
  if (!b) return [note(`No class distribution: balance.json is missing from ${data.dir}.`)];
  const blocks: Block[] = [];
  const splits = (['train', 'test'] as const).filter((s) => b[s]);
  for (const split of splits) {
    const r = b[split]!;
    const classes = (r.classes?.length ? r.classes : r.counts.map((count, label) => ({ label, name: className(label), count, share: 0 }))).map((c) => ({
      name: c.name || className(c.label),
      count: c.count,
    }));
    blocks.push({
      kind: 'figure',
      name: `classes-${split}`,
      caption: `${SPLIT_TITLE[split]}: images per class. Verdict: ${r.verdict} (largest / smallest class = ${fixed(r.maxMinRatio, 3)}).`,
      chart: classDistributionChart(classes, `Class distribution, ${split} set (${r.verdict})`),
    });
  }
  blocks.push({
    kind: 'table',
    caption: 'Class balance',
    columns: ['set', 'images', 'smallest class', 'largest class', 'max / min', 'verdict'],
    numeric: [false, true, true, true, true, false],
    rows: splits.map((s) => {
      const counts = b[s]!.counts;
      return [s, int(counts.reduce((a, c) => a + c, 0)), int(Math.min(...counts)), int(Math.max(...counts)), fixed(b[s]!.maxMinRatio, 3), b[s]!.verdict];
    }),
  });
  return blocks;
}

function topCorrelated(data: DataInputs): { pixel: number; r: number }[] {
  const fromSummary = data.summary?.topCorrelated?.train;
  if (Array.isArray(fromSummary) && fromSummary.length) return fromSummary;
  const m = data.correlation;
  if (!m) return [];
  const all = Array.from({ length: PIXELS }, (_, j) => ({ pixel: j + 1, r: m[j + 1] })).filter((x) => Number.isFinite(x.r));
  all.sort((a, b) => Math.abs(b.r) - Math.abs(a.r) || a.pixel - b.pixel);
  return all.slice(0, 20);
}

function correlationBlocks(data: DataInputs): Block[] {
  const m = data.correlation;
  const blocks: Block[] = [];
  if (!m) {
    blocks.push(note(`No correlation analysis: correlation-train.arrow is missing from ${data.dir}.`));
  } else {
    const withLabel = m.subarray(1, VARIABLES); // row 0: the label against pixel1..pixel784
    const constant = Array.from(withLabel).filter((v) => Number.isNaN(v)).length;
    blocks.push(
      p(
        'Pearson correlation over the label and the 784 pixels of the cleaned training set (785 variables). ',
        'The label is a class index, not an ordered quantity, so its correlation with a pixel only says how much that pixel\u2019s brightness rises or falls along the label order; it is a first look at which image regions separate the classes.',
        constant ? ` ${constant} pixels are constant over the training set, so their correlation is undefined (grey).` : '',
      ),
      {
        kind: 'figure',
        name: 'correlation-label',
        caption: 'Correlation of each pixel with the label, laid out as the 28×28 image (blue negative, red positive, grey undefined).',
        chart: pixelCorrelationChart(withLabel, IMAGE_SIDE, 'Pixel correlation with the label'),
      },
    );
    const png = encodeRgbPng(VARIABLES, VARIABLES, correlationRgb(m, VARIABLES));
    blocks.push({
      kind: 'figure',
      name: 'correlation-matrix',
      caption: `The full ${VARIABLES}×${VARIABLES} correlation matrix, one pixel per entry (variable 0 is the label, variable k is pixel k; the full-resolution PNG is beside the report). Neighbouring pixels correlate strongly, which shows as bands every 28 variables.`,
      chart: correlationMatrixChart({ uri: dataUri(png), variables: VARIABLES, size: 520, title: `Correlation matrix (${VARIABLES}×${VARIABLES})` }),
      png,
    });
  }
  const top = topCorrelated(data);
  if (top.length) {
    blocks.push({
      kind: 'table',
      caption: `The ${top.length} pixels most correlated with the label (by |r|)`,
      columns: ['rank', 'pixel', 'row', 'column', 'r'],
      numeric: [true, false, true, true, true],
      rows: top.map((t, i) => [String(i + 1), `pixel${t.pixel}`, String(Math.floor((t.pixel - 1) / IMAGE_SIDE)), String((t.pixel - 1) % IMAGE_SIDE), fixed(t.r, 4)]),
    });
  }
  return blocks;
}

export function dataSection(data: DataInputs): Section {
  const section: Section = { id: 'data', title: '1. Data', blocks: [] };
  if (!data.exists) {
    section.blocks.push(note(`No prepared data: the directory ${data.dir} does not exist. Run `, { code: 'fmnist data prepare' }, ' first (its default output is runs/data).'));
    return section;
  }
  if (data.missing.length) section.blocks.push(note(`Missing from ${data.dir}: ${data.missing.join(', ')}. The parts that need them are left out.`));
  const b = section.blocks;
  b.push({ kind: 'heading', text: 'Tables' });
  b.push(...headTable(data, 'train'), ...headTable(data, 'test'), ...describeTable(data));
  b.push({ kind: 'heading', text: 'Cleaning' }, ...cleaningBlocks(data));
  b.push({ kind: 'heading', text: 'Sample images' }, ...sampleBlocks(data));
  b.push({ kind: 'heading', text: 'Class distribution' }, ...balanceBlocks(data));
  b.push({ kind: 'heading', text: 'Correlation' }, ...correlationBlocks(data));
  return section;
}

