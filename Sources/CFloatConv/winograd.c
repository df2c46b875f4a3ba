/* winograd.c -- Winograd F(4x4, 3x3) convolution (see cfloatconv.h for the layout and why). */
#include "internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The transforms multiply by constants and add; a fused multiply-add in one path but not in
   the other would change the bits, so no contraction here (the GEMMs call fmaf and
   _mm256_fmadd_ps explicitly, which this does not affect). */
#pragma STDC FP_CONTRACT OFF

enum { XI = BB_CONVW_XI, BLOCK = BB_CONVF_BLOCK, TILE = BB_CONVF_TILE };

static int tiles_h(const bb_convf_shape *s) { return (s->oh + 3) / 4; }
static int tiles_w(const bb_convf_shape *s) { return (s->ow + 3) / 4; }
static int tiles(const bb_convf_shape *s) { return tiles_h(s) * tiles_w(s); }
static int kpad(const bb_convf_shape *s) { return (s->cout + BLOCK - 1) / BLOCK * BLOCK; }
/* Padded image: tile (ty, tx) reads rows 4ty..4ty+5 and columns 4tx..4tx+5. Two more columns
   than the last tile reads, so the 8-tile input step's last 16-byte load (columns 4tx+32..35)
   stays inside its row. */
static int padded_h(const bb_convf_shape *s) { return 4 * tiles_h(s) + 2; }
static int padded_w(const bb_convf_shape *s) { return 4 * tiles_w(s) + 4; }
/* Distance between consecutive xi planes of V: 32 floats more than the plane, so the 36
   planes a tile touches do not all map to the same cache sets (planes of 4 KiB multiples did,
   and the transforms ran 3x slower). */
static size_t v_stride(const bb_convf_shape *s) { return (size_t)s->cin * tiles(s) + 32; }
/* M is [tile][xi][k]: the output transform reads one tile's 36 x kpad values contiguously. */
static size_t m_index(const bb_convf_shape *s, int tile, int xi) { return ((size_t)tile * XI + xi) * kpad(s); }

int bb_convw_applies(const bb_convf_shape *s) {
    return s->kh == 3 && s->kw == 3 && s->sh == 1 && s->sw == 1 && s->dh == 1 && s->dw == 1 && s->oh > 0 && s->ow > 0;
}

size_t bb_convw_packed_floats(const bb_convf_shape *s) { return (size_t)XI * kpad(s) * s->cin; }
size_t bb_convw_padded_floats(const bb_convf_shape *s) { return (size_t)s->cin * padded_h(s) * padded_w(s); }
size_t bb_convw_v_floats(const bb_convf_shape *s) { return (size_t)XI * v_stride(s); }
size_t bb_convw_m_floats(const bb_convf_shape *s) { return (size_t)tiles(s) * XI * kpad(s); }

/* The transforms' arithmetic, written once for any element type with + - and * (a float, or an
   AVX vector holding one value of 8 tiles or channels; the constants c[] are of that type):
   the vector paths do exactly the scalar operations in the same order, so every path gives
   the same bits. Matrices of Lavin & Gray (2016), interpolation points 0, ±1, ±2, ∞. */

/* o = G g for one column of a 3x3 kernel, G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
   1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]; c = {1/4, -1/6, 1/24, 1/12, 1/6}. */
#define BB_WINO_G(g0, g1, g2, o, c) do {                                                        \
        o[0] = (g0) * c[0];                                                                    \
        o[1] = (((g0) + (g1)) + (g2)) * c[1];                                                  \
        o[2] = (((g0) - (g1)) + (g2)) * c[1];                                                  \
        o[3] = ((g0) * c[2] + (g1) * c[3]) + (g2) * c[4];                                      \
        o[4] = ((g0) * c[2] - (g1) * c[3]) + (g2) * c[4];                                      \
        o[5] = (g2);                                                                           \
    } while (0)

/* U = G g G^T for g[t] (t = 3*row + col); u[xi], xi = 6i + j. */
#define BB_WINO_WEIGHT(g, c, u) do {                                                            \
        __typeof__(u[0]) t_[3][6]; /* column j of G g */                                       \
        for (int j_ = 0; j_ < 3; j_++) BB_WINO_G(g[j_], g[3 + j_], g[6 + j_], t_[j_], c);      \
        for (int i_ = 0; i_ < 6; i_++) { /* row i of (G g) G^T */                              \
            __typeof__(u[0]) r_[6];                                                            \
            BB_WINO_G(t_[0][i_], t_[1][i_], t_[2][i_], r_, c);                                 \
            for (int j_ = 0; j_ < 6; j_++) u[i_ * 6 + j_] = r_[j_];                            \
        }                                                                                      \
    } while (0)

/* o = B^T d for 6 values, B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0;
   0 2 -1 -2 1 0; 0 4 0 -5 0 1]; c = {4, 5, 2}. */
#define BB_WINO_BT(d0, d1, d2, d3, d4, d5, o, c) do {                                           \
        __typeof__(o[0]) a_ = (d4) - (d2) * c[0], b_ = (d3) - (d1) * c[0];                     \
        __typeof__(o[0]) p_ = (d4) - (d2), q_ = ((d3) - (d1)) * c[2];                          \
        o[0] = ((d0) * c[0] - (d2) * c[1]) + (d4);                                             \
        o[1] = a_ + b_; o[2] = a_ - b_;                                                        \
        o[3] = p_ + q_; o[4] = p_ - q_;                                                        \
        o[5] = ((d1) * c[0] - (d3) * c[1]) + (d5);                                             \
    } while (0)

/* V = B^T d B for d[row][col] of a 6x6 window: each row's B^T along the columns, then B^T down
   the columns; v[xi], xi = 6i + j. */
#define BB_WINO_IN(d, v, c) do {                                                                \
        __typeof__(d[0][0]) w_[6][6];                                                          \
        for (int r_ = 0; r_ < 6; r_++)                                                         \
            BB_WINO_BT(d[r_][0], d[r_][1], d[r_][2], d[r_][3], d[r_][4], d[r_][5], w_[r_], c); \
        for (int j_ = 0; j_ < 6; j_++) {                                                       \
            __typeof__(d[0][0]) o_[6];                                                         \
            BB_WINO_BT(w_[0][j_], w_[1][j_], w_[2][j_], w_[3][j_], w_[4][j_], w_[5][j_], o_, c); \
            for (int i_ = 0; i_ < 6; i_++) v[i_ * 6 + j_] = o_[i_];                            \
        }                                                                                      \
    } while (0)

/* o = A^T m for 6 values, A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1];
   c = {2, 4, 8}. */
#define BB_WINO_AT(m0, m1, m2, m3, m4, m5, o, c) do {                                           \
        __typeof__(o[0]) s12_ = (m1) + (m2), d12_ = (m1) - (m2);                               \
        __typeof__(o[0]) s34_ = (m3) + (m4), d34_ = (m3) - (m4);                               \
        o[0] = ((m0) + s12_) + s34_;                                                           \
        o[1] = d12_ + d34_ * c[0];                                                             \
        o[2] = s12_ + s34_ * c[1];                                                             \
        o[3] = (d12_ + d34_ * c[2]) + (m5);                                                    \
    } while (0)

/* Y = A^T r A for r[xi] (xi = 6i + j): each row's A^T along the columns, then A^T down the
   columns; out[q], q = 4*row + col. */
#define BB_WINO_OUT(r, out, c) do {                                                             \
        __typeof__(r[0]) z_[6][4];                                                             \
        for (int i_ = 0; i_ < 6; i_++)                                                         \
            BB_WINO_AT(r[6 * i_], r[6 * i_ + 1], r[6 * i_ + 2], r[6 * i_ + 3], r[6 * i_ + 4], r[6 * i_ + 5], z_[i_], c); \
        for (int b_ = 0; b_ < 4; b_++) {                                                       \
            __typeof__(r[0]) o_[4];                                                            \
            BB_WINO_AT(z_[0][b_], z_[1][b_], z_[2][b_], z_[3][b_], z_[4][b_], z_[5][b_], o_, c); \
            for (int a_ = 0; a_ < 4; a_++) out[4 * a_ + b_] = o_[a_];                          \
        }                                                                                      \
    } while (0)

static const float kG[5] = {0.25f, -1.0f / 6.0f, 1.0f / 24.0f, 1.0f / 12.0f, 1.0f / 6.0f};
static const float kB[3] = {4.0f, 5.0f, 2.0f};
static const float kA[3] = {2.0f, 4.0f, 8.0f};

/* Where U[xi][k][c] lives in the packed panels. */
static inline size_t packed_index(const bb_convf_shape *s, int xi, int k, int c) {
    const int kp = kpad(s);
    return (((size_t)xi * (kp / BLOCK) + k / BLOCK) * s->cin + c) * BLOCK + k % BLOCK;
}

/* Input channels [c0, c1), every output channel (zeros past cout): the reference. */
static void pack_portable(const bb_convf_shape *s, const float *w, float *packed, int c0, int c1) {
    for (int k = 0; k < kpad(s); k++)
        for (int c = c0; c < c1; c++) {
            float u[XI];
            if (k < s->cout) {
                const float *g = w + ((size_t)k * s->cin + c) * 9;
                BB_WINO_WEIGHT(g, kG, u);
            } else {
                memset(u, 0, sizeof u);
            }
            for (int xi = 0; xi < XI; xi++) packed[packed_index(s, xi, k, c)] = u[xi];
        }
}

#if BB_X86
/* 8 output channels per step, gathered (stride 9*cin) and masked past cout: the same
   arithmetic lane by lane, 8 contiguous stores per xi. */
BB_TARGET_AVX2 static void pack_avx2(const bb_convf_shape *s, const float *w, float *packed, int c0, int c1) {
    const int C = s->cin, K = s->cout;
    __m256 c[5];
    for (int i = 0; i < 5; i++) c[i] = _mm256_set1_ps(kG[i]);
    const __m256i stride = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(9 * C));
    for (int k0 = 0; k0 < kpad(s); k0 += 8)
        for (int ch = c0; ch < c1; ch++) {
            const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(K - k0), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            const float *base = w + ((size_t)k0 * C + ch) * 9;
            __m256 g[9], u[XI];
            for (int t = 0; t < 9; t++)
                g[t] = K > k0 ? _mm256_mask_i32gather_ps(_mm256_setzero_ps(), base + t, stride, _mm256_castsi256_ps(lanes), 4)
                              : _mm256_setzero_ps();
            BB_WINO_WEIGHT(g, c, u);
            for (int xi = 0; xi < XI; xi++) _mm256_storeu_ps(packed + packed_index(s, xi, k0, ch), u[xi]);
        }
}
#endif

void bb_convw_pack_weights(const bb_convf_shape *s, const float *w, float *packed, int c0, int c1) {
    if (c1 <= c0) return;
#if BB_X86
    if (bb_convf_simd_available()) { pack_avx2(s, w, packed, c0, c1); return; }
#endif
    pack_portable(s, w, packed, c0, c1);
}

/* Tiles [tx0, tw) of tile row ty of one channel, one at a time: the reference semantics. */
static inline void input_row_scalar(const float *r0, int wp, float *o, size_t stride, int tx0, int tw) {
    for (int tx = tx0; tx < tw; tx++) {
        float d[6][6], v[XI];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) d[i][j] = r0[(size_t)i * wp + 4 * tx + j];
        BB_WINO_IN(d, v, kB);
        for (int xi = 0; xi < XI; xi++) o[(size_t)xi * stride + tx] = v[xi];
    }
}

/* Channels [c0, c1) of the image: x and xp point at channel 0 (the padding of one channel does
   not touch another's, so channel ranges may run on different threads). */
static inline bb_convf_shape channel_range(const bb_convf_shape *s, int c0, int c1) {
    bb_convf_shape r = *s;
    r.cin = c1 - c0;
    return r;
}

static void input_tiles(const bb_convf_shape *s, const float *x, float *xp, float *v, int c0, int c1) {
    const int th = tiles_h(s), tw = tiles_w(s), T = th * tw;
    const int hp = padded_h(s), wp = padded_w(s);
    const size_t stride = v_stride(s); /* next xi */
    const bb_convf_shape sub = channel_range(s, c0, c1);
    bb__pad_image(&sub, x + (size_t)c0 * s->h * s->w, xp + (size_t)c0 * hp * wp, hp, wp);
    for (int c = c0; c < c1; c++)
        for (int ty = 0; ty < th; ty++)
            input_row_scalar(xp + ((size_t)c * hp + 4 * ty) * wp, wp, v + (size_t)c * T + (size_t)ty * tw, stride, 0, tw);
}

/* One tile's 4x4 outputs for channels [k0, k0 + kn) (+ bias, activation), into the NCHW output. */
static inline void output_tile_scalar(const bb_convf_shape *s, const float *m, int tile, int k0, int kn,
                                      const float *bias, int act, float lo, float hi, float *y) {
    const int tw = tiles_w(s), ty = tile / tw, tx = tile - ty * tw;
    const size_t plane = (size_t)s->oh * s->ow, kp = (size_t)kpad(s);
    const float *mt = m + m_index(s, tile, 0);
    for (int k = k0; k < k0 + kn; k++) {
        float r[XI], out[16];
        for (int xi = 0; xi < XI; xi++) r[xi] = mt[xi * kp + k];
        BB_WINO_OUT(r, out, kA);
        const float b = bias != NULL ? bias[k] : 0.0f;
        float *yk = y + (size_t)k * plane;
        for (int q = 0; q < 16; q++) {
            const int oy = 4 * ty + q / 4, ox = 4 * tx + q % 4;
            if (oy < s->oh && ox < s->ow) yk[(size_t)oy * s->ow + ox] = bb__activate(out[q] + b, act, lo, hi);
        }
    }
}

/* M is k-contiguous ([tile][xi][k]), so the reference goes tile by tile. */
static void output_tiles(const bb_convf_shape *s, const float *m, const float *bias, int act, float lo, float hi,
                         float *y, int ty0, int ty1) {
    for (int tile = ty0 * tiles_w(s); tile < ty1 * tiles_w(s); tile++) output_tile_scalar(s, m, tile, 0, s->cout, bias, act, lo, hi, y);
}

static void gemm_portable(const bb_convf_shape *s, const float *v, const float *packed, float *m, int xi0, int xi1) {
    const int C = s->cin, T = tiles(s), kp = kpad(s);
    for (int xi = xi0; xi < xi1; xi++) {
        const float *vx = v + (size_t)xi * v_stride(s);
        float *mx = m + m_index(s, 0, xi);
        const size_t ts = (size_t)XI * kp; /* next tile */
        for (int kb = 0; kb < kp / BLOCK; kb++) {
            const float *u = packed + ((size_t)xi * (kp / BLOCK) + kb) * C * BLOCK;
            for (int t = 0; t < T; t++) {
                float acc[BLOCK];
                memset(acc, 0, sizeof acc);
                for (int c = 0; c < C; c++) {
                    float a = vx[(size_t)c * T + t];
                    for (int i = 0; i < BLOCK; i++) acc[i] = fmaf(u[c * BLOCK + i], a, acc[i]); /* as the AVX2 FMA */
                }
                memcpy(mx + (size_t)t * ts + kb * BLOCK, acc, sizeof acc);
            }
        }
    }
}

#if BB_X86
/* NT (6 or 4) tiles x 16 channels: 2*NT accumulators, one FMA per input channel in c order
   (the portable loop's order, so the same bits whatever the grouping). A partial group
   repeats its last tile and stores only the real ones. */
#define BB_WINO_GEMM_GROUP(NT)                                                                  \
    do {                                                                                       \
        const float *p_[NT];                                                                   \
        for (int i_ = 0; i_ < NT; i_++) p_[i_] = vx + t0 + (i_ < nt ? i_ : nt - 1);            \
        __m256 lo_[NT], hi_[NT];                                                               \
        for (int i_ = 0; i_ < NT; i_++) lo_[i_] = hi_[i_] = _mm256_setzero_ps();               \
        const float *u = u0;                                                                   \
        size_t o = 0;                                                                          \
        for (int c = 0; c < C; c++, u += BLOCK, o += (size_t)T) {                              \
            const __m256 w0 = _mm256_loadu_ps(u), w1 = _mm256_loadu_ps(u + 8);                 \
            for (int i_ = 0; i_ < NT; i_++) {                                                  \
                const __m256 b_ = _mm256_broadcast_ss(p_[i_] + o);                             \
                lo_[i_] = _mm256_fmadd_ps(w0, b_, lo_[i_]);                                    \
                hi_[i_] = _mm256_fmadd_ps(w1, b_, hi_[i_]);                                    \
            }                                                                                  \
        }                                                                                      \
        float *dst = mx + (size_t)t0 * ts + kb * BLOCK;                                        \
        for (int i_ = 0; i_ < NT && i_ < nt; i_++) {                                           \
            _mm256_storeu_ps(dst + i_ * ts, lo_[i_]);                                          \
            _mm256_storeu_ps(dst + i_ * ts + 8, hi_[i_]);                                      \
        }                                                                                      \
    } while (0)

BB_TARGET_AVX2 static void gemm_avx2(const bb_convf_shape *s, const float *v, const float *packed, float *m, int xi0, int xi1) {
    const int C = s->cin, T = tiles(s), kp = kpad(s);
    for (int xi = xi0; xi < xi1; xi++) {
        const float *vx = v + (size_t)xi * v_stride(s);
        float *mx = m + m_index(s, 0, xi);
        const size_t ts = (size_t)XI * kp; /* next tile */
        for (int kb = 0; kb < kp / BLOCK; kb++) {
            const float *u0 = packed + ((size_t)xi * (kp / BLOCK) + kb) * C * BLOCK;
            for (int t0 = 0; t0 < T; t0 += TILE) {
                const int nt = T - t0 < TILE ? T - t0 : TILE;
                /* Small images (8x8 outputs: 4 tiles) would waste a third of a 6-tile group. */
                if (nt <= 4) BB_WINO_GEMM_GROUP(4);
                else BB_WINO_GEMM_GROUP(6);
            }
        }
    }
}

/* Rows r0..r3 of 4 floats per 128-bit lane -> column j of the 4 rows per lane (an in-lane 4x4
   transpose; only the first n columns). */
#define BB_TRANSPOSE4_LANES(r0, r1, r2, r3, col, n) do {                                        \
        const __m256 t0_ = _mm256_unpacklo_ps(r0, r1), t1_ = _mm256_unpacklo_ps(r2, r3);       \
        col[0] = _mm256_shuffle_ps(t0_, t1_, _MM_SHUFFLE(1, 0, 1, 0));                         \
        col[1] = _mm256_shuffle_ps(t0_, t1_, _MM_SHUFFLE(3, 2, 3, 2));                         \
        if ((n) > 2) {                                                                         \
            const __m256 t2_ = _mm256_unpackhi_ps(r0, r1), t3_ = _mm256_unpackhi_ps(r2, r3);   \
            col[2] = _mm256_shuffle_ps(t2_, t3_, _MM_SHUFFLE(1, 0, 1, 0));                     \
            col[3] = _mm256_shuffle_ps(t2_, t3_, _MM_SHUFFLE(3, 2, 3, 2));                     \
        }                                                                                      \
    } while (0)

/* Columns 4tx + j (j = 0..5) of tiles tx..tx+7 of one padded row p (= row + 4tx): 16-byte
   loads of tiles q and q + 4 into the two lanes, an in-lane transpose per 4 tiles; columns 4
   and 5 are the next tile's 0 and 1. */
BB_TARGET_AVX2 static inline __attribute__((always_inline)) void window_row8(const float *p, __m256 *d) {
#define BB_LOAD2(q) _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p + 4 * (q))), _mm_loadu_ps(p + 4 * (q) + 16), 1)
    const __m256 a0 = BB_LOAD2(0), a1 = BB_LOAD2(1), a2 = BB_LOAD2(2), a3 = BB_LOAD2(3), a4 = BB_LOAD2(4);
#undef BB_LOAD2
    BB_TRANSPOSE4_LANES(a0, a1, a2, a3, d, 4);
    __m256 e[2];
    BB_TRANSPOSE4_LANES(a1, a2, a3, a4, e, 2);
    d[4] = e[0]; d[5] = e[1];
}

/* The same for tiles tx..tx+3 (128-bit vectors). */
BB_TARGET_AVX2 static inline __attribute__((always_inline)) void window_row4(const float *p, __m128 *d) {
    __m128 a0 = _mm_loadu_ps(p), a1 = _mm_loadu_ps(p + 4), a2 = _mm_loadu_ps(p + 8), a3 = _mm_loadu_ps(p + 12);
    const __m128 a4 = _mm_loadu_ps(p + 16);
    const __m128 t0 = _mm_unpacklo_ps(a1, a2), t1 = _mm_unpacklo_ps(a3, a4);
    d[4] = _mm_movelh_ps(t0, t1); d[5] = _mm_movehl_ps(t1, t0);
    _MM_TRANSPOSE4_PS(a0, a1, a2, a3);
    d[0] = a0; d[1] = a1; d[2] = a2; d[3] = a3;
}

/* Images narrower than 4 tiles (outputs of 12 columns or fewer: 8x8 CIFAR feature maps):
   8 consecutive tiles of the channel range at a time, in V's [c][tile] order, their windows
   gathered (tiles of several rows and channels share a vector). */
BB_TARGET_AVX2 static void input_gather_avx2(const bb_convf_shape *s, const float *xp, float *v, int c0, int c1) {
    const int th = tiles_h(s), tw = tiles_w(s), T = th * tw, hp = padded_h(s), wp = padded_w(s);
    const size_t stride = v_stride(s);
    __m256 c[3];
    for (int i = 0; i < 3; i++) c[i] = _mm256_set1_ps(kB[i]);
    int g = c0 * T;
    const int g1 = c1 * T;
    for (; g + 8 <= g1; g += 8) {
        int base[8];
        for (int l = 0; l < 8; l++) {
            const int ch = (g + l) / T, t = (g + l) - ch * T, ty = t / tw, tx = t - ty * tw;
            base[l] = (ch * hp + 4 * ty) * wp + 4 * tx;
        }
        const __m256i b = _mm256_loadu_si256((const __m256i *)base);
        __m256 d[6][6], t[XI];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) d[i][j] = _mm256_i32gather_ps(xp, _mm256_add_epi32(b, _mm256_set1_epi32(i * wp + j)), 4);
        BB_WINO_IN(d, t, c);
        for (int xi = 0; xi < XI; xi++) _mm256_storeu_ps(v + (size_t)xi * stride + g, t[xi]);
    }
    for (; g < g1; g++) {
        const int ch = g / T, t = g - ch * T, ty = t / tw, tx = t - ty * tw;
        input_row_scalar(xp + ((size_t)ch * hp + 4 * ty) * wp, wp, v + (size_t)ch * T + (size_t)ty * tw, stride, tx, tx + 1);
    }
}

/* 8 (then 4) tiles of a tile row per step (window_row8/4 per window row), then single tiles. */
BB_TARGET_AVX2 static void input_avx2(const bb_convf_shape *s, const float *x, float *xp, float *v, int c0, int c1) {
    const int th = tiles_h(s), tw = tiles_w(s), T = th * tw;
    const int hp = padded_h(s), wp = padded_w(s);
    const size_t stride = v_stride(s);
    if (tw < 4) {
        const bb_convf_shape sub = channel_range(s, c0, c1);
        bb__pad_image_avx2(&sub, x + (size_t)c0 * s->h * s->w, xp + (size_t)c0 * hp * wp, hp, wp);
        input_gather_avx2(s, xp, v, c0, c1);
        return;
    }
    __m256 c8[3];
    __m128 c4[3];
    for (int i = 0; i < 3; i++) { c8[i] = _mm256_set1_ps(kB[i]); c4[i] = _mm_set1_ps(kB[i]); }
    /* One channel at a time: its padded copy (a few KiB) is still in L1 when transformed. */
    const bb_convf_shape one = channel_range(s, 0, 1);
    for (int ch = c0; ch < c1; ch++) {
        bb__pad_image_avx2(&one, x + (size_t)ch * s->h * s->w, xp + (size_t)ch * hp * wp, hp, wp);
        for (int ty = 0; ty < th; ty++) {
            const float *r0 = xp + ((size_t)ch * hp + 4 * ty) * wp;
            float *o = v + (size_t)ch * T + (size_t)ty * tw;
            int tx = 0;
            for (; tx + 8 <= tw; tx += 8) {
                __m256 d[6][6], t[XI];
                for (int i = 0; i < 6; i++) window_row8(r0 + (size_t)i * wp + 4 * tx, d[i]);
                BB_WINO_IN(d, t, c8);
                for (int xi = 0; xi < XI; xi++) _mm256_storeu_ps(o + (size_t)xi * stride + tx, t[xi]);
            }
            for (; tx + 4 <= tw; tx += 4) {
                __m128 d[6][6], t[XI];
                for (int i = 0; i < 6; i++) window_row4(r0 + (size_t)i * wp + 4 * tx, d[i]);
                BB_WINO_IN(d, t, c4);
                for (int xi = 0; xi < XI; xi++) _mm_storeu_ps(o + (size_t)xi * stride + tx, t[xi]);
            }
            input_row_scalar(r0, wp, o, stride, tx, tw);
        }
    }
}

/* In-place transpose of 8 vectors (row i lane j -> row j lane i). */
BB_TARGET_AVX2 static inline __attribute__((always_inline)) void transpose8(__m256 *r) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20); r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20); r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31); r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31); r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* 2 tiles x 8 channels per step: each tile's outputs are vectors over channels (M is
   k-contiguous); + bias and the activation as in bb__activate (max with lo first, NaN kept),
   then an 8x8 transpose per output row turns them into 8 consecutive pixels per channel.
   Groups that would cross the right edge and tiles past the last group go through the scalar
   path. */
BB_TARGET_AVX2 static void output_avx2(const bb_convf_shape *s, const float *m, const float *bias, int act, float lo,
                                       float hi, float *y, int ty0, int ty1) {
    const int tw = tiles_w(s), K = s->cout;
    const size_t plane = (size_t)s->oh * s->ow, kp = (size_t)kpad(s);
    const __m256 l = _mm256_set1_ps(act == BB_CONVF_ACT_RELU ? 0.0f : lo), u = _mm256_set1_ps(hi);
    __m256 c[3];
    for (int i = 0; i < 3; i++) c[i] = _mm256_set1_ps(kA[i]);
    /* Whole 2-tile groups of a tile row (8 output columns each) that end inside the row. */
    int groups = tw / 2;
    while (groups > 0 && 8 * groups > s->ow) groups--;
    for (int ty = ty0; ty < ty1; ty++) {
        const int oy = 4 * ty, rows = s->oh - oy < 4 ? s->oh - oy : 4;
        /* Channels outside, columns inside: the output rows being written stay in L1 while a
           tile row's M (36 x kpad floats per tile) is read once per 8 channels. */
        for (int k0 = 0; k0 < K; k0 += 8) {
            const int kn = K - k0 < 8 ? K - k0 : 8;
            /* The bias of channels k0..k0+7 (zeros past cout or without a bias). */
            const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(kn), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            const __m256 b = bias != NULL ? _mm256_maskload_ps(bias + k0, lanes) : _mm256_setzero_ps();
            float *y0 = y + (size_t)k0 * plane + (size_t)oy * s->ow;
            for (int g = 0; g < groups; g++) {
                const int tx = 2 * g;
                const float *mt = m + m_index(s, ty * tw + tx, 0) + k0;
                __m256 row[4][8];
                for (int j = 0; j < 2; j++) {
                    __m256 r[XI], out[16];
                    for (int xi = 0; xi < XI; xi++) r[xi] = _mm256_loadu_ps(mt + ((size_t)j * XI + xi) * kp);
                    BB_WINO_OUT(r, out, c);
                    for (int q = 0; q < 16; q++) {
                        __m256 o = _mm256_add_ps(out[q], b);
                        if (act != BB_CONVF_ACT_NONE) o = _mm256_max_ps(l, o);
                        if (act == BB_CONVF_ACT_CLIP) o = _mm256_min_ps(u, o);
                        row[q / 4][4 * j + q % 4] = o;
                    }
                }
                for (int rr = 0; rr < rows; rr++) {
                    transpose8(row[rr]);
                    float *yr = y0 + (size_t)rr * s->ow + 4 * tx;
                    for (int k = 0; k < kn; k++) _mm256_storeu_ps(yr + (size_t)k * plane, row[rr][k]);
                }
            }
        }
        for (int tx = 2 * groups; tx < tw; tx++) output_tile_scalar(s, m, ty * tw + tx, 0, K, bias, act, lo, hi, y);
    }
}
#endif

int bb_convw_tile_rows(const bb_convf_shape *s) { return tiles_h(s); }

void bb_convw_input(const bb_convf_shape *s, const float *x, float *xp, float *v, int c0, int c1) {
    if (c1 <= c0) return;
#if BB_X86
    if (bb_convf_simd_available()) { input_avx2(s, x, xp, v, c0, c1); return; }
#endif
    input_tiles(s, x, xp, v, c0, c1);
}

void bb_convw_gemm(const bb_convf_shape *s, const float *v, const float *packed, float *m, int xi0, int xi1) {
#if BB_X86
    if (bb_convf_simd_available()) { gemm_avx2(s, v, packed, m, xi0, xi1); return; }
#endif
    gemm_portable(s, v, packed, m, xi0, xi1);
}

void bb_convw_output(const bb_convf_shape *s, const float *m, const float *bias, int act, float lo, float hi, float *y,
                     int ty0, int ty1) {
    if (ty1 <= ty0) return;
#if BB_X86
    if (bb_convf_simd_available()) { output_avx2(s, m, bias, act, lo, hi, y, ty0, ty1); return; }
#endif
    output_tiles(s, m, bias, act, lo, hi, y, ty0, ty1);
}
