// How a batch is cut into shards for data-parallel training. The cut depends only on the batch
// size and the shard count, never on the thread count, so every thread count computes the same
// shards (and the same per-shard gradients) and reduces them in the same order.

/** Shards per batch unless the caller says otherwise: more than the threads a user gives, for any machine we run on. */
export const DEFAULT_SHARDS = 4;

/** Half-open row ranges [start, end) of `shards` near-equal shards of a batch of `m` rows (some empty when m < shards). */
export function shardRanges(m: number, shards: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < shards; s++) out.push([Math.floor((s * m) / shards), Math.floor(((s + 1) * m) / shards)]);
  return out;
}

/** The shards thread `t` of `threads` computes: t, t + threads, ... */
export function shardsOfThread(t: number, threads: number, shards: number): number[] {
  const out: number[] = [];
  for (let s = t; s < shards; s += threads) out.push(s);
  return out;
}
