// Turns the packages' `onProgress({done,total,unit,label})` calls into a progress bar with rate
// and ETA on a terminal, or into one throttled line per step otherwise (pipes, CI, --json).

export interface ProgressEvent {
  done: number;
  total: number;
  unit: string;
  label?: string;
}
export type OnProgress = (p: ProgressEvent) => void;

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Draw an in-place bar (TTY) instead of lines. */
  tty: boolean;
  /** Lines as JSON objects (for --json consumers reading stderr). */
  json?: boolean;
  /** Print nothing at all. */
  quiet?: boolean;
  /** Minimum milliseconds between two plain lines of the same step (the final line always prints). */
  lineIntervalMs?: number;
  /** Minimum milliseconds between two redraws of the bar. */
  redrawIntervalMs?: number;
  /** Minimum milliseconds between two plain study lines (default 10 s). */
  statusIntervalMs?: number;
  now?: () => number;
}

/** The core pool's view of a study (the shape of @fmnist/experiments' PoolStatus). */
export interface StudyStatus {
  cores: number;
  running: { label: string; threads: number; done: number; total: number }[];
  waiting: number;
  work: { done: number; planned: number };
  etaSeconds?: number;
}

export interface ProgressRenderer {
  onProgress: OnProgress;
  /**
   * The study line: each running unit with its threads, the work done and one ETA for everything
   * submitted so far. On a terminal it takes the bar's place (the units' own bars would fight for
   * that line); otherwise one line per `statusIntervalMs`.
   */
  status(s: StudyStatus): void;
  /** Finish the current bar (newline) so that later output starts on a clean line. */
  stop(): void;
}

interface Step {
  key: string;
  startedAt: number;
  startDone: number;
  lastPrintAt: number;
  lastDone: number;
  finished: boolean;
}

export function createProgress(o: ProgressOptions): ProgressRenderer {
  const now = o.now ?? (() => Date.now());
  const lineInterval = o.lineIntervalMs ?? 3000;
  const redrawInterval = o.redrawIntervalMs ?? 100;
  const steps = new Map<string, Step>();
  let barVisible = false;
  // a study line is shown: on a terminal the units' bars stay hidden until stop()
  let studyShown = false;
  let lastStatusAt = -Infinity;

  const clearBar = () => {
    if (barVisible) {
      o.stream.write('\r\x1b[2K');
      barVisible = false;
    }
  };

  const onProgress: OnProgress = (p) => {
    if (o.quiet) return;
    const t = now();
    const label = p.label ?? '';
    // One step per label/unit/total: parallel folds or trials keep their own rate and throttle.
    // The count going backwards restarts the step (the same loop's next epoch).
    const key = `${label}\u0000${p.unit}\u0000${p.total}`;
    let step = steps.get(key);
    if (!step || p.done < step.lastDone) {
      step = { key, startedAt: t, startDone: p.done, lastPrintAt: -Infinity, lastDone: p.done, finished: false };
      steps.set(key, step);
      if (steps.size > 64) steps.delete(steps.keys().next().value as string);
    }
    const s = step;
    s.lastDone = p.done;
    if (studyShown && o.tty && !o.json) return;
    const final = p.total > 0 && p.done >= p.total;
    if (s.finished) return;
    const elapsed = (t - s.startedAt) / 1000;
    // No rate until some time has passed and some work was done since the step started.
    const rate = elapsed > 0.05 && p.done > s.startDone ? (p.done - s.startDone) / elapsed : undefined;
    const eta = rate && p.total > 0 ? (p.total - p.done) / rate : undefined;

    if (o.tty && !o.json) {
      if (!final && t - s.lastPrintAt < redrawInterval) return;
      s.lastPrintAt = t;
      const width = Math.max(40, (o.stream.columns || 80) - 1);
      o.stream.write(`\r\x1b[2K${renderBar({ ...p, label }, rate, eta, elapsed, width)}`);
      barVisible = true;
      if (final) {
        o.stream.write('\n');
        barVisible = false;
        s.finished = true;
      }
      return;
    }
    if (!final && t - s.lastPrintAt < lineInterval) return;
    s.lastPrintAt = t;
    if (final) s.finished = true;
    if (o.json) {
      o.stream.write(
        `${JSON.stringify({ progress: { label, done: p.done, total: p.total, unit: p.unit, rate: rate === undefined ? null : round(rate), etaSeconds: eta === undefined ? null : Math.round(eta), elapsedSeconds: round(elapsed) } })}\n`,
      );
    } else {
      o.stream.write(`${renderLine({ ...p, label }, rate, eta, elapsed)}\n`);
    }
  };

  const status = (st: StudyStatus) => {
    if (o.quiet) return;
    const t = now();
    const tty = o.tty && !o.json;
    if (t - lastStatusAt < (tty ? redrawInterval : (o.statusIntervalMs ?? 10_000))) return;
    lastStatusAt = t;
    studyShown = true;
    if (o.json) {
      o.stream.write(`${JSON.stringify({ study: { ...st, etaSeconds: st.etaSeconds === undefined ? null : Math.round(st.etaSeconds) } })}\n`);
      return;
    }
    const line = renderStudy(st);
    if (tty) {
      const width = Math.max(40, (o.stream.columns || 80) - 1);
      o.stream.write(`\r\x1b[2K${line.slice(0, width)}`);
      barVisible = true;
    } else o.stream.write(`${line}\n`);
  };

  return {
    onProgress,
    status,
    stop() {
      clearBar();
      studyShown = false;
    },
  };
}

/** `study 34%, ETA 2:10: fold 2/5 ×1 60%, holdout ×1 12% (3 waiting)` */
export function renderStudy(st: StudyStatus): string {
  const pct = st.work.planned > 0 ? `${Math.floor((100 * Math.min(st.work.done, st.work.planned)) / st.work.planned)}%` : '--';
  const units = st.running.map((u) => `${u.label} ×${u.threads}${u.total > 0 ? ` ${Math.floor((100 * u.done) / u.total)}%` : ''}`);
  const waiting = st.waiting ? ` (${st.waiting} waiting)` : '';
  return `study ${pct}, ETA ${st.etaSeconds === undefined ? '--' : formatDuration(st.etaSeconds)}: ${units.join(', ') || 'idle'}${waiting}`;
}

const round = (x: number) => Math.round(x * 10) / 10;

/** `12.3 MB` for byte units, `1,234 images` otherwise. */
export function formatAmount(n: number, unit: string): string {
  if (isByteUnit(unit)) return formatBytes(n);
  return `${Math.round(n).toLocaleString('en-US')}${unit ? ` ${unit}` : ''}`;
}

export function formatRate(rate: number | undefined, unit: string): string {
  if (rate === undefined) return `-- ${isByteUnit(unit) ? 'B' : shortUnit(unit)}/s`;
  if (isByteUnit(unit)) return `${formatBytes(rate)}/s`;
  const r = rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate.toFixed(1);
  return `${r} ${shortUnit(unit)}/s`;
}

/** `1:02:03` / `2:03` / `5s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function isByteUnit(unit: string): boolean {
  return /^(b|bytes?)$/i.test(unit);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function shortUnit(unit: string): string {
  const map: Record<string, string> = { images: 'img', image: 'img', rows: 'rows', row: 'rows', epochs: 'epoch', trials: 'trial', folds: 'fold' };
  return map[unit] ?? (unit || 'it');
}

/** `3.1 MB/25.2 MB` for bytes, `1,200/5,000 images` otherwise. */
function formatCounts(done: number, total: number, unit: string): string {
  if (!(total > 0)) return formatAmount(done, unit);
  if (isByteUnit(unit)) return `${formatBytes(done)}/${formatBytes(total)}`;
  return `${formatAmount(done, '')}/${formatAmount(total, unit)}`;
}

function renderLine(p: Required<ProgressEvent>, rate: number | undefined, eta: number | undefined, elapsed: number): string {
  const pct = p.total > 0 ? ` (${Math.floor((100 * p.done) / p.total)}%)` : '';
  const of = formatCounts(p.done, p.total, p.unit);
  const tail = p.total > 0 && p.done >= p.total ? `done in ${formatDuration(elapsed)}` : `ETA ${eta === undefined ? '--' : formatDuration(eta)}`;
  return `${p.label ? `${p.label}: ` : ''}${of}${pct}, ${formatRate(rate, p.unit)}, ${tail}`;
}

function renderBar(p: Required<ProgressEvent>, rate: number | undefined, eta: number | undefined, elapsed: number, width: number): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
  const counts = formatCounts(p.done, p.total, p.unit);
  const tail = `${pct} ${counts} ${formatRate(rate, p.unit)} ${p.done >= p.total && p.total > 0 ? formatDuration(elapsed) : `ETA ${eta === undefined ? '--' : formatDuration(eta)}`}`;
  const label = p.label ? `${p.label.length > 24 ? `${p.label.slice(0, 23)}…` : p.label} ` : '';
  const barWidth = Math.max(10, Math.min(30, width - label.length - tail.length - 3));
  const filled = Math.round(frac * barWidth);
  return `${label}[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${tail}`.slice(0, width);
}
