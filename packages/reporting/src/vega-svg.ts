import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The look shared by every chart. */
export const CHART_CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  padding: 8,
  view: { stroke: '#d0d7de' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, gridColor: '#eaeef2', domainColor: '#8c959f', tickColor: '#8c959f' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600 },
  title: { fontSize: 13, fontWeight: 600, anchor: 'start' as const, offset: 10 },
  range: { category: ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac', '#eeca3b'] },
};

/**
 * Compiles a Vega-Lite spec and renders it to SVG headlessly (renderer 'none', no canvas: text
 * widths are estimated). Element ids (clip paths, gradients) come from vega's process-wide
 * counters, so they are renamed `<prefix>-<n>` in document order: the SVG is then the same on
 * every run and several SVGs can be inlined into one HTML page without id clashes.
 */
export async function renderChart(spec: TopLevelSpec, prefix: string): Promise<string> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec as any).config } } as TopLevelSpec;
  const vg = compile(withConfig).spec;
  const view = new View(parse(vg), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return normalizeIds(svg, prefix);
  } finally {
    view.finalize();
  }
}

export function normalizeIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (!ids.has(m[1])) ids.set(m[1], `${prefix}-${ids.size + 1}`);
  }
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (all, a, id, b) => (ids.has(id) ? a + ids.get(id) + b : all))
    .replace(/url\(#([^)]+)\)/g, (all, id) => (ids.has(id) ? `url(#${ids.get(id)})` : all))
    .replace(/(href=")#([^"]+)(")/g, (all, a, id, b) => (ids.has(id) ? `${a}#${ids.get(id)}${b}` : all));
}
