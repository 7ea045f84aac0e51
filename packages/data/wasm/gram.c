// The Gram-matrix kernel of @fmnist/data's Pearson correlation in WebAssembly SIMD.
// G[a][b] += sum_r X[r][a] * X[r][b] over the variables label, pixel1..pixel784, ones
// (785), two zero pads (786, 787), for one panel of rows. Values are uint8 held as int16, so
// `i32x4.dot_i16x8_s` does 8 multiply-adds per instruction exactly; every sum is an integer, and
// the int32 lanes (at most kc/8 * 2 * 255^2 per panel) are flushed into float64 G, exact below 2^53.
//
// Build: node tools/build-wasm.mjs (needs clang + wasm-ld; the result is committed as
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

// Transposes one panel of kc rows (row-major images, 784 bytes each, and labels; kc a multiple
// of 8; rows rows..kc-1 of both already zero) into the variable-major int16 panel, kc int16 per
// variable. 8 rows x 16 pixels at a time with byte, 16- and 32-bit interleaves (an 8x16 byte
// transpose), then widened to int16: each store writes 8 rows of one variable. A scalar
// transpose writes 2 bytes per store 788 cache lines apart and took 8x longer.
#define LO8(a, b) wasm_i8x16_shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define HI8(a, b) wasm_i8x16_shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)
#define LO16(a, b) wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11)
#define HI16(a, b) wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15)
#define LO32(a, b) wasm_i32x4_shuffle(a, b, 0, 4, 1, 5)
#define HI32(a, b) wasm_i32x4_shuffle(a, b, 2, 6, 3, 7)

EXPORT(pack) void pack(const u8* images, const u8* labels, i32 rows, i32 kc, i16* panel) {
  for (i32 r = 0; r < kc; r += 8) {
    wasm_v128_store(panel + r, wasm_u16x8_load8x8(labels + r));
    for (i32 q = r; q < r + 8; q++) {
      panel[785 * kc + q] = (i16)(q < rows);
      panel[786 * kc + q] = 0;
      panel[787 * kc + q] = 0;
    }
    const u8* s = images + r * PIX;
    i16* d = panel + kc + r;
    for (i32 p = 0; p < PIX; p += 16) {
      // row i of the 8: 16 pixels
      v128_t r0 = wasm_v128_load(s + p), r1 = wasm_v128_load(s + PIX + p);
      v128_t r2 = wasm_v128_load(s + 2 * PIX + p), r3 = wasm_v128_load(s + 3 * PIX + p);
      v128_t r4 = wasm_v128_load(s + 4 * PIX + p), r5 = wasm_v128_load(s + 5 * PIX + p);
      v128_t r6 = wasm_v128_load(s + 6 * PIX + p), r7 = wasm_v128_load(s + 7 * PIX + p);
      // pixel pairs of rows (0,1), (2,3), ...; then 4 rows; then all 8 rows of 2 pixels
      v128_t a0 = LO8(r0, r1), a1 = HI8(r0, r1), a2 = LO8(r2, r3), a3 = HI8(r2, r3);
      v128_t a4 = LO8(r4, r5), a5 = HI8(r4, r5), a6 = LO8(r6, r7), a7 = HI8(r6, r7);
      v128_t b0 = LO16(a0, a2), b1 = HI16(a0, a2), b2 = LO16(a1, a3), b3 = HI16(a1, a3);
      v128_t c0 = LO16(a4, a6), c1 = HI16(a4, a6), c2 = LO16(a5, a7), c3 = HI16(a5, a7);
      v128_t t[8] = {LO32(b0, c0), HI32(b0, c0), LO32(b1, c1), HI32(b1, c1),
                     LO32(b2, c2), HI32(b2, c2), LO32(b3, c3), HI32(b3, c3)};
      i16* o = d + p * kc;
      for (i32 k = 0; k < 8; k++) {
        wasm_v128_store(o + 2 * k * kc, wasm_u16x8_extend_low_u8x16(t[k]));
        wasm_v128_store(o + (2 * k + 1) * kc, wasm_u16x8_extend_high_u8x16(t[k]));
      }
    }
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
