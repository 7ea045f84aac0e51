import { scheme } from 'vega';

/**
 * Colours for correlation values in [-1, 1] taken from vega's own 'redblue' scheme (reversed:
 * blue negative, red positive), so that PNG heatmaps match the charts' colour legends exactly.
 * NaN (a constant variable) is light grey.
 */
export const CORRELATION_SCHEME = 'redblue';
export const NAN_RGB: [number, number, number] = [200, 200, 200];

export function correlationPalette(steps = 256): Uint8Array {
  const interp = scheme(CORRELATION_SCHEME) as (t: number) => string;
  const out = new Uint8Array(steps * 3);
  for (let i = 0; i < steps; i++) {
    const m = /rgb\((\d+), ?(\d+), ?(\d+)\)/.exec(interp(1 - i / (steps - 1)));
    if (!m) throw new Error(`unexpected colour ${interp(i / (steps - 1))}`);
    out.set([Number(m[1]), Number(m[2]), Number(m[3])], i * 3);
  }
  return out;
}

/** The 785x785 (or any square) matrix as RGB, one pixel per entry. */
export function correlationRgb(m: Float64Array, side: number): Uint8Array {
  const palette = correlationPalette();
  const steps = palette.length / 3;
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < side * side; i++) {
    const v = m[i];
    if (Number.isNaN(v)) {
      rgb.set(NAN_RGB, i * 3);
      continue;
    }
    const k = Math.round(((Math.max(-1, Math.min(1, v)) + 1) / 2) * (steps - 1));
    rgb[i * 3] = palette[k * 3];
    rgb[i * 3 + 1] = palette[k * 3 + 1];
    rgb[i * 3 + 2] = palette[k * 3 + 2];
  }
  return rgb;
}
