import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, formatRate, renderStudy } from './progress';

function sink(isTTY = false) {
  const chunks: string[] = [];
  return { stream: { isTTY, columns: 100, write: (s: string) => (chunks.push(s), true) } as any, chunks };
}

describe('progress rendering', () => {
  it('prints throttled lines with rate and ETA when not a TTY, and always the final line', () => {
    const { stream, chunks } = sink();
    let now = 0;
    const p = createProgress({ stream, tty: false, lineIntervalMs: 2000, now: () => now });
    for (let done = 0; done <= 1000; done += 100) {
      p.onProgress({ done, total: 1000, unit: 'images', label: 'epoch 1' });
      now += 500; // 100 images per 0.5 s = 200 img/s
    }
    const lines = chunks.join('').trim().split('\n');
    // first call, then every 2 s (4 calls), then the final one
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(lines[0]).toContain('epoch 1: 0/1,000 images (0%)');
    expect(lines[1]).toMatch(/200(\.0)? img\/s, ETA \d+s/);
    expect(lines.at(-1)).toMatch(/1,000\/1,000 images \(100%\), 200(\.0)? img\/s, done in 5s/);
  });

  it('keeps a separate rate and throttle per label (parallel folds), and prints a final line once', () => {
    const { stream, chunks } = sink();
    let now = 0;
    const p = createProgress({ stream, tty: false, lineIntervalMs: 1000, now: () => now });
    for (let i = 0; i <= 10; i++) {
      p.onProgress({ done: i * 100, total: 1000, unit: 'images', label: 'fold 1/2' }); // 200 img/s
      p.onProgress({ done: i * 50, total: 500, unit: 'images', label: 'fold 2/2' }); // 100 img/s
      now += 500;
    }
    p.onProgress({ done: 1000, total: 1000, unit: 'images', label: 'fold 1/2' });
    const lines = chunks.join('').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('fold 1/2') && l.includes('done in'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('fold 2/2') && l.includes('done in'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('fold 1/2') && /ETA \d/.test(l)).every((l) => /200(\.0)? img\/s/.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('fold 2/2') && /ETA \d/.test(l)).every((l) => /100(\.0)? img\/s/.test(l))).toBe(true);
  });

  it('draws an in-place bar on a TTY and ends it with a newline', () => {
    const { stream, chunks } = sink(true);
    let now = 0;
    const p = createProgress({ stream, tty: true, redrawIntervalMs: 0, now: () => now });
    for (let done = 0; done <= 4 * 1024 * 1024; done += 1024 * 1024) {
      p.onProgress({ done, total: 4 * 1024 * 1024, unit: 'bytes', label: 'train-images' });
      now += 1000;
    }
    const out = chunks.join('');
    expect(out).toContain('\r\x1b[2K');
    expect(out).toContain('1.0 MB/s');
    expect(out).toContain('4.0 MB/4.0 MB');
    expect(out.endsWith('\n')).toBe(true);
  });

  it('emits JSON lines for --json and nothing for --quiet', () => {
    const a = sink();
    const p = createProgress({ stream: a.stream, tty: false, json: true, now: () => 0 });
    p.onProgress({ done: 5, total: 5, unit: 'folds' });
    expect(JSON.parse(a.chunks[0]).progress).toMatchObject({ done: 5, total: 5, unit: 'folds' });
    const q = sink();
    createProgress({ stream: q.stream, tty: false, quiet: true }).onProgress({ done: 1, total: 1, unit: 'x' });
    expect(q.chunks).toEqual([]);
  });

  it('shows the study line: each running unit with its threads and one ETA; on a TTY it replaces the units\' bars', () => {
    const st = { cores: 2, running: [{ label: 'fold 5/5', threads: 2, done: 30, total: 100 }, { label: 'holdout', threads: 1, done: 0, total: 0 }], waiting: 3, work: { done: 340, planned: 1000 }, etaSeconds: 130 };
    expect(renderStudy(st)).toBe('study 34%, ETA 2:10: fold 5/5 ×2 30%, holdout ×1 (3 waiting)');
    const tty = sink(true);
    let now = 0;
    const p = createProgress({ stream: tty.stream, tty: true, redrawIntervalMs: 0, now: () => now });
    p.status(st);
    p.onProgress({ done: 10, total: 100, unit: 'images', label: 'fold 5/5 epoch 1/3' });
    expect(tty.chunks.join('')).toBe('\r\x1b[2Kstudy 34%, ETA 2:10: fold 5/5 ×2 30%, holdout ×1 (3 waiting)');
    p.stop();
    p.onProgress({ done: 20, total: 100, unit: 'images', label: 'report' });
    expect(tty.chunks.join('')).toContain('report [');
    // plain lines: at most one per statusIntervalMs
    const plain = sink();
    const q = createProgress({ stream: plain.stream, tty: false, statusIntervalMs: 5000, now: () => now });
    for (let i = 0; i < 10; i++, now += 1000) q.status(st);
    expect(plain.chunks).toHaveLength(2);
    const j = sink();
    createProgress({ stream: j.stream, tty: false, json: true, now: () => 0 }).status(st);
    expect(JSON.parse(j.chunks[0]).study).toMatchObject({ running: st.running, etaSeconds: 130 });
  });

  it('formats rates and durations', () => {
    expect(formatRate(2250.4, 'images')).toBe('2,250 img/s');
    expect(formatRate(3 * 1024 * 1024, 'bytes')).toBe('3.0 MB/s');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(61)).toBe('1:01');
    expect(formatDuration(3723)).toBe('1:02:03');
  });
});
