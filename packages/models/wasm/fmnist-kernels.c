// fmnist training kernels in WebAssembly SIMD. The module imports the tfjs wasm backend's
// linear memory, so every pointer below is a byte offset of a tensor in that heap: no copies.
// Constraints that make sharing the memory safe: no static data, no shadow-stack use (every
// function works in registers/locals only), no libc. build.mjs checks the output for that.
//
// Build: node tools/build-wasm.mjs  (needs clang + wasm-ld; the results are committed as base64 in
// packages/models/src/kernels/fmnist-simd-binary.ts and fmnist-simd-relaxed-binary.ts so users
// need nothing).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

// The multiply-adds of the convolution tiles: a * b + c. Built twice (tools/build-wasm.mjs): plain
// SIMD (a multiply, then an add) and, with FMNIST_RELAXED, relaxed SIMD's f32x4.relaxed_madd,
// which V8 compiles to one fused multiply-add where the CPU has FMA (1.2-1.3x on the conv tiles,
// whose inner loops are multiply-add bound). clang 14 knows the instruction only by its prototype
// name and opcode (f32x4.fma, 0xfd 0xaf); the build rewrites that opcode to the standard one.
#ifdef FMNIST_RELAXED
#define MADD(a, b, c) __builtin_wasm_fma_f32x4((a), (b), (c))
#else
#define MADD(a, b, c) wasm_f32x4_add((c), wasm_f32x4_mul((a), (b)))
#endif

// tanh: Eigen's rational approximation (odd degree-13 / even degree-6), a few ulp of float.
static inline v128_t tanh4(v128_t x) {
  const v128_t lim = wasm_f32x4_splat(7.90531110763549805f);
  v128_t xc = wasm_f32x4_pmin(lim, wasm_f32x4_pmax(wasm_f32x4_neg(lim), x));
  v128_t x2 = wasm_f32x4_mul(xc, xc);
  v128_t p = wasm_f32x4_splat(-2.76076847742355e-16f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(2.00018790482477e-13f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(-8.60467152213735e-11f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(5.12229709037114e-08f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(1.48572235717979e-05f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(6.37261928875436e-04f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(4.89352455891786e-03f));
  p = wasm_f32x4_mul(p, xc);
  v128_t q = wasm_f32x4_splat(1.19825839466702e-06f);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), wasm_f32x4_splat(1.18534705686654e-04f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), wasm_f32x4_splat(2.26843463243900e-03f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), wasm_f32x4_splat(4.89352518554385e-03f));
  v128_t r = wasm_f32x4_div(p, q);
  v128_t tiny = wasm_f32x4_lt(wasm_f32x4_abs(x), wasm_f32x4_splat(0.0004f));
  // NaN in, NaN out: the clamp above turned NaN into a number, put it back.
  v128_t nan = wasm_f32x4_ne(x, x);
  return wasm_v128_bitselect(x, r, wasm_v128_or(tiny, nan));
}

EXPORT(tanh_f32) void tanh_f32(const float* x, float* y, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, tanh4(wasm_v128_load(x + i)));
  for (; i < n; i++) {
    v128_t v = tanh4(wasm_f32x4_splat(x[i]));
    y[i] = wasm_f32x4_extract_lane(v, 0);
  }
}

// dx = dy * (1 - y^2), the gradient of tanh from its output.
EXPORT(tanh_grad_f32) void tanh_grad_f32(const float* y, const float* dy, float* dx, int n) {
  const v128_t one = wasm_f32x4_splat(1.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t yy = wasm_v128_load(y + i);
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), wasm_f32x4_sub(one, wasm_f32x4_mul(yy, yy))));
  }
  for (; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

// y[c] = sum_r x[r * cols + c]: reduction over all leading axes (bias gradients).
// Blocks of 256 rows are summed first so the rounding error grows slowly.
EXPORT(sum_rows_f32) void sum_rows_f32(const float* x, float* y, int rows, int cols) {
  int c = 0;
  for (; c + 16 <= cols; c += 16) {
    v128_t t0 = wasm_f32x4_splat(0), t1 = t0, t2 = t0, t3 = t0;
    for (int r0 = 0; r0 < rows; r0 += 256) {
      int r1 = r0 + 256 < rows ? r0 + 256 : rows;
      v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (int r = r0; r < r1; r++) {
        const float* p = x + (long)r * cols + c;
        a0 = wasm_f32x4_add(a0, wasm_v128_load(p));
        a1 = wasm_f32x4_add(a1, wasm_v128_load(p + 4));
        a2 = wasm_f32x4_add(a2, wasm_v128_load(p + 8));
        a3 = wasm_f32x4_add(a3, wasm_v128_load(p + 12));
      }
      t0 = wasm_f32x4_add(t0, a0); t1 = wasm_f32x4_add(t1, a1);
      t2 = wasm_f32x4_add(t2, a2); t3 = wasm_f32x4_add(t3, a3);
    }
    wasm_v128_store(y + c, t0); wasm_v128_store(y + c + 4, t1);
    wasm_v128_store(y + c + 8, t2); wasm_v128_store(y + c + 12, t3);
  }
  for (; c + 4 <= cols; c += 4) {
    v128_t t = wasm_f32x4_splat(0);
    for (int r0 = 0; r0 < rows; r0 += 256) {
      int r1 = r0 + 256 < rows ? r0 + 256 : rows;
      v128_t a = wasm_f32x4_splat(0);
      for (int r = r0; r < r1; r++) a = wasm_f32x4_add(a, wasm_v128_load(x + (long)r * cols + c));
      t = wasm_f32x4_add(t, a);
    }
    wasm_v128_store(y + c, t);
  }
  for (; c < cols; c++) {
    float t = 0;
    for (int r0 = 0; r0 < rows; r0 += 256) {
      int r1 = r0 + 256 < rows ? r0 + 256 : rows;
      float a = 0;
      for (int r = r0; r < r1; r++) a += x[(long)r * cols + c];
      t += a;
    }
    y[c] = t;
  }
}

// MaxPool gradient, NHWC. dy goes to the first maximum of each window in scan order (as the
// tfjs cpu backend does). Non-overlapping windows without padding and C % 4 == 0 take a SIMD
// path that writes every dx element once; everything else a scalar scatter-add.
EXPORT(maxpool_grad_f32)
void maxpool_grad_f32(const float* x, const float* dy, float* dx, int B, int H, int W, int C,
                      int OH, int OW, int fh, int fw, int sh, int sw, int pt, int pl) {
  if (sh == fh && sw == fw && pt == 0 && pl == 0 && (C & 3) == 0 && OH * fh <= H && OW * fw <= W) {
    const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
    const v128_t zero = wasm_f32x4_splat(0);
    for (int b = 0; b < B; b++) {
      const float* xb = x + (long)b * H * W * C;
      float* dxb = dx + (long)b * H * W * C;
      const float* dyb = dy + (long)b * OH * OW * C;
      for (int oh = 0; oh < OH; oh++) {
        for (int ow = 0; ow < OW; ow++) {
          const float* dyp = dyb + ((long)oh * OW + ow) * C;
          for (int c = 0; c < C; c += 4) {
            v128_t m = ninf;
            for (int i = 0; i < fh; i++)
              for (int j = 0; j < fw; j++)
                m = wasm_f32x4_max(m, wasm_v128_load(xb + ((long)(oh * fh + i) * W + ow * fw + j) * C + c));
            v128_t g = wasm_v128_load(dyp + c);
            v128_t taken = zero;
            for (int i = 0; i < fh; i++)
              for (int j = 0; j < fw; j++) {
                long o = ((long)(oh * fh + i) * W + ow * fw + j) * C + c;
                v128_t hit = wasm_v128_andnot(wasm_f32x4_eq(wasm_v128_load(xb + o), m), taken);
                taken = wasm_v128_or(taken, hit);
                wasm_v128_store(dxb + o, wasm_v128_and(g, hit));
              }
          }
        }
      }
      // Rows and columns no window covers get zero.
      for (int h = 0; h < H; h++) {
        int w0 = h < OH * fh ? OW * fw : 0;
        for (int w = w0; w < W; w++)
          for (int c = 0; c < C; c += 4) wasm_v128_store(dxb + ((long)h * W + w) * C + c, zero);
      }
    }
    return;
  }
  long total = (long)B * H * W * C;
  for (long i = 0; i < total; i++) dx[i] = 0;
  for (int b = 0; b < B; b++)
    for (int oh = 0; oh < OH; oh++) {
      int h0 = oh * sh - pt;
      for (int ow = 0; ow < OW; ow++) {
        int w0 = ow * sw - pl;
        for (int c = 0; c < C; c++) {
          float m = -__builtin_inff();
          long best = -1;
          for (int i = 0; i < fh; i++) {
            int h = h0 + i;
            if (h < 0 || h >= H) continue;
            for (int j = 0; j < fw; j++) {
              int w = w0 + j;
              if (w < 0 || w >= W) continue;
              long o = (((long)b * H + h) * W + w) * C + c;
              if (x[o] > m) { m = x[o]; best = o; }
            }
          }
          if (best >= 0) dx[best] += dy[(((long)b * OH + oh) * OW + ow) * C + c];
        }
      }
    }
}

// Conv2D filter gradient, NHWC, no padding (the caller pads x), any stride, Co % 4 == 0:
//   dw[kh][kw][ci][co] += sum_{b,oh,ow} x[b][oh*sh+kh][ow*sw+kw][ci] * dy[b][oh][ow][co].
// For a fixed kh, j = kw*Ci + ci indexes KW*Ci contiguous floats of x, so each kh is a GEMM
// over pixels: dw[kh][j][co] += A[p][j] * dy[p][co]. Register tiles of JR <= 2 j-values (splat)
// x CV <= 4 vectors of 4 output channels: 8 accumulators, a 64-byte line of dy and a splat fit in
// V8's 15 SIMD registers (3x3, 4x3 and 4x4 tiles measured 1.4-1.7x slower, most likely spilling). The pixels go in blocks of a few output rows of one image,
// small enough that their x and dy rows stay in L1 while every tile sweeps them (sweeping a
// larger chunk streamed two cache lines from L2 per pixel and tile).
static inline __attribute__((always_inline)) void bpf_tile(
    const float* x, const float* dy, float* dw, int b, int oh0, int oh1, int H, int W, int Ci, int OW,
    int Co, int sh, int sw, int kh, int j0, int c0, int OH, const int JR, const int CV) {
  v128_t acc[2][4];
  for (int jj = 0; jj < JR; jj++)
    for (int v = 0; v < CV; v++) acc[jj][v] = wasm_v128_load(dw + (long)(j0 + jj) * Co + c0 + 4 * v);
  for (int oh = oh0; oh < oh1; oh++) {
    const float* xr = x + ((long)(b * H + oh * sh + kh) * W) * Ci + j0;
    const float* dr = dy + ((long)(b * OH + oh) * OW) * Co + c0;
    for (int ow = 0; ow < OW; ow++) {
      const float* xp = xr + (long)ow * sw * Ci;
      const float* dp = dr + (long)ow * Co;
      v128_t d[4];
      for (int v = 0; v < CV; v++) d[v] = wasm_v128_load(dp + 4 * v);
      for (int jj = 0; jj < JR; jj++) {
        v128_t a = wasm_v128_load32_splat(xp + jj);
        for (int v = 0; v < CV; v++) acc[jj][v] = MADD(a, d[v], acc[jj][v]);
      }
    }
  }
  for (int jj = 0; jj < JR; jj++)
    for (int v = 0; v < CV; v++) wasm_v128_store(dw + (long)(j0 + jj) * Co + c0 + 4 * v, acc[jj][v]);
}

#define BPF_CASE(JRv, CVv) \
  case (JRv) * 8 + (CVv): bpf_tile(x, dy, dwk, b, oh0, oh1, H, W, Ci, OW, Co, sh, sw, kh, j0, c0, OH, JRv, CVv); break;

EXPORT(conv2d_backprop_filter_f32)
void conv2d_backprop_filter_f32(const float* x, const float* dy, float* dw, int B, int H, int W, int Ci,
                                int OH, int OW, int Co, int KH, int KW, int sh, int sw) {
  const int J = KW * Ci;
  long total = (long)KH * J * Co;
  for (long i = 0; i < total; i++) dw[i] = 0;
  // Output rows per block: their dy rows and the x rows they read, about 16 KB (half of L1).
  long rowBytes = ((long)OW * Co + (long)sh * W * Ci) * 4;
  int rows = (int)(16384 / (rowBytes > 0 ? rowBytes : 1));
  if (rows < 1) rows = 1;
  for (int b = 0; b < B; b++) {
    for (int oh0 = 0; oh0 < OH; oh0 += rows) {
      int oh1 = oh0 + rows < OH ? oh0 + rows : OH;
      for (int kh = 0; kh < KH; kh++) {
        float* dwk = dw + (long)kh * J * Co;
        for (int j0 = 0; j0 < J; j0 += 2) {
          int jr = J - j0 < 2 ? J - j0 : 2;
          for (int c0 = 0; c0 < Co; c0 += 16) {
            int cv = (Co - c0) / 4 < 4 ? (Co - c0) / 4 : 4;
            switch (jr * 8 + cv) {
              BPF_CASE(1, 1) BPF_CASE(1, 2) BPF_CASE(1, 3) BPF_CASE(1, 4)
              BPF_CASE(2, 1) BPF_CASE(2, 2) BPF_CASE(2, 3) BPF_CASE(2, 4)
              default: break;
            }
          }
        }
      }
    }
  }
}

// Conv2D forward, NHWC, stride 1, no dilation, implicit zero padding, Co % 4 == 0:
//   y[b][oh][ow][co] = act(bias[co] + sum_{kh,kw,ci} x[b][oh+kh-pt][ow+kw-pl][ci] * w[kh][kw][ci][co]).
// The same 2x16 register tile as the filter gradient: two neighbouring output pixels (splats of
// x) x four vectors of output channels (rows of w), 8 accumulators. Pixels whose window leaves
// the image (the padding) take one-pixel tiles over the taps that fall inside, so x is never
// padded in memory. w is first repacked into contiguous 16-channel slices (wp, K*Co floats,
// K = KH*KW*Ci): read in place, each tap's 64 bytes sit 4*Co bytes apart, which maps them onto a
// quarter of L1's sets and evicted the slice between pixels. Per output row, each slice is swept
// for all its pixels while it is in L1. act: 0 linear, 1 relu. bias may be 0 (none).
static inline __attribute__((always_inline)) void conv_tile(
    const float* x, const float* w, float* y, const float* bias, int b, int oh, int ow, int H, int W,
    int Ci, int OH, int OW, int Co, int KH, int KW, int pt, int pl, int c0, int act, const int NP, const int CV) {
  v128_t acc[2][4];
  for (int v = 0; v < CV; v++) {
    v128_t init = bias ? wasm_v128_load(bias + c0 + 4 * v) : wasm_f32x4_splat(0);
    for (int p = 0; p < NP; p++) acc[p][v] = init;
  }
  int kh0 = pt - oh > 0 ? pt - oh : 0;
  int kh1 = H + pt - oh < KH ? H + pt - oh : KH;
  int kw0 = pl - ow > 0 ? pl - ow : 0;
  int kw1 = W + pl - ow - (NP - 1) < KW ? W + pl - ow - (NP - 1) : KW;
  for (int kh = kh0; kh < kh1; kh++) {
    const float* xr = x + ((long)(b * H + oh + kh - pt) * W + (ow - pl)) * Ci;
    // w: this channel slice, packed [KH][KW][Ci][4*CV]
    const float* wr = w + (long)kh * KW * Ci * 4 * CV;
    for (int kw = kw0; kw < kw1; kw++) {
      const float* xp = xr + (long)kw * Ci;
      const float* wp = wr + (long)kw * Ci * 4 * CV;
      for (int ci = 0; ci < Ci; ci++) {
        v128_t a0 = wasm_v128_load32_splat(xp + ci);
        v128_t a1 = NP > 1 ? wasm_v128_load32_splat(xp + Ci + ci) : a0;
        const float* wc = wp + (long)ci * 4 * CV;
        for (int v = 0; v < CV; v++) {
          v128_t wv = wasm_v128_load(wc + 4 * v);
          acc[0][v] = MADD(a0, wv, acc[0][v]);
          if (NP > 1) acc[1][v] = MADD(a1, wv, acc[1][v]);
        }
      }
    }
  }
  const v128_t zero = wasm_f32x4_splat(0);
  for (int p = 0; p < NP; p++) {
    float* yp = y + (((long)b * OH + oh) * OW + ow + p) * Co + c0;
    for (int v = 0; v < CV; v++) wasm_v128_store(yp + 4 * v, act == 1 ? wasm_f32x4_max(acc[p][v], zero) : acc[p][v]);
  }
}

#define CONV_CASE(NPv, CVv) \
  case (NPv) * 8 + (CVv): conv_tile(x, wp + (long)K * c0, y, bias, b, oh, ow, H, W, Ci, OH, OW, Co, KH, KW, pt, pl, c0, act, NPv, CVv); break;

EXPORT(conv2d_f32)
void conv2d_f32(const float* x, const float* w, const float* bias, float* y, float* wp, int B, int H, int W, int Ci,
                int OH, int OW, int Co, int KH, int KW, int pt, int pl, int act) {
  const long K = (long)KH * KW * Ci;
  for (int c0 = 0; c0 < Co; c0 += 16) {
    int cw = Co - c0 < 16 ? Co - c0 : 16;
    float* dst = wp + K * c0;
    for (long k = 0; k < K; k++)
      for (int c = 0; c < cw; c += 4) wasm_v128_store(dst + k * cw + c, wasm_v128_load(w + k * Co + c0 + c));
  }
  for (int b = 0; b < B; b++)
    for (int oh = 0; oh < OH; oh++)
      for (int c0 = 0; c0 < Co; c0 += 16) {
        int cv = (Co - c0) / 4 < 4 ? (Co - c0) / 4 : 4;
        int ow = 0;
        while (ow < OW) {
          // Two pixels when both windows lie inside the image in every column.
          int np = ow + 1 < OW && ow - pl >= 0 && ow + 1 + KW - 1 - pl < W ? 2 : 1;
          switch (np * 8 + cv) {
            CONV_CASE(1, 1) CONV_CASE(1, 2) CONV_CASE(1, 3) CONV_CASE(1, 4)
            CONV_CASE(2, 1) CONV_CASE(2, 2) CONV_CASE(2, 3) CONV_CASE(2, 4)
            default: break;
          }
          ow += np;
        }
      }
}

// Conv2D forward for 3x3 filters, stride 1, by Winograd's minimal filtering F(2x2, 3x3)
// (Lavin & Gray 2016): each 2x2 block of output pixels ("tile") comes from the 4x4 input patch d
// under it as Y = A^T [(G g G^T) . (B^T d B)] A, so a tile costs 16 multiply-adds per (ci, co)
// instead of the direct kernel's 36. Same layout, padding and result as conv2d_f32 (within float32
// rounding: the transforms add and halve), needs Ci % 4 == 0 and Co % 4 == 0.
// ws is scratch, wino_scratch floats (conv2d.ts allocates it):
//   U [16][Co/16 slices][Ci][<=16]  the transformed filter, in 16-channel slices as conv2d_f32's
//   V [16][TB][Ci]                  the transformed input patches of a block of TB tiles
//   M [16][TB][Co]                  their products, summed over ci
// Tiles are numbered over (b, tile row, tile column) and taken TB at a time, so the 16 GEMMs of a
// block (V[e] x U[e], TB x Ci times Ci x Co) run on the 2-pixel x 16-channel register tile of
// conv_tile while V[e] and a slice of U[e] stay in L1.
#define WINO_TB 16
// The 16 matrices of V (and of M) lie a cache line more than TB rows apart: at a power-of-two
// distance the 16 stores of a patch (loads of a product) all fell into one L1 set.
#define WINO_PAD 16

static inline __attribute__((always_inline)) void wino_gemm_tile(
    const float* v, const float* u, float* m, int Ci, int Co, int c0, const int NP, const int CV) {
  v128_t acc[2][4];
  _Pragma("clang loop unroll(full)")
  for (int p = 0; p < NP; p++)
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < CV; q++) acc[p][q] = wasm_f32x4_splat(0);
  for (int ci = 0; ci < Ci; ci++) {
    v128_t a0 = wasm_v128_load32_splat(v + ci);
    v128_t a1 = NP > 1 ? wasm_v128_load32_splat(v + Ci + ci) : a0;
    const float* uc = u + (long)ci * 4 * CV;
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < CV; q++) {
      v128_t uv = wasm_v128_load(uc + 4 * q);
      acc[0][q] = MADD(a0, uv, acc[0][q]);
      if (NP > 1) acc[1][q] = MADD(a1, uv, acc[1][q]);
    }
  }
  _Pragma("clang loop unroll(full)")
  for (int p = 0; p < NP; p++)
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < CV; q++) wasm_v128_store(m + (long)p * Co + c0 + 4 * q, acc[p][q]);
}

#define WINO_CASE(NPv, CVv) \
  case (NPv) * 8 + (CVv): wino_gemm_tile(Ve + (long)t * Ci, Ue + (long)c0 * Ci, Me + (long)t * Co, Ci, Co, c0, NPv, CVv); break;

// The transformed 4x4 input patch of one tile at xp (its top-left pixel, possibly outside the
// image: only rows r0..r1-1 and columns c0..c1-1 are read, the rest is zero padding) into
// vp[e * vs + ci], 4 channels at a time. FULL: the whole patch lies inside.
static inline __attribute__((always_inline)) void wino_in_tile(
    const float* xp, float* vp, long vs, int W, int Ci, int r0, int r1, int c0, int c1, const int FULL) {
  const v128_t zero = wasm_f32x4_splat(0);
  for (int ci = 0; ci < Ci; ci += 4) {
    v128_t d[4][4], e[4][4];
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < 4; i++)
      _Pragma("clang loop unroll(full)")
      for (int j = 0; j < 4; j++)
        d[i][j] = FULL || (i >= r0 && i < r1 && j >= c0 && j < c1) ? wasm_v128_load(xp + ((long)i * W + j) * Ci + ci) : zero;
    _Pragma("clang loop unroll(full)")
    for (int j = 0; j < 4; j++) {
      e[0][j] = wasm_f32x4_sub(d[0][j], d[2][j]);
      e[1][j] = wasm_f32x4_add(d[1][j], d[2][j]);
      e[2][j] = wasm_f32x4_sub(d[2][j], d[1][j]);
      e[3][j] = wasm_f32x4_sub(d[1][j], d[3][j]);
    }
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < 4; i++) {
      float* p = vp + (long)(i * 4) * vs + ci;
      wasm_v128_store(p, wasm_f32x4_sub(e[i][0], e[i][2]));
      wasm_v128_store(p + vs, wasm_f32x4_add(e[i][1], e[i][2]));
      wasm_v128_store(p + 2 * vs, wasm_f32x4_sub(e[i][2], e[i][1]));
      wasm_v128_store(p + 3 * vs, wasm_f32x4_sub(e[i][1], e[i][3]));
    }
  }
}

// V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], for the nt tiles from tile t0 (numbered
// over image, tile row, tile column; tile (th, tw) reads the patch from pixel (2th - pt, 2tw - pl))
// into V[e * vs + t * Ci + ci].
static void wino_in_block(const float* x, float* V, long vs, long t0, int nt, int H, int W, int Ci, int TH, int TW, int pt, int pl) {
  int b = (int)(t0 / ((long)TH * TW)), rest = (int)(t0 % ((long)TH * TW));
  int th = rest / TW, tw = rest % TW;
  for (int t = 0; t < nt; t++) {
    int ih0 = th * 2 - pt, iw0 = tw * 2 - pl;
    const float* xp = x + (((long)b * H + ih0) * W + iw0) * Ci;
    float* vp = V + (long)t * Ci;
    if (ih0 >= 0 && ih0 + 4 <= H && iw0 >= 0 && iw0 + 4 <= W) wino_in_tile(xp, vp, vs, W, Ci, 0, 4, 0, 4, 1);
    else {
      int r0 = ih0 < 0 ? -ih0 : 0, r1 = H - ih0 < 4 ? H - ih0 : 4;
      int c0 = iw0 < 0 ? -iw0 : 0, c1 = W - iw0 < 4 ? W - iw0 : 4;
      wino_in_tile(xp, vp, vs, W, Ci, r0, r1, c0, c1, 0);
    }
    if (++tw == TW) {
      tw = 0;
      if (++th == TH) th = 0, b++;
    }
  }
}

// One output row of a tile: (s A) plus the bias, with the activation; the second pixel if inside y.
static inline __attribute__((always_inline)) void wino_out_row(float* yp, const v128_t* s, v128_t bv, int act, int both, int Co) {
  v128_t r0 = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(s[0], s[1]), s[2]), bv);
  v128_t r1 = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_sub(s[1], s[2]), s[3]), bv);
  if (act == 1) {
    r0 = wasm_f32x4_max(r0, wasm_f32x4_splat(0));
    r1 = wasm_f32x4_max(r1, wasm_f32x4_splat(0));
  }
  wasm_v128_store(yp, r0);
  if (both) wasm_v128_store(yp + Co, r1);
}

EXPORT(conv2d_wino_f32)
void conv2d_wino_f32(const float* x, const float* w, const float* bias, float* y, float* ws, int B, int H, int W,
                     int Ci, int OH, int OW, int Co, int pt, int pl, int act) {
  const long UE = (long)Ci * Co;
  float* U = ws;
  float* V = U + 16 * UE;
  const long VS = (long)WINO_TB * Ci + WINO_PAD, MS = (long)WINO_TB * Co + WINO_PAD;
  float* M = V + 16 * VS;
  // U = G g G^T per (ci, co), G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1], four output channels at a time
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int ci = 0; ci < Ci; ci++)
    for (int co = 0; co < Co; co += 4) {
      v128_t g[3][3], t[4][3];
      _Pragma("clang loop unroll(full)")
      for (int i = 0; i < 3; i++)
        _Pragma("clang loop unroll(full)")
        for (int j = 0; j < 3; j++) g[i][j] = wasm_v128_load(w + ((long)(i * 3 + j) * Ci + ci) * Co + co);
      _Pragma("clang loop unroll(full)")
      for (int j = 0; j < 3; j++) {
        t[0][j] = g[0][j];
        t[1][j] = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_add(g[0][j], g[1][j]), g[2][j]), half);
        t[2][j] = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_sub(g[0][j], g[1][j]), g[2][j]), half);
        t[3][j] = g[2][j];
      }
      int c0 = co & ~15, cw = Co - c0 < 16 ? Co - c0 : 16;
      _Pragma("clang loop unroll(full)")
      for (int i = 0; i < 4; i++) {
        v128_t r[4];
        r[0] = t[i][0];
        r[1] = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_add(t[i][0], t[i][1]), t[i][2]), half);
        r[2] = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_sub(t[i][0], t[i][1]), t[i][2]), half);
        r[3] = t[i][2];
        _Pragma("clang loop unroll(full)")
        for (int j = 0; j < 4; j++) wasm_v128_store(U + (i * 4 + j) * UE + (long)c0 * Ci + (long)ci * cw + (co - c0), r[j]);
      }
    }
  const int TH = (OH + 1) / 2, TW = (OW + 1) / 2;
  const long tiles = (long)B * TH * TW;
  const v128_t zero = wasm_f32x4_splat(0);
  for (long t0 = 0; t0 < tiles; t0 += WINO_TB) {
    const int nt = tiles - t0 < WINO_TB ? (int)(tiles - t0) : WINO_TB;
    wino_in_block(x, V, VS, t0, nt, H, W, Ci, TH, TW, pt, pl);
    // M[e] = V[e] x U[e]
    for (int e = 0; e < 16; e++) {
      const float* Ve = V + e * VS;
      const float* Ue = U + e * UE;
      float* Me = M + e * MS;
      for (int c0 = 0; c0 < Co; c0 += 16) {
        int cv = (Co - c0) / 4 < 4 ? (Co - c0) / 4 : 4;
        for (int t = 0; t < nt; t += 2) {
          int np = nt - t >= 2 ? 2 : 1;
          switch (np * 8 + cv) {
            WINO_CASE(1, 1) WINO_CASE(1, 2) WINO_CASE(1, 3) WINO_CASE(1, 4)
            WINO_CASE(2, 1) WINO_CASE(2, 2) WINO_CASE(2, 3) WINO_CASE(2, 4)
            default: break;
          }
        }
      }
    }
    // Y = A^T M A, A^T = [1 1 1 0; 0 1 -1 -1], plus bias and activation, the pixels inside y only
    for (int t = 0; t < nt; t++) {
      long id = t0 + t;
      int b = (int)(id / ((long)TH * TW)), rest = (int)(id % ((long)TH * TW));
      int oh0 = (rest / TW) * 2, ow0 = (rest % TW) * 2;
      for (int co = 0; co < Co; co += 4) {
        v128_t m[4][4], s0[4], s1[4];
        _Pragma("clang loop unroll(full)")
        for (int i = 0; i < 4; i++)
          _Pragma("clang loop unroll(full)")
          for (int j = 0; j < 4; j++) m[i][j] = wasm_v128_load(M + (i * 4 + j) * MS + (long)t * Co + co);
        _Pragma("clang loop unroll(full)")
        for (int j = 0; j < 4; j++) {
          s0[j] = wasm_f32x4_add(wasm_f32x4_add(m[0][j], m[1][j]), m[2][j]);
          s1[j] = wasm_f32x4_sub(wasm_f32x4_sub(m[1][j], m[2][j]), m[3][j]);
        }
        v128_t bv = bias ? wasm_v128_load(bias + co) : zero;
        float* yp = y + (((long)b * OH + oh0) * OW + ow0) * Co + co;
        wino_out_row(yp, s0, bv, act, ow0 + 1 < OW, Co);
        if (oh0 + 1 < OH) wino_out_row(yp + (long)OW * Co, s1, bv, act, ow0 + 1 < OW, Co);
      }
    }
  }
}

// Conv2D filter gradient for 3x3 filters, stride 1, by Winograd's F(3x3, 2x2): each 2x2 tile of
// dy and the 4x4 input patch under it add the 3x3 correlation A^T [(G g G^T) . (B^T d B)] A to dw,
// 16 multiply-adds per tile and (ci, co) instead of 36. The sum over tiles is taken before the
// output transform: M[e] += V[e]^T W[e] over every tile (one GEMM per e, tiles being the inner
// dimension), then dw = A^T M A once. B^T is the forward kernel's (wino_in_block), whose last row
// has the opposite sign to F(3x3, 2x2)'s usual one: G's last row is negated to match, so
// G = [1 0; .5 .5; .5 -.5; 0 -1], A^T = [1 1 1 0; 0 1 -1 0; 0 1 1 1]. x is not padded: pt, pl are
// the forward padding and pixels outside x are zeros (as conv2d_wino_f32). Ci % 4 == 0, Co % 4 == 0.
// ws: wino_filter_scratch floats: M [16][Ci][Co], then V [16][TBF][Ci] and W [16][TBF][Co] of a
// block of TBF tiles.
#define WINO_TBF 32

static inline __attribute__((always_inline)) void winof_gemm_tile(
    const float* v, const float* g, float* m, int nt, int Ci, int Co, int ci, int c0, const int JR, const int CV) {
  v128_t acc[2][4];
  _Pragma("clang loop unroll(full)")
  for (int jj = 0; jj < JR; jj++)
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < CV; q++) acc[jj][q] = wasm_v128_load(m + (long)(ci + jj) * Co + c0 + 4 * q);
  for (int t = 0; t < nt; t++) {
    const float* gp = g + (long)t * Co + c0;
    v128_t d[4];
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < CV; q++) d[q] = wasm_v128_load(gp + 4 * q);
    _Pragma("clang loop unroll(full)")
    for (int jj = 0; jj < JR; jj++) {
      v128_t a = wasm_v128_load32_splat(v + (long)t * Ci + ci + jj);
      _Pragma("clang loop unroll(full)")
      for (int q = 0; q < CV; q++) acc[jj][q] = MADD(a, d[q], acc[jj][q]);
    }
  }
  _Pragma("clang loop unroll(full)")
  for (int jj = 0; jj < JR; jj++)
    _Pragma("clang loop unroll(full)")
    for (int q = 0; q < CV; q++) wasm_v128_store(m + (long)(ci + jj) * Co + c0 + 4 * q, acc[jj][q]);
}

#define WINOF_CASE(JRv, CVv) \
  case (JRv) * 8 + (CVv): winof_gemm_tile(Ve, We, Me, nt, Ci, Co, ci, c0, JRv, CVv); break;

EXPORT(conv2d_backprop_filter_wino_f32)
void conv2d_backprop_filter_wino_f32(const float* x, const float* dy, float* dw, float* ws, int B, int H, int W,
                                     int Ci, int OH, int OW, int Co, int pt, int pl) {
  const long ME = (long)Ci * Co;
  float* M = ws;
  const long VS = (long)WINO_TBF * Ci + WINO_PAD, GS = (long)WINO_TBF * Co + WINO_PAD;
  float* V = M + 16 * ME;
  float* G = V + 16 * VS;
  for (long i = 0; i < 16 * ME; i++) M[i] = 0;
  const int TH = (OH + 1) / 2, TW = (OW + 1) / 2;
  const long tiles = (long)B * TH * TW;
  const v128_t zero = wasm_f32x4_splat(0), half = wasm_f32x4_splat(0.5f);
  for (long t0 = 0; t0 < tiles; t0 += WINO_TBF) {
    const int nt = tiles - t0 < WINO_TBF ? (int)(tiles - t0) : WINO_TBF;
    wino_in_block(x, V, VS, t0, nt, H, W, Ci, TH, TW, pt, pl);
    // W = G g G^T per tile of dy (zeros outside dy), four channels at a time
    int b = (int)(t0 / ((long)TH * TW)), rest = (int)(t0 % ((long)TH * TW));
    int th = rest / TW, tw = rest % TW;
    for (int t = 0; t < nt; t++) {
      int oh0 = th * 2, ow0 = tw * 2;
      int rows = OH - oh0 < 2 ? 1 : 2, cols = OW - ow0 < 2 ? 1 : 2;
      const float* gp = dy + (((long)b * OH + oh0) * OW + ow0) * Co;
      for (int co = 0; co < Co; co += 4) {
        v128_t g00 = wasm_v128_load(gp + co);
        v128_t g01 = cols > 1 ? wasm_v128_load(gp + Co + co) : zero;
        v128_t g10 = rows > 1 ? wasm_v128_load(gp + (long)OW * Co + co) : zero;
        v128_t g11 = rows > 1 && cols > 1 ? wasm_v128_load(gp + (long)(OW + 1) * Co + co) : zero;
        // rows: G g
        v128_t r[4][2];
        r[0][0] = g00, r[0][1] = g01;
        r[1][0] = wasm_f32x4_mul(wasm_f32x4_add(g00, g10), half), r[1][1] = wasm_f32x4_mul(wasm_f32x4_add(g01, g11), half);
        r[2][0] = wasm_f32x4_mul(wasm_f32x4_sub(g00, g10), half), r[2][1] = wasm_f32x4_mul(wasm_f32x4_sub(g01, g11), half);
        r[3][0] = wasm_f32x4_neg(g10), r[3][1] = wasm_f32x4_neg(g11);
        _Pragma("clang loop unroll(full)")
        for (int i = 0; i < 4; i++) {
          float* p = G + (long)(i * 4) * GS + (long)t * Co + co;
          wasm_v128_store(p, r[i][0]);
          wasm_v128_store(p + GS, wasm_f32x4_mul(wasm_f32x4_add(r[i][0], r[i][1]), half));
          wasm_v128_store(p + 2 * GS, wasm_f32x4_mul(wasm_f32x4_sub(r[i][0], r[i][1]), half));
          wasm_v128_store(p + 3 * GS, wasm_f32x4_neg(r[i][1]));
        }
      }
      if (++tw == TW) {
        tw = 0;
        if (++th == TH) th = 0, b++;
      }
    }
    // M[e] += V[e]^T W[e]: 2 input channels x 16 output channels per register tile
    for (int e = 0; e < 16; e++) {
      const float* Ve = V + e * VS;
      const float* We = G + e * GS;
      float* Me = M + e * ME;
      for (int ci = 0; ci < Ci; ci += 2) {
        int jr = Ci - ci < 2 ? 1 : 2;
        for (int c0 = 0; c0 < Co; c0 += 16) {
          int cv = (Co - c0) / 4 < 4 ? (Co - c0) / 4 : 4;
          switch (jr * 8 + cv) {
            WINOF_CASE(1, 1) WINOF_CASE(1, 2) WINOF_CASE(1, 3) WINOF_CASE(1, 4)
            WINOF_CASE(2, 1) WINOF_CASE(2, 2) WINOF_CASE(2, 3) WINOF_CASE(2, 4)
            default: break;
          }
        }
      }
    }
  }
  // dw = A^T M A
  for (int ci = 0; ci < Ci; ci++)
    for (int co = 0; co < Co; co += 4) {
      v128_t m[4][4], s[3][4];
      _Pragma("clang loop unroll(full)")
      for (int i = 0; i < 4; i++)
        _Pragma("clang loop unroll(full)")
        for (int j = 0; j < 4; j++) m[i][j] = wasm_v128_load(M + (i * 4 + j) * ME + (long)ci * Co + co);
      _Pragma("clang loop unroll(full)")
      for (int j = 0; j < 4; j++) {
        s[0][j] = wasm_f32x4_add(wasm_f32x4_add(m[0][j], m[1][j]), m[2][j]);
        s[1][j] = wasm_f32x4_sub(m[1][j], m[2][j]);
        s[2][j] = wasm_f32x4_add(wasm_f32x4_add(m[1][j], m[2][j]), m[3][j]);
      }
      _Pragma("clang loop unroll(full)")
      for (int i = 0; i < 3; i++) {
        float* p = dw + ((long)(i * 3) * Ci + ci) * Co + co;
        wasm_v128_store(p, wasm_f32x4_add(wasm_f32x4_add(s[i][0], s[i][1]), s[i][2]));
        wasm_v128_store(p + (long)Ci * Co, wasm_f32x4_sub(s[i][1], s[i][2]));
        wasm_v128_store(p + 2L * Ci * Co, wasm_f32x4_add(wasm_f32x4_add(s[i][1], s[i][2]), s[i][3]));
      }
    }
}

// Conv2D input gradient for a single input channel (a grayscale first layer), stride 1, NHWC:
//   dx[b][i][j] = sum_{kh,kw,co} dy[b][i+kh-padT][j+kw-padL][co] * wr[kh][kw][co]
// where wr is the filter rotated by 180 degrees (wr[kh][kw][co] = w[KH-1-kh][KW-1-kw][0][co]) and
// padT/padL = K-1-(forward padding). Each (pixel, kh) is a dot product over the contiguous
// (kw, co) run of dy that lies inside the image. XNNPACK is slow here (one output channel).
EXPORT(conv2d_backprop_input_c1_f32)
void conv2d_backprop_input_c1_f32(const float* dy, const float* wr, float* dx, int B, int OH, int OW,
                                  int Co, int H, int W, int KH, int KW, int padT, int padL) {
  for (int b = 0; b < B; b++)
    for (int i = 0; i < H; i++)
      for (int j = 0; j < W; j++) {
        int kw0 = padL - j > 0 ? padL - j : 0;
        int kw1 = OW + padL - j < KW ? OW + padL - j : KW;
        v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
        float tail = 0;
        if (kw1 > kw0) {
          int len = (kw1 - kw0) * Co;
          for (int kh = 0; kh < KH; kh++) {
            int r = i + kh - padT;
            if (r < 0 || r >= OH) continue;
            const float* d = dy + (((long)b * OH + r) * OW + (j + kw0 - padL)) * Co;
            const float* w = wr + ((long)kh * KW + kw0) * Co;
            int t = 0;
            for (; t + 8 <= len; t += 8) {
              a0 = MADD(wasm_v128_load(d + t), wasm_v128_load(w + t), a0);
              a1 = MADD(wasm_v128_load(d + t + 4), wasm_v128_load(w + t + 4), a1);
            }
            for (; t + 4 <= len; t += 4) a0 = MADD(wasm_v128_load(d + t), wasm_v128_load(w + t), a0);
            for (; t < len; t++) tail += d[t] * w[t];
          }
        }
        v128_t s = wasm_f32x4_add(a0, a1);
        dx[((long)b * H + i) * W + j] = wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1) +
                                        wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3) + tail;
      }
}

static inline void copy_f32(float* dst, const float* src, int n) {
  int t = 0;
  for (; t + 4 <= n; t += 4) wasm_v128_store(dst + t, wasm_v128_load(src + t));
  for (; t < n; t++) dst[t] = src[t];
}

// Tile of a rank-4 tensor [a,b,c,d] by reps [ra,rb,rc,rd] (lower ranks padded with leading 1s):
// out[i][j][k][l] = x[i%a][j%b][k%c][l%d], whole rows of d floats at a time.
EXPORT(tile4_f32)
void tile4_f32(const float* x, float* out, int a, int b, int c, int d, int ra, int rb, int rc, int rd) {
  int A = a * ra, Bn = b * rb, C = c * rc;
  float* o = out;
  for (int i = 0; i < A; i++)
    for (int j = 0; j < Bn; j++)
      for (int k = 0; k < C; k++) {
        const float* src = x + (((long)(i % a) * b + j % b) * c + k % c) * d;
        for (int r = 0; r < rd; r++, o += d) copy_f32(o, src, d);
      }
}

// y[r][c] = x[r][c] * s[c] + t[c]: batch normalisation with per-channel scale and shift folded.
EXPORT(channel_affine_f32)
void channel_affine_f32(const float* x, const float* s, const float* t, float* y, int rows, int C) {
  for (int r = 0; r < rows; r++) {
    const float* xr = x + (long)r * C;
    float* yr = y + (long)r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4)
      wasm_v128_store(yr + c, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(xr + c), wasm_v128_load(s + c)), wasm_v128_load(t + c)));
    for (; c < C; c++) yr[c] = xr[c] * s[c] + t[c];
  }
}

// y = x * a[c] + x2 * b[c] + c0[c] over [rows, C]: the input gradient of a training-mode batch
// norm (x = dy, x2 = the layer input) in one pass instead of tfjs's dozen.
EXPORT(channel_affine2_f32)
void channel_affine2_f32(const float* x, const float* x2, const float* a, const float* b, const float* c0, float* y, int rows, int C) {
  for (int r = 0; r < rows; r++) {
    const float* xr = x + (long)r * C;
    const float* zr = x2 + (long)r * C;
    float* yr = y + (long)r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(xr + c), wasm_v128_load(a + c)), wasm_f32x4_mul(wasm_v128_load(zr + c), wasm_v128_load(b + c)));
      wasm_v128_store(yr + c, wasm_f32x4_add(v, wasm_v128_load(c0 + c)));
    }
    for (; c < C; c++) yr[c] = xr[c] * a[c] + zr[c] * b[c] + c0[c];
  }
}

// Batch-norm gradient reductions, NHWC flattened to [rows, C], one pass over x and dy:
//   out[c] = sum_r dy[r][c],  out[C + c] = sum_r dy[r][c] * (x[r][c] - mean[c]).
// 16 channels (one cache line) per sweep so each line of x and dy is read once; blocks of 256
// rows are summed in registers, then added to out, so the rounding error grows slowly. C % 4 == 0.
static inline __attribute__((always_inline)) void bn_sums_cols(
    const float* x, const float* dy, const float* mean, float* out, int rows, int C, int c, const int V) {
  v128_t m[4];
  for (int v = 0; v < V; v++) {
    m[v] = wasm_v128_load(mean + c + 4 * v);
    wasm_v128_store(out + c + 4 * v, wasm_f32x4_splat(0));
    wasm_v128_store(out + C + c + 4 * v, wasm_f32x4_splat(0));
  }
  for (int r0 = 0; r0 < rows; r0 += 256) {
    int r1 = r0 + 256 < rows ? r0 + 256 : rows;
    v128_t a[4], b[4];
    for (int v = 0; v < V; v++) { a[v] = wasm_f32x4_splat(0); b[v] = a[v]; }
    for (int r = r0; r < r1; r++) {
      const float* g = dy + (long)r * C + c;
      const float* xx = x + (long)r * C + c;
      for (int v = 0; v < V; v++) {
        v128_t gv = wasm_v128_load(g + 4 * v);
        a[v] = wasm_f32x4_add(a[v], gv);
        b[v] = wasm_f32x4_add(b[v], wasm_f32x4_mul(gv, wasm_f32x4_sub(wasm_v128_load(xx + 4 * v), m[v])));
      }
    }
    for (int v = 0; v < V; v++) {
      wasm_v128_store(out + c + 4 * v, wasm_f32x4_add(wasm_v128_load(out + c + 4 * v), a[v]));
      wasm_v128_store(out + C + c + 4 * v, wasm_f32x4_add(wasm_v128_load(out + C + c + 4 * v), b[v]));
    }
  }
}

EXPORT(bn_grad_sums_f32)
void bn_grad_sums_f32(const float* x, const float* dy, const float* mean, float* out, int rows, int C) {
  int c = 0;
  for (; c + 16 <= C; c += 16) bn_sums_cols(x, dy, mean, out, rows, C, c, 4);
  for (; c + 4 <= C; c += 4) bn_sums_cols(x, dy, mean, out, rows, C, c, 1);
}

// dx = dy * step(x), step(x) = 1 for x > 0, NaN for NaN, else 0: tfjs's Relu gradient in one pass.
EXPORT(relu_grad_f32) void relu_grad_f32(const float* x, const float* dy, float* dx, int n) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t xv = wasm_v128_load(x + i);
    v128_t step = wasm_v128_bitselect(one, zero, wasm_f32x4_gt(xv, zero));
    step = wasm_v128_bitselect(xv, step, wasm_f32x4_ne(xv, xv)); // NaN stays NaN
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), step));
  }
  for (; i < n; i++) {
    float s = x[i] > 0 ? 1.0f : (x[i] != x[i] ? x[i] : 0.0f);
    dx[i] = dy[i] * s;
  }
}

// Dropout: y[i] = x[i] * (u_i < cut ? 0 : keep), u_i the i-th number of mulberry32(seed) as a
// uint32 (seeded-dropout.ts's dropoutMask draws the same: there u_i / 2^32 < rate, here
// cut = ceil(rate * 2^32)). mulberry32's state advances by a constant, so number i is a function
// of i alone and four lanes run at once. The gradient is the same call on dy: the mask is drawn
// again, never stored.
static inline v128_t mulberry32_4(v128_t a) {
  v128_t t = wasm_i32x4_mul(wasm_v128_xor(a, wasm_u32x4_shr(a, 15)), wasm_v128_or(a, wasm_i32x4_splat(1)));
  t = wasm_v128_xor(t, wasm_i32x4_add(t, wasm_i32x4_mul(wasm_v128_xor(t, wasm_u32x4_shr(t, 7)), wasm_v128_or(t, wasm_i32x4_splat(61)))));
  return wasm_v128_xor(t, wasm_u32x4_shr(t, 14));
}

EXPORT(dropout_f32) void dropout_f32(const float* x, float* y, int n, unsigned seed, unsigned cut, float keep) {
  const unsigned step = 0x6d2b79f5u;
  v128_t a = wasm_i32x4_make(seed + step, seed + 2 * step, seed + 3 * step, seed + 4 * step);
  const v128_t inc = wasm_i32x4_splat(4 * step), cutv = wasm_i32x4_splat(cut);
  const v128_t keepv = wasm_f32x4_splat(keep), zero = wasm_f32x4_splat(0);
  int i = 0;
  for (; i + 4 <= n; i += 4, a = wasm_i32x4_add(a, inc)) {
    v128_t dropped = wasm_u32x4_lt(mulberry32_4(a), cutv);
    wasm_v128_store(y + i, wasm_f32x4_mul(wasm_v128_load(x + i), wasm_v128_bitselect(zero, keepv, dropped)));
  }
  for (; i < n; i++) {
    v128_t u = mulberry32_4(wasm_i32x4_splat(seed + (unsigned)(i + 1) * step));
    y[i] = x[i] * ((unsigned)wasm_i32x4_extract_lane(u, 0) < cut ? 0.0f : keep);
  }
}

// Batch-norm statistics of x ([rows, C], C % 4 == 0) in one pass, for the forward pass of a
// training-mode batch norm: out[c] = mean, out[C + c] = biased variance. Sums of x - k and
// (x - k)^2 around a per-channel shift k (the mean of the first rows, close to the batch mean, so
// the difference of the two sums does not cancel), 256-row blocks in registers as above; 16
// channels (one cache line) per sweep. Replaces two reduction passes and a dozen small ops.
static inline __attribute__((always_inline)) void bn_stats_cols(const float* x, float* out, int rows, int C, int c, const int V) {
  v128_t k[4], s1[4], s2[4];
  int head = rows < 64 ? rows : 64;
  for (int v = 0; v < V; v++) {
    v128_t a = wasm_f32x4_splat(0);
    for (int r = 0; r < head; r++) a = wasm_f32x4_add(a, wasm_v128_load(x + (long)r * C + c + 4 * v));
    k[v] = wasm_f32x4_div(a, wasm_f32x4_splat((float)head));
    s1[v] = wasm_f32x4_splat(0);
    s2[v] = s1[v];
  }
  for (int r0 = 0; r0 < rows; r0 += 256) {
    int r1 = r0 + 256 < rows ? r0 + 256 : rows;
    v128_t a[4], b[4];
    for (int v = 0; v < V; v++) { a[v] = wasm_f32x4_splat(0); b[v] = a[v]; }
    for (int r = r0; r < r1; r++) {
      const float* xx = x + (long)r * C + c;
      for (int v = 0; v < V; v++) {
        v128_t d = wasm_f32x4_sub(wasm_v128_load(xx + 4 * v), k[v]);
        a[v] = wasm_f32x4_add(a[v], d);
        b[v] = wasm_f32x4_add(b[v], wasm_f32x4_mul(d, d));
      }
    }
    for (int v = 0; v < V; v++) { s1[v] = wasm_f32x4_add(s1[v], a[v]); s2[v] = wasm_f32x4_add(s2[v], b[v]); }
  }
  const v128_t n = wasm_f32x4_splat((float)rows), zero = wasm_f32x4_splat(0);
  for (int v = 0; v < V; v++) {
    v128_t m = wasm_f32x4_div(s1[v], n);
    wasm_v128_store(out + c + 4 * v, wasm_f32x4_add(k[v], m));
    wasm_v128_store(out + C + c + 4 * v, wasm_f32x4_max(zero, wasm_f32x4_sub(wasm_f32x4_div(s2[v], n), wasm_f32x4_mul(m, m))));
  }
}

EXPORT(bn_stats_f32) void bn_stats_f32(const float* x, float* out, int rows, int C) {
  int c = 0;
  for (; c + 16 <= C; c += 16) bn_stats_cols(x, out, rows, C, c, 4);
  for (; c + 4 <= C; c += 4) bn_stats_cols(x, out, rows, C, c, 1);
}

// One Adam step over n values, every operation in tfjs's order and float32 rounding (its
// AdamOptimizer runs a dozen elementwise ops; the results are the same bits):
//   m' = m*b1 + g*c1,  v' = v*b2 + (g*g)*c2,  w' = (m'/d1) / (sqrt(v'/d2) + eps) * nlr + w
// with c1 = 1 - beta1, c2 = 1 - beta2, d1 = 1 - beta1^t, d2 = 1 - beta2^t, nlr = -learning rate.
EXPORT(adam_f32)
void adam_f32(const float* w, const float* m, const float* v, const float* g, float* w2, float* m2, float* v2, int n,
              float b1, float c1, float b2, float c2, float d1, float d2, float eps, float nlr) {
  const v128_t B1 = wasm_f32x4_splat(b1), C1 = wasm_f32x4_splat(c1), B2 = wasm_f32x4_splat(b2), C2 = wasm_f32x4_splat(c2);
  const v128_t D1 = wasm_f32x4_splat(d1), D2 = wasm_f32x4_splat(d2), E = wasm_f32x4_splat(eps), L = wasm_f32x4_splat(nlr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gv = wasm_v128_load(g + i);
    v128_t mv = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), B1), wasm_f32x4_mul(gv, C1));
    v128_t vv = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), B2), wasm_f32x4_mul(wasm_f32x4_mul(gv, gv), C2));
    v128_t step = wasm_f32x4_div(wasm_f32x4_div(mv, D1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vv, D2)), E));
    wasm_v128_store(m2 + i, mv);
    wasm_v128_store(v2 + i, vv);
    wasm_v128_store(w2 + i, wasm_f32x4_add(wasm_f32x4_mul(step, L), wasm_v128_load(w + i)));
  }
  for (; i < n; i++) {
    float mv = m[i] * b1 + g[i] * c1;
    float vv = v[i] * b2 + (g[i] * g[i]) * c2;
    float sq = __builtin_sqrtf(vv / d2);
    m2[i] = mv;
    v2[i] = vv;
    w2[i] = ((mv / d1) / (sq + eps)) * nlr + w[i];
  }
}
