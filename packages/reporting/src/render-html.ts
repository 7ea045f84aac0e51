import type { Block, Inline, RenderedFigure, ReportDocument } from './document';
import { escapeHtml as esc } from './escape';
import { dataUri } from './png';

const CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0969da; --note: #fff8c5; --note-line: #d4a72c; }
* { box-sizing: border-box; }
html { scroll-behavior: smooth; }
body { margin: 0; color: var(--fg); background: #fff; font: 15px/1.6 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
.layout { display: grid; grid-template-columns: 250px minmax(0, 1fr); max-width: 1320px; margin: 0 auto; }
nav.toc { position: sticky; top: 0; align-self: start; height: 100vh; overflow-y: auto; padding: 28px 16px 28px 24px; border-right: 1px solid var(--line); font-size: 14px; }
nav.toc h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 10px; border: 0; padding: 0; }
nav.toc ol { list-style: none; margin: 0; padding: 0; }
nav.toc li { margin: 2px 0; }
nav.toc li li { padding-left: 14px; font-size: 13px; }
nav.toc a { color: var(--fg); text-decoration: none; display: block; padding: 2px 6px; border-radius: 6px; }
nav.toc a:hover { background: var(--soft); color: var(--accent); }
main { padding: 28px 40px 80px; min-width: 0; }
header h1 { font-size: 30px; margin: 0 0 6px; letter-spacing: -.01em; }
header p { color: var(--muted); margin: 0 0 8px; }
h2 { font-size: 23px; margin: 44px 0 14px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 17px; margin: 28px 0 10px; }
p { margin: 0 0 12px; max-width: 80ch; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 1px 5px; border-radius: 5px; overflow-wrap: anywhere; }
.note { background: var(--note); border-left: 4px solid var(--note-line); padding: 8px 14px; border-radius: 4px; margin: 0 0 14px; max-width: 90ch; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 6px 24px; margin: 0 0 16px; font-size: 14px; max-width: 960px; }
dl.facts div { border-left: 3px solid var(--line); padding: 1px 0 1px 10px; }
dl.facts dt { color: var(--muted); font-size: 12.5px; }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; font-weight: 500; }
.table-block { margin: 0 0 22px; }
.table-wrap { overflow-x: auto; }
p.caption { color: var(--muted); font-size: 13.5px; margin: 0 0 6px; }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
p.caption b, figcaption b { color: var(--fg); }
th, td { border-bottom: 1px solid var(--line); padding: 5px 12px; text-align: left; vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 16em; max-width: 36em; overflow-wrap: anywhere; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
td.num, th.num { text-align: right; }
/* Figures flow side by side when they fit; the caption wraps to its figure's width. */
.figure-row { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 4px 28px; margin: 8px 0 22px; }
figure { display: table; margin: 0; }
figure .chart { overflow-x: auto; }
figure svg, figure img { max-width: 100%; height: auto; display: block; }
figure.pixelated image, figure.pixelated img { image-rendering: pixelated; }
figcaption { display: table-caption; caption-side: bottom; color: var(--muted); font-size: 13.5px; padding-top: 6px; }
footer { margin-top: 60px; color: var(--muted); font-size: 13px; }
@media (max-width: 900px) { .layout { display: block; } nav.toc { position: static; height: auto; border-right: 0; border-bottom: 1px solid var(--line); } main { padding: 20px; } }
@media print { nav.toc { display: none; } .layout { display: block; } }
`;

function inline(parts: Inline[]): string {
  return parts
    .map((x) => (typeof x === 'string' ? esc(x) : 'strong' in x ? `<strong>${esc(x.strong)}</strong>` : `<code>${esc(x.code)}</code>`))
    .join('');
}

/**
 * The HTML report: one self-contained file. Charts are inline SVG, images data: URIs, CSS inline;
 * a Content-Security-Policy allows nothing else (no scripts, no network).
 */
export function renderHtml(doc: ReportDocument, figures: Map<string, RenderedFigure>): string {
  let figureNo = 0;
  let tableNo = 0;
  const block = (b: Block, sectionId: string, headingNo: number): string => {
    switch (b.kind) {
      case 'paragraph':
        return `<p>${inline(b.parts)}</p>`;
      case 'note':
        return `<div class="note" role="note">${inline(b.parts)}</div>`;
      case 'heading':
        return `<h3 id="${sectionId}-${headingNo}">${esc(b.text)}</h3>`;
      case 'facts':
        return `<dl class="facts">${b.items.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>`;
      case 'table': {
        tableNo++;
        const cls = (i: number) => (b.numeric?.[i] ? ' class="num"' : '');
        const head = b.columns.map((c, i) => `<th scope="col"${cls(i)}>${esc(c)}</th>`).join('');
        // Short cells never wrap (numbers, class names, timestamps); long free text may.
        const td = (c: string, i: number) => `<td${b.numeric?.[i] ? ' class="num"' : c.length > 32 ? ' class="wrap"' : ''}>${esc(c)}</td>`;
        const body = b.rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('\n');
        return `<div class="table-block"><p class="caption" id="table-${tableNo}"><b>Table ${tableNo}.</b> ${esc(b.caption)}</p><div class="table-wrap"><table aria-labelledby="table-${tableNo}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div></div>`;
      }
      case 'figure': {
        figureNo++;
        const f = figures.get(b.name);
        if (!f) throw new Error(`figure ${b.name} was not rendered`);
        const content = f.svg ?? `<img src="${dataUri(f.png!)}" alt="${esc(b.caption)}">`;
        return `<figure id="fig-${b.name}" class="${b.pixelated ? 'pixelated' : ''}"><div class="chart">${content}</div><figcaption><b>Figure ${figureNo}.</b> ${esc(b.caption)}</figcaption></figure>`;
      }
    }
  };
  const toc: string[] = [];
  const body: string[] = [];
  for (const s of doc.sections) {
    let h = 0;
    const sub: string[] = [];
    const parts: string[] = [];
    let row: string[] = []; // consecutive figures share a row and sit side by side when they fit
    const flush = () => {
      if (row.length) parts.push(`<div class="figure-row">${row.join('\n')}</div>`);
      row = [];
    };
    for (const b of s.blocks) {
      if (b.kind === 'heading') {
        h++;
        sub.push(`<li><a href="#${s.id}-${h}">${esc(b.text)}</a></li>`);
      }
      if (b.kind === 'figure') {
        row.push(block(b, s.id, h));
        continue;
      }
      flush();
      parts.push(block(b, s.id, h));
    }
    flush();
    toc.push(`<li><a href="#${s.id}">${esc(s.title)}</a>${sub.length ? `<ol>${sub.join('')}</ol>` : ''}</li>`);
    body.push(`<section id="${s.id}"><h2>${esc(s.title)}</h2>\n${parts.join('\n')}\n</section>`);
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${esc(doc.title)}</title>
<style>${CSS}</style>
</head>
<body>
<div class="layout">
<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>${toc.join('')}</ol></nav>
<main>
<header><h1>${esc(doc.title)}</h1><p>${inline(doc.intro)}</p></header>
${body.join('\n')}
<footer>Generated by @fmnist/reporting from the prepared data and run directories; this file needs no network access.</footer>
</main>
</div>
</body>
</html>
`;
}
