import type { Block, Inline, RenderedFigure, ReportDocument } from './document';
import { escapeBlockStart, escapeMarkdown as esc, headingSlug } from './escape';

function inline(parts: Inline[]): string {
  return parts
    .map((x) => {
      if (typeof x === 'string') return esc(x);
      if ('strong' in x) return `**${esc(x.strong)}**`;
      // Code spans take no backslash escapes; backticks in the text get a longer fence.
      const fence = x.code.includes('`') ? '``' : '`';
      return `${fence}${x.code.replace(/\r?\n/g, ' ').replace(/</g, '&lt;')}${fence}`;
    })
    .join('');
}

/** The markdown report; figures are referenced as `figures/<name>.svg|png` beside it. */
export function renderMarkdown(doc: ReportDocument, figures: Map<string, RenderedFigure>): string {
  const out: string[] = [];
  let figureNo = 0;
  let tableNo = 0;
  out.push(`# ${esc(doc.title)}`, '', escapeBlockStart(inline(doc.intro)), '', '## Contents', '');
  for (const s of doc.sections) out.push(`- [${esc(s.title)}](#${headingSlug(s.title)})`);
  out.push('');
  const block = (b: Block) => {
    switch (b.kind) {
      case 'paragraph':
        out.push(escapeBlockStart(inline(b.parts)), '');
        break;
      case 'note':
        out.push(`> **Note:** ${inline(b.parts)}`, '');
        break;
      case 'heading':
        out.push(`### ${esc(b.text)}`, '');
        break;
      case 'facts':
        for (const [k, v] of b.items) out.push(`- **${esc(k)}:** ${esc(v)}`);
        out.push('');
        break;
      case 'table': {
        tableNo++;
        out.push(`**Table ${tableNo}.** ${esc(b.caption)}`, '');
        out.push(`| ${b.columns.map((c) => esc(c) || ' ').join(' | ')} |`);
        out.push(`| ${b.columns.map((_, i) => (b.numeric?.[i] ? '---:' : '---')).join(' | ')} |`);
        for (const row of b.rows) out.push(`| ${row.map((c) => esc(c) || ' ').join(' | ')} |`);
        out.push('');
        break;
      }
      case 'figure': {
        figureNo++;
        const f = figures.get(b.name);
        if (!f) throw new Error(`figure ${b.name} was not rendered`);
        const file = `figures/${b.name}.${f.svg ? 'svg' : 'png'}`;
        out.push(`![Figure ${figureNo}: ${esc(b.caption)}](${file})`, '');
        const extra = f.svg && f.png ? ` ([PNG](figures/${b.name}.png))` : '';
        out.push(`*Figure ${figureNo}. ${esc(b.caption)}*${extra}`, '');
        break;
      }
    }
  };
  for (const s of doc.sections) {
    out.push(`## ${esc(s.title)}`, '');
    s.blocks.forEach(block);
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}
