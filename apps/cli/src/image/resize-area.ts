// Resampling by area averaging: each output pixel is the mean of the source area it covers,
// with fractional weights at the edges (a box filter). Exact for integer downscaling factors.

/** Per output index, the source indices and weights (summing to 1) of one axis. */
function axisWeights(srcLen: number, dstLen: number): { idx: Int32Array; w: Float64Array; start: Int32Array } {
  const scale = srcLen / dstLen;
  const idxs: number[] = [];
  const ws: number[] = [];
  const start = new Int32Array(dstLen + 1);
  for (let o = 0; o < dstLen; o++) {
    start[o] = idxs.length;
    const a = o * scale;
    const b = a + scale;
    for (let s = Math.floor(a); s < Math.min(srcLen, Math.ceil(b)); s++) {
      const cover = Math.min(b, s + 1) - Math.max(a, s);
      if (cover > 1e-12) {
        idxs.push(s);
        ws.push(cover / scale);
      }
    }
  }
  start[dstLen] = idxs.length;
  return { idx: Int32Array.from(idxs), w: Float64Array.from(ws), start };
}

/** Fills `row` (srcW values) with source row y. */
export type RowSource = (y: number, row: Float64Array) => void;

/**
 * Resizes a single-channel float image to dstW × dstH. The source is row-major values, or a
 * function giving one row at a time: then only one source row is held (a large photo is never
 * copied whole), with the same result to the bit.
 */
export function resizeArea(src: Float64Array | RowSource, srcW: number, srcH: number, dstW: number, dstH: number): Float64Array {
  const hx = axisWeights(srcW, dstW);
  const hy = axisWeights(srcH, dstH);
  const tmp = new Float64Array(dstW * srcH);
  const rowOf = typeof src === 'function' ? src : (y: number, row: Float64Array) => row.set(src.subarray(y * srcW, (y + 1) * srcW));
  const row = new Float64Array(srcW);
  for (let y = 0; y < srcH; y++) {
    rowOf(y, row);
    for (let x = 0; x < dstW; x++) {
      let acc = 0;
      for (let k = hx.start[x]; k < hx.start[x + 1]; k++) acc += row[hx.idx[k]] * hx.w[k];
      tmp[y * dstW + x] = acc;
    }
  }
  const out = new Float64Array(dstW * dstH);
  for (let y = 0; y < dstH; y++) {
    for (let k = hy.start[y]; k < hy.start[y + 1]; k++) {
      const row = hy.idx[k] * dstW;
      const wk = hy.w[k];
      for (let x = 0; x < dstW; x++) out[y * dstW + x] += tmp[row + x] * wk;
    }
  }
  return out;
}
