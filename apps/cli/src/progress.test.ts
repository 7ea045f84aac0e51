import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, formatRate } from './progress';

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

  it('formats rates and durations', () => {
    expect(formatRate(2250.4, 'images')).toBe('2,250 img/s');
    expect(formatRate(3 * 1024 * 1024, 'bytes')).toBe('3.0 MB/s');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(61)).toBe('1:01');
    expect(formatDuration(3723)).toBe('1:02:03');
  });
});
