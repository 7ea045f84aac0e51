// Per-step learning-rate schedules (one-cycle, triangular): the rate is a pure function of the
// step, so the training loop sets it before each step and a resumed run needs no schedule state.
import { ANNEAL_SHAPES, LR_SCHEDULE_KINDS, TRAIN_LIMITS, checkRange, scheduleProblem, type LrSchedule } from './limits';

export type { LrSchedule };

/** Throws a RangeError naming the first field that is out of range or does not fit the kind. */
export function checkSchedule(s: LrSchedule): void {
  if (!LR_SCHEDULE_KINDS.includes(s.kind)) throw new RangeError(`schedule.kind must be one of ${LR_SCHEDULE_KINDS.join(', ')}, got ${String(s.kind)}`);
  const problem = scheduleProblem(s);
  if (problem) throw new RangeError(`schedule: ${problem}`);
  if (s.warmupFraction !== undefined) checkRange('schedule.warmupFraction', s.warmupFraction, TRAIN_LIMITS.warmupFraction);
  if (s.anneal !== undefined && !ANNEAL_SHAPES.includes(s.anneal)) throw new RangeError(`schedule.anneal must be one of ${ANNEAL_SHAPES.join(', ')}, got ${String(s.anneal)}`);
  for (const k of ['startFactor', 'endFactor', 'minFactor'] as const) if (s[k] !== undefined) checkRange(`schedule.${k}`, s[k], TRAIN_LIMITS.lrFactor);
  if (s.cycles !== undefined) checkRange('schedule.cycles', s.cycles, TRAIN_LIMITS.cycles);
}

/** The learning rate of step `step` (0-based) of `totalSteps`, for a schedule whose peak is `peak`. */
export function scheduledLearningRate(s: LrSchedule, peak: number, step: number, totalSteps: number): number {
  const last = Math.max(1, totalSteps - 1);
  const t = Math.min(1, Math.max(0, step / last));
  if (s.kind === 'triangular') {
    const cycles = s.cycles ?? 1;
    const low = (s.minFactor ?? 0.1) * peak;
    const phase = (t * cycles) % 1;
    // t = 1 ends the last cycle at its low point (phase wraps to 0)
    const up = t === 1 ? 0 : phase < 0.5 ? phase * 2 : 2 - phase * 2;
    return low + (peak - low) * up;
  }
  const warm = s.warmupFraction ?? 0.25;
  const start = (s.startFactor ?? 0.04) * peak;
  const end = (s.endFactor ?? 0.001) * peak;
  if (t < warm) return start + (peak - start) * (t / warm);
  const d = warm >= 1 ? 1 : (t - warm) / (1 - warm);
  const down = s.anneal === 'linear' ? 1 - d : (1 + Math.cos(Math.PI * d)) / 2;
  return end + (peak - end) * down;
}
