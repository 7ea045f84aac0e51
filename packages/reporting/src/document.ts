import type { TopLevelSpec } from 'vega-lite';

/**
 * The report as data: sections of blocks, rendered twice (markdown and HTML) by two small
 * renderers. Every string here is plain text taken as-is from the inputs; the renderers escape it.
 */
export type Inline = string | { strong: string } | { code: string };

export type Block =
  | { kind: 'paragraph'; parts: Inline[] }
  | { kind: 'note'; parts: Inline[] }
  | { kind: 'heading'; text: string }
  | { kind: 'facts'; items: [string, string][] }
  | { kind: 'table'; caption: string; columns: string[]; numeric?: boolean[]; rows: string[][] }
  | { kind: 'figure'; name: string; caption: string; chart?: TopLevelSpec; png?: Uint8Array; pixelated?: boolean };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface ReportDocument {
  title: string;
  intro: Inline[];
  sections: Section[];
}

/** A figure once its chart has been rendered: SVG text and/or PNG bytes. */
export interface RenderedFigure {
  name: string;
  svg?: string;
  png?: Uint8Array;
}

export const p = (...parts: Inline[]): Block => ({ kind: 'paragraph', parts });
export const note = (...parts: Inline[]): Block => ({ kind: 'note', parts });
