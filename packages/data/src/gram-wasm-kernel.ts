/** A compiled WebAssembly module (opaque here). */
export type WasmModule = object;

/** The little of the WebAssembly API used here (the project's TypeScript lib has no WebAssembly typings). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (o: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (m: WasmModule, imports: object) => { exports: Record<string, unknown> };
}

/** A Gram accumulator over panels of rows: `panel(r0)` adds rows r0..r0+kc-1 (fewer at the end). */
export interface GramPanels {
  panel(r0: number): void;
  /** The accumulated Gram matrix (GRAM_STRIDE x GRAM_STRIDE, upper triangle). */
  result(): Float64Array;
}

/**
 * The WebAssembly SIMD version of gram-kernel.ts (wasm/gram.c): same inputs, same exact result,
 * bit for bit. `module` is the compiled gram.wasm, instantiated with its own memory:
 *
 *   [images of one panel: kc*784 B][labels: kc B][int16 panel: 788*kc*2 B][G: 788*788 float64][block rows]
 *
 * Self-contained (no imports, nothing from the enclosing scope): also shipped to worker threads
 * as source text.
 */
export function gramWasmKernel(
  module: WasmModule,
  images: Uint8Array,
  labels: Uint8Array,
  n: number,
  blockRows: Int32Array,
  kc: number,
): GramPanels {
  const P = 784;
  const VP = 788;
  const imagesOff = 0;
  const labelsOff = kc * P;
  const panelOff = Math.ceil((labelsOff + kc) / 16) * 16;
  const gOff = panelOff + VP * kc * 2;
  const blocksOff = gOff + VP * VP * 8;
  const bytes = blocksOff + blockRows.length * 4;
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const memory = new wa.Memory({ initial: Math.ceil(bytes / 65536) });
  const instance = new wa.Instance(module, { env: { memory } });
  const pack = instance.exports.pack as (images: number, labels: number, rows: number, kc: number, panel: number) => void;
  const gramPanel = instance.exports.gram_panel as (panel: number, kc: number, blocks: number, nbr: number, g: number) => void;
  const heap = new Uint8Array(memory.buffer);
  new Int32Array(memory.buffer, blocksOff, blockRows.length).set(blockRows);
  // V8 runs a wasm function in its baseline tier until the optimised code is ready, and a call
  // already running stays in the tier it started in: a call over a whole panel ran the first
  // panel 4x slower. A few block rows per call let the optimised code take over within
  // milliseconds; the calls themselves cost nothing next to their work.
  const BLOCKS_PER_CALL = 8;
  return {
    panel: (r0: number) => {
      const rows = Math.min(kc, n - r0);
      heap.set(images.subarray(r0 * P, (r0 + rows) * P), imagesOff);
      heap.set(labels.subarray(r0, r0 + rows), labelsOff);
      if (rows < kc) {
        // the kernel packs whole groups of 8 rows: the rest of a last, partial panel is zero
        heap.fill(0, imagesOff + rows * P, imagesOff + kc * P);
        heap.fill(0, labelsOff + rows, labelsOff + kc);
      }
      pack(imagesOff, labelsOff, rows, kc, panelOff);
      for (let t = 0; t < blockRows.length; t += BLOCKS_PER_CALL) {
        gramPanel(panelOff, kc, blocksOff + t * 4, Math.min(BLOCKS_PER_CALL, blockRows.length - t), gOff);
      }
    },
    result: () => new Float64Array(memory.buffer.slice(gOff, gOff + VP * VP * 8)),
  };
}
