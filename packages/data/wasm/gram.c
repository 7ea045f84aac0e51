// The Gram-matrix kernel of @fmnist/data's Pearson correlation in WebAssembly SIMD.
// G[a][b] += sum_r X[r][a] * X[r][b] over the variables label, pixel1..pixel784, ones
// (785), two zero pads (786, 787), for one panel of rows. Values are uint8 held as int16, so
// `i32x4.dot_i16x8_s` does 8 multiply-adds per instruction exactly; every sum is an integer, and
// the int32 lanes (at most kc/8 * 2 * 255^2 per panel) are flushed into float64 G, exact below 2^53.
//
// Build: node packages/data/wasm/build.mjs (needs clang + wasm-ld; the result is committed as
// base64 in packages/data/src/gram-wasm-binary.ts, so users need nothing).
// No libc, no static data, no shadow stack: the module imports its memory from JS.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define PIX 784
#define VP 788
#define NB 197

typedef unsigned char u8;
typedef short i16;
typedef int i32;

// Transposes `rows` rows (row-major images, 784 bytes each, and labels) into the variable-major
// int16 panel of `kc` rows per variable; rows rows..kc-1 are zero (kc is a multiple of 8).
EXPORT(pack) void pack(const u8* images, const u8* labels, i32 rows, i32 kc, i16* panel) {
  for (i32 r = 0; r < kc; r++) {
    i32 live = r < rows;
    panel[r] = live ? labels[r] : 0;
    panel[785 * kc + r] = (i16)live;
    panel[786 * kc + r] = 0;
    panel[787 * kc + r] = 0;
  }
  for (i32 r = 0; r < rows; r++) {
    const u8* src = images + r * PIX;
    i16* dst = panel + kc + r;
    for (i32 p = 0; p < PIX; p++) dst[p * kc] = src[p];
  }
  for (i32 p = 1; p <= PIX; p++) {
    for (i32 r = rows; r < kc; r++) panel[p * kc + r] = 0;
  }
}

static inline double hsum(v128_t v) {
  return (double)(wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) +
                  wasm_i32x4_extract_lane(v, 2) + wasm_i32x4_extract_lane(v, 3));
}

#define DOT(acc, x, y) acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(x, y))

// For each block row bi in blockRows and every bj >= bi: the 4x4 block of G, in two 4x2 halves
// (8 accumulators + 4 + 1 vectors fit the 16 x86 vector registers).
EXPORT(gram_panel) void gram_panel(const i16* panel, i32 kc, const i32* blockRows, i32 nbr, double* G) {
  for (i32 t = 0; t < nbr; t++) {
    i32 bi = blockRows[t];
    const i16* a0 = panel + 4 * bi * kc;
    const i16* a1 = a0 + kc;
    const i16* a2 = a1 + kc;
    const i16* a3 = a2 + kc;
    for (i32 bj = bi; bj < NB; bj++) {
      for (i32 half = 0; half < 2; half++) {
        const i16* b0 = panel + (4 * bj + 2 * half) * kc;
        const i16* b1 = b0 + kc;
        v128_t s00 = wasm_i32x4_splat(0), s01 = s00, s10 = s00, s11 = s00;
        v128_t s20 = s00, s21 = s00, s30 = s00, s31 = s00;
        for (i32 r = 0; r < kc; r += 8) {
          v128_t x0 = wasm_v128_load(a0 + r);
          v128_t x1 = wasm_v128_load(a1 + r);
          v128_t x2 = wasm_v128_load(a2 + r);
          v128_t x3 = wasm_v128_load(a3 + r);
          v128_t y = wasm_v128_load(b0 + r);
          DOT(s00, x0, y); DOT(s10, x1, y); DOT(s20, x2, y); DOT(s30, x3, y);
          y = wasm_v128_load(b1 + r);
          DOT(s01, x0, y); DOT(s11, x1, y); DOT(s21, x2, y); DOT(s31, x3, y);
        }
        double* g = G + 4 * bi * VP + 4 * bj + 2 * half;
        g[0] += hsum(s00); g[1] += hsum(s01);
        g += VP;
        g[0] += hsum(s10); g[1] += hsum(s11);
        g += VP;
        g[0] += hsum(s20); g[1] += hsum(s21);
        g += VP;
        g[0] += hsum(s30); g[1] += hsum(s31);
      }
    }
  }
}
