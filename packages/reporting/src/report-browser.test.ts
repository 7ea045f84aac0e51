import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReport } from './generate-report';
import { writePreparedDir, writeRunsDir, XSS_LABEL } from './testing/fixtures';

const CHROMIUM = process.env.FMNIST_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = process.env.FMNIST_TEST_ARTIFACTS ?? join(dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts');

let root: string;
let htmlPath: string;
let figureCount: number;
let browser: Browser;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmnist-report-browser-'));
  const prep = await writePreparedDir(join(root, 'data'), { train: 300, test: 200 });
  await writeRunsDir(join(root, 'runs'), prep.test);
  const r = await generateReport({ dataDir: join(root, 'data'), runsDir: join(root, 'runs'), outDir: join(root, 'out') });
  htmlPath = r.htmlPath;
  figureCount = [...(await readFile(r.markdownPath, 'utf8')).matchAll(/!\[Figure \d+/g)].length;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await rm(root, { recursive: true, force: true });
});

describe('report.html in headless Chromium, network blocked', () => {
  it('loads with no errors, no network, every figure drawn, and markup in labels shown as text', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const attempted: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      attempted.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    const failed: string[] = [];
    const dialogs: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => failed.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });

    const figures = await page.$$eval('figure .chart > svg, figure .chart > img', (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { w: r.width, h: r.height };
      }),
    );
    expect(figures.length).toBe(figureCount);
    expect(figureCount).toBeGreaterThanOrEqual(15);
    for (const f of figures) {
      expect(f.w).toBeGreaterThan(50);
      expect(f.h).toBeGreaterThan(50);
    }
    // every embedded PNG (sample grids, correlation matrix) decodes to a real image
    const images = await page.$$eval('svg image', (els) =>
      Promise.all(
        els.map(async (e) => {
          const img = new (globalThis as any).Image() as { src: string; decode(): Promise<void>; naturalWidth: number; naturalHeight: number };
          img.src = e.getAttribute('href') ?? e.getAttribute('xlink:href') ?? '';
          await img.decode();
          return { w: img.naturalWidth, h: img.naturalHeight, shown: e.getBoundingClientRect().width };
        }),
      ),
    );
    expect(images.length).toBe(3);
    for (const i of images) {
      expect(i.w).toBeGreaterThan(100);
      expect(i.shown).toBeGreaterThan(100);
    }

    expect(await page.locator('script').count()).toBe(0);
    expect(await page.getByText(XSS_LABEL).count()).toBeGreaterThan(0);
    expect(await page.locator('nav.toc a').count()).toBeGreaterThanOrEqual(6);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report-top.png') });

    // The markdown's images, as a markdown viewer shows them (<img> beside report.md): each loads.
    const md = await readFile(htmlPath.replace(/report\.html$/, 'report.md'), 'utf8');
    const links = [...md.matchAll(/\]\((figures\/[^)]+\.(?:svg|png))\)/g)].map((m) => m[1]);
    const page2 = await context.newPage();
    page2.on('console', (m) => m.type() === 'error' && errors.push(`markdown images: ${m.text()}`));
    await page2.goto(pathToFileURL(join(dirname(htmlPath), 'report.md')).href.replace(/report\.md$/, ''));
    const loaded = await page2.evaluate(async (srcs) => {
      const out: { src: string; w: number }[] = [];
      for (const src of srcs) {
        const img = new (globalThis as any).Image();
        img.src = src;
        await img.decode().catch(() => undefined);
        out.push({ src, w: img.naturalWidth });
      }
      return out;
    }, links);
    expect(loaded.length).toBeGreaterThanOrEqual(15);
    for (const l of loaded) expect(l.w, l.src).toBeGreaterThan(50);

    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    expect(attempted).toEqual([]);
    await context.close();
  });
});
