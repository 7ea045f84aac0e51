import { describe, expect, it } from 'vitest';
import { barChart, correlationMatrixChart } from './charts';
import { normalizeIds, renderChart } from './vega-svg';

describe('renderChart', () => {
  it('renders Vega-Lite to SVG with data text escaped', async () => {
    const svg = await renderChart(barChart({ bars: [{ name: '<b>x</b> & y', value: 0.5 }, { name: 'z', value: 0.25 }], yTitle: 'acc', title: 'T', percent: true }), 't');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('&lt;b&gt;x&lt;/b&gt; &amp; y');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('50.0%');
  });

  it('gives the same bytes on every call although vega numbers ids process-wide', async () => {
    const spec = correlationMatrixChart({ uri: 'data:image/png;base64,iVBORw0KGgo=', variables: 785, size: 200, title: 'm' });
    const a = await renderChart(spec, 'm');
    const b = await renderChart(spec, 'm');
    expect(a).toBe(b);
    const ids = [...a.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0); // the colour legend's gradient
    for (const id of ids) expect(id).toMatch(/^m-\d+$/);
    for (const ref of a.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1]);
  });

  it('renames ids and their references consistently', () => {
    const svg = '<svg><defs><linearGradient id="gradient_7"/></defs><rect fill="url(#gradient_7)"/><use href="#gradient_7"/></svg>';
    expect(normalizeIds(svg, 'p')).toBe('<svg><defs><linearGradient id="p-1"/></defs><rect fill="url(#p-1)"/><use href="#p-1"/></svg>');
  });
});
