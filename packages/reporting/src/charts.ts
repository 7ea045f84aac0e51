import type { TopLevelSpec } from 'vega-lite';
import { CORRELATION_SCHEME } from './colormap';

/** Vega-Lite specs for every chart of the report. Pure functions: data in, spec out. */

const PERCENT = '.1%';

export function classDistributionChart(classes: { name: string; count: number }[], title: string): TopLevelSpec {
  return {
    title,
    width: 360,
    height: 220,
    data: { values: classes.map((c) => ({ name: c.name, count: c.count })) },
    encoding: {
      x: { field: 'name', type: 'nominal', sort: classes.map((c) => c.name), title: null, axis: { labelAngle: -35 } },
      y: { field: 'count', type: 'quantitative', title: 'images' },
    },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' } },
      { mark: { type: 'text', dy: -6, fontSize: 10, color: '#333' }, encoding: { text: { field: 'count', type: 'quantitative', format: ',' } } },
    ],
  };
}

/** A PNG grid (one row of samples per class) with the class names as the y axis. */
export function imageGridChart(o: { uri: string; width: number; height: number; classNames: string[]; title: string }): TopLevelSpec {
  return {
    title: o.title,
    width: o.width,
    height: o.height,
    layer: [
      {
        data: { values: [{ uri: o.uri }] },
        mark: { type: 'image', width: o.width, height: o.height, align: 'left', baseline: 'top', aspect: false, aria: false },
        encoding: { url: { field: 'uri', type: 'nominal' }, x: { value: 0 }, y: { value: 0 } },
      },
      {
        data: { values: o.classNames.map((name, i) => ({ name, i })) },
        mark: { type: 'tick', opacity: 0 },
        encoding: {
          y: {
            field: 'name',
            type: 'nominal',
            sort: { field: 'i' },
            title: null,
            scale: { paddingInner: 0, paddingOuter: 0 },
            axis: { ticks: false, domain: false, labelFontSize: 12, labelPadding: 6 },
          },
        },
      },
    ],
    config: { view: { stroke: null } },
  } as TopLevelSpec;
}

/** Each pixel's correlation with the label, as a 28x28 map. */
export function pixelCorrelationChart(r: ArrayLike<number>, side: number, title: string): TopLevelSpec {
  const values = [];
  for (let i = 0; i < side * side; i++) {
    const v = r[i];
    values.push({ row: Math.floor(i / side), col: i % side, pixel: i + 1, r: Number.isFinite(v) ? Math.round(v * 1e4) / 1e4 : null });
  }
  const ticks = Array.from({ length: Math.ceil(side / 4) }, (_, k) => k * 4);
  const pos = {
    x: { field: 'col', type: 'ordinal', title: 'column', axis: { values: ticks, labelAngle: 0 } },
    y: { field: 'row', type: 'ordinal', title: 'row', axis: { values: ticks } },
  } as const;
  return {
    title,
    width: { step: 13 },
    height: { step: 13 },
    data: { values },
    layer: [
      { mark: { type: 'rect', color: '#c8c8c8' }, encoding: { ...pos } },
      {
        transform: [{ filter: 'datum.r !== null' }],
        mark: { type: 'rect' },
        encoding: {
          ...pos,
          color: {
            field: 'r',
            type: 'quantitative',
            title: 'r',
            scale: { scheme: CORRELATION_SCHEME, reverse: true, domain: [-1, 1] },
            legend: { gradientLength: 200 },
          },
          tooltip: [{ field: 'pixel' }, { field: 'r' }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** The 785x785 correlation matrix: a PNG (one pixel per entry) with index axes and a colour legend. */
export function correlationMatrixChart(o: { uri: string; variables: number; size: number; title: string }): TopLevelSpec {
  const scaleDomain = { domain: [0, o.variables], nice: false, zero: false };
  return {
    title: o.title,
    width: o.size,
    height: o.size,
    layer: [
      {
        data: { values: [{ uri: o.uri }] },
        mark: { type: 'image', width: o.size, height: o.size, align: 'left', baseline: 'top', aspect: false, aria: false },
        encoding: { url: { field: 'uri', type: 'nominal' }, x: { value: 0 }, y: { value: 0 } },
      },
      {
        data: { values: [{ v: 0, r: -1 }, { v: o.variables, r: 1 }] },
        mark: { type: 'point', opacity: 0 },
        encoding: {
          x: { field: 'v', type: 'quantitative', title: 'variable (0 = label, k = pixel k)', scale: scaleDomain, axis: { orient: 'top' } },
          y: { field: 'v', type: 'quantitative', title: 'variable', scale: { ...scaleDomain, reverse: true } },
          color: {
            field: 'r',
            type: 'quantitative',
            title: 'Pearson r',
            scale: { scheme: CORRELATION_SCHEME, reverse: true, domain: [-1, 1] },
            legend: { gradientLength: o.size * 0.6 },
          },
        },
      },
    ],
  } as TopLevelSpec;
}

export interface SeriesPoint {
  epoch: number;
  value: number;
  series: string;
  group?: string; // e.g. the fold
}

/** Lines vs epochs. With `group`, colour is the group and dash the series (train/validation). */
export function curvesChart(o: { points: SeriesPoint[]; yTitle: string; title: string; percent?: boolean; grouped?: boolean; logY?: boolean }): TopLevelSpec {
  const y = {
    field: 'value',
    type: 'quantitative',
    title: o.yTitle,
    scale: o.logY ? { type: 'log' } : { zero: false },
    ...(o.percent ? { axis: { format: PERCENT } } : o.logY ? { axis: { format: '.0e' } } : {}),
  };
  const epochs = [...new Set(o.points.map((p) => p.epoch))].sort((a, b) => a - b);
  const xAxis = epochs.length <= 15 ? { values: epochs, format: 'd' } : { tickMinStep: 1, format: 'd' };
  const encoding: any = {
    x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: xAxis, scale: { nice: false } },
    y,
    tooltip: [{ field: 'group' }, { field: 'series' }, { field: 'epoch' }, { field: 'value', format: o.percent ? '.2%' : o.logY ? '.3e' : '.4f' }],
  };
  if (o.grouped) {
    encoding.color = { field: 'group', type: 'nominal', title: null, sort: null, legend: { orient: 'top' } };
    if (new Set(o.points.map((p) => p.series)).size > 1) encoding.strokeDash = { field: 'series', type: 'nominal', title: null, sort: null, legend: { orient: 'top', symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300 } };
    encoding.detail = { field: 'key', type: 'nominal' };
  } else {
    encoding.color = { field: 'series', type: 'nominal', title: null, sort: null, legend: { orient: 'top' } };
  }
  return {
    title: o.title,
    width: 330,
    height: 220,
    data: { values: o.points.map((p) => ({ ...p, group: p.group ?? '', key: `${p.group ?? ''}|${p.series}` })) },
    mark: { type: 'line', point: o.grouped ? false : { size: 22 }, strokeWidth: 1.8 },
    encoding,
  } as TopLevelSpec;
}

/** Bars by name, in the given order; with `group` set on the bars, coloured by it. */
export function barChart(o: { bars: { name: string; value: number; group?: string }[]; yTitle: string; title: string; percent?: boolean; width?: number }): TopLevelSpec {
  const groups = [...new Set(o.bars.map((b) => b.group).filter((g): g is string => !!g))];
  const fmt = o.percent ? '.2%' : '.4f';
  return {
    title: o.title,
    width: o.width ?? Math.max(160, Math.min(520, o.bars.length * 44)),
    height: 200,
    data: { values: o.bars },
    encoding: {
      x: { field: 'name', type: 'nominal', sort: o.bars.map((b) => b.name), title: null, axis: { labelAngle: o.bars.length > 6 ? -40 : 0 } },
      y: { field: 'value', type: 'quantitative', title: o.yTitle, ...(o.percent ? { axis: { format: PERCENT } } : {}) },
      tooltip: [{ field: 'name' }, { field: 'value', format: fmt }],
    },
    layer: [
      groups.length > 1
        ? { mark: { type: 'bar' }, encoding: { color: { field: 'group', type: 'nominal', title: null, sort: groups, legend: { orient: 'top' } } } }
        : { mark: { type: 'bar', color: '#4c78a8' } },
      { mark: { type: 'text', dy: -6, fontSize: 10, color: '#333' }, encoding: { text: { field: 'value', type: 'quantitative', format: o.percent ? '.1%' : '.3f' } } },
    ],
  } as TopLevelSpec;
}

/**
 * Grouped horizontal bars: one row per technique, a bar for this study and one for the original,
 * side by side for test and train accuracy.
 */
export function comparisonChart(rows: { technique: string; source: string; metric: string; accuracy: number }[], title: string): TopLevelSpec {
  const techniques = [...new Set(rows.map((r) => r.technique))];
  const bar = (metric: string) => ({
    title: metric,
    width: 220,
    height: { step: 17 },
    transform: [{ filter: { field: 'metric', equal: metric } }],
    encoding: {
      y: { field: 'technique', type: 'nominal', sort: techniques, title: null, scale: { domain: techniques, paddingInner: 0.25 }, axis: { labelLimit: 300 } },
      yOffset: { field: 'source', type: 'nominal', sort: ['this study', 'original study'], scale: { domain: ['this study', 'original study'] } },
      x: { field: 'accuracy', type: 'quantitative', title: 'accuracy', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          color: { field: 'source', type: 'nominal', title: null, scale: { domain: ['this study', 'original study'], range: ['#4c78a8', '#bab0ac'] } },
          tooltip: [{ field: 'technique' }, { field: 'source' }, { field: 'accuracy', format: '.2%' }],
        },
      },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10, color: '#333' }, encoding: { text: { field: 'accuracy', type: 'quantitative', format: '.2%' } } },
    ],
  });
  return {
    title,
    data: { values: rows },
    hconcat: [bar('test accuracy'), { ...bar('train accuracy'), encoding: { ...bar('train accuracy').encoding, y: { ...bar('train accuracy').encoding.y, axis: null } } }],
    spacing: 40,
  } as TopLevelSpec;
}

/** Confusion matrix: true class by row, predicted class by column, counts written in the cells. */
export function confusionChart(matrix: number[][], classNames: string[], title: string): TopLevelSpec {
  const values: { t: string; p: string; ti: number; pi: number; count: number; share: number }[] = [];
  matrix.forEach((row, ti) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, pi) => values.push({ t: classNames[ti] ?? String(ti), p: classNames[pi] ?? String(pi), ti, pi, count, share: count / total }));
  });
  const order = classNames.slice(0, matrix.length);
  return {
    title,
    padding: { left: 8, top: 8, bottom: 8, right: 36 }, // room for the last rotated label (text widths are estimated in Node)
    width: { step: 40 },
    height: { step: 30 },
    data: { values },
    encoding: {
      x: { field: 'p', type: 'nominal', sort: order, title: 'predicted class', axis: { labelAngle: -40, orient: 'top' } },
      y: { field: 't', type: 'nominal', sort: order, title: 'true class' },
    },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          color: { field: 'share', type: 'quantitative', title: 'row share', scale: { domain: [0, 1], range: ['#ffffff', '#1f4e8c'], interpolate: 'rgb' }, legend: { format: '.0%' } },
          tooltip: [{ field: 't', title: 'true' }, { field: 'p', title: 'predicted' }, { field: 'count' }, { field: 'share', format: '.1%' }],
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: '#24292f' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** Precision, recall and F1 per class, grouped by class. */
export function perClassChart(rows: { name: string; precision: number; recall: number; f1: number }[], title: string): TopLevelSpec {
  const metrics = ['precision', 'recall', 'F1'];
  const values = rows.flatMap((r) => [
    { name: r.name, metric: 'precision', value: r.precision },
    { name: r.name, metric: 'recall', value: r.recall },
    { name: r.name, metric: 'F1', value: r.f1 },
  ]);
  return {
    title,
    width: { step: 14 }, // per bar: with xOffset the step is the offset band
    height: 200,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'name', type: 'nominal', sort: rows.map((r) => r.name), title: null, axis: { labelAngle: -35 } },
      xOffset: { field: 'metric', type: 'nominal', sort: metrics },
      y: { field: 'value', type: 'quantitative', title: 'score', scale: { domain: [0, 1] } },
      color: { field: 'metric', type: 'nominal', sort: metrics, title: null, scale: { domain: metrics, range: ['#4c78a8', '#f58518', '#54a24b'] }, legend: { orient: 'top' } },
      tooltip: [{ field: 'name', title: 'class' }, { field: 'metric' }, { field: 'value', format: '.3f' }],
    },
  } as TopLevelSpec;
}
