/* winograd.c -- Winograd F(2x2, 3x3) convolution (see cfloatconv.h for the layout and why). */
#include "internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { XI = 16, BLOCK = BB_CONVF_BLOCK, TILE = BB_CONVF_TILE };

static int tiles_h(const bb_convf_shape *s) { return (s->oh + 1) / 2; }
static int tiles_w(const bb_convf_shape *s) { return (s->ow + 1) / 2; }
static int tiles(const bb_convf_shape *s) { return tiles_h(s) * tiles_w(s); }
static int kpad(const bb_convf_shape *s) { return (s->cout + BLOCK - 1) / BLOCK * BLOCK; }
/* Distance between consecutive xi planes of V: 32 floats more than the plane, so the 16
   planes a tile touches do not all map to the same cache sets (planes of 4 KiB multiples did,
   and the transforms ran 3x slower). */
static size_t v_stride(const bb_convf_shape *s) { return (size_t)s->cin * tiles(s) + 32; }
/* M is [tile][xi][k]: the output transform reads one tile's 16 x kpad values contiguously. */
static size_t m_index(const bb_convf_shape *s, int tile, int xi) { return ((size_t)tile * XI + xi) * kpad(s); }

int bb_convw_applies(const bb_convf_shape *s) {
    return s->kh == 3 && s->kw == 3 && s->sh == 1 && s->sw == 1 && s->dh == 1 && s->dw == 1 && s->oh > 0 && s->ow > 0;
}

size_t bb_convw_packed_floats(const bb_convf_shape *s) { return (size_t)XI * kpad(s) * s->cin; }
size_t bb_convw_padded_floats(const bb_convf_shape *s) {
    return (size_t)s->cin * (2 * tiles_h(s) + 2) * (2 * tiles_w(s) + 2);
}
size_t bb_convw_v_floats(const bb_convf_shape *s) { return (size_t)XI * v_stride(s); }
size_t bb_convw_m_floats(const bb_convf_shape *s) { return (size_t)tiles(s) * XI * kpad(s); }

/* U = G g G^T, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], for g[t] (t = 3*row + col) of any
   element type with + - and * (half is 0.5 of that type); u[xi], xi = 4i + j. */
#define BB_WINO_WEIGHT(g, half, u) do {                                                         \
        __typeof__(u[0]) t_[4][3]; /* G g */                                                   \
        for (int j_ = 0; j_ < 3; j_++) {                                                       \
            t_[0][j_] = g[j_];                                                                 \
            t_[1][j_] = half * (g[j_] + g[3 + j_] + g[6 + j_]);                                \
            t_[2][j_] = half * (g[j_] - g[3 + j_] + g[6 + j_]);                                \
            t_[3][j_] = g[6 + j_];                                                             \
        }                                                                                      \
        for (int i_ = 0; i_ < 4; i_++) { /* (G g) G^T, row i */                                \
            u[i_ * 4 + 0] = t_[i_][0];                                                         \
            u[i_ * 4 + 1] = half * (t_[i_][0] + t_[i_][1] + t_[i_][2]);                        \
            u[i_ * 4 + 2] = half * (t_[i_][0] - t_[i_][1] + t_[i_][2]);                        \
            u[i_ * 4 + 3] = t_[i_][2];                                                         \
        }                                                                                      \
    } while (0)

/* Where U[xi][k][c] lives in the packed panels. */
static inline size_t packed_index(const bb_convf_shape *s, int xi, int k, int c) {
    const int kp = kpad(s);
    return (((size_t)xi * (kp / BLOCK) + k / BLOCK) * s->cin + c) * BLOCK + k % BLOCK;
}

/* Input channels [c0, c1), every output channel (zeros past cout): the reference. */
static void pack_portable(const bb_convf_shape *s, const float *w, float *packed, int c0, int c1) {
    for (int k = 0; k < kpad(s); k++)
        for (int c = c0; c < c1; c++) {
            float u[16];
            if (k < s->cout) {
                const float *g = w + ((size_t)k * s->cin + c) * 9;
                BB_WINO_WEIGHT(g, 0.5f, u);
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
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m256i stride = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(9 * C));
    for (int k0 = 0; k0 < kpad(s); k0 += 8)
        for (int c = c0; c < c1; c++) {
            const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(K - k0), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            const float *base = w + ((size_t)k0 * C + c) * 9;
            __m256 g[9], u[16];
            for (int t = 0; t < 9; t++)
                g[t] = K > k0 ? _mm256_mask_i32gather_ps(_mm256_setzero_ps(), base + t, stride, _mm256_castsi256_ps(lanes), 4)
                              : _mm256_setzero_ps();
            BB_WINO_WEIGHT(g, half, u);
            for (int xi = 0; xi < XI; xi++) _mm256_storeu_ps(packed + packed_index(s, xi, k0, c), u[xi]);
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

/* The transforms' arithmetic, written once for any element type with + and - (a float, or an
   SSE/AVX vector holding one value of 4 or 8 tiles or channels): the vector paths do exactly the
   scalar additions in the same order, so every path gives the same bits. */

/* V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]; d[row][col] of a 4x4 window. */
#define BB_WINO_IN(d, v) do {                                                                   \
        __typeof__(d[0][0]) t_[4][4];                                                          \
        for (int j_ = 0; j_ < 4; j_++) {                                                       \
            t_[0][j_] = d[0][j_] - d[2][j_]; t_[1][j_] = d[1][j_] + d[2][j_];                  \
            t_[2][j_] = d[2][j_] - d[1][j_]; t_[3][j_] = d[1][j_] - d[3][j_];                  \
        }                                                                                      \
        for (int i_ = 0; i_ < 4; i_++) {                                                       \
            v[i_ * 4 + 0] = t_[i_][0] - t_[i_][2]; v[i_ * 4 + 1] = t_[i_][1] + t_[i_][2];      \
            v[i_ * 4 + 2] = t_[i_][2] - t_[i_][1]; v[i_ * 4 + 3] = t_[i_][1] - t_[i_][3];      \
        }                                                                                      \
    } while (0)

/* Y = A^T r A, A^T = [1 1 1 0; 0 1 -1 -1]; r[xi] for xi = 4i+j; out[q], q = 2*row + col. */
#define BB_WINO_OUT(r, out) do {                                                               \
        __typeof__(r[0]) t0_[4], t1_[4];                                                       \
        for (int j_ = 0; j_ < 4; j_++) {                                                       \
            t0_[j_] = r[j_] + r[4 + j_] + r[8 + j_];                                           \
            t1_[j_] = r[4 + j_] - r[8 + j_] - r[12 + j_];                                      \
        }                                                                                      \
        out[0] = t0_[0] + t0_[1] + t0_[2]; out[1] = t0_[1] - t0_[2] - t0_[3];                  \
        out[2] = t1_[0] + t1_[1] + t1_[2]; out[3] = t1_[1] - t1_[2] - t1_[3];                  \
    } while (0)

/* Tiles [tx0, tw) of tile row ty of one channel, one at a time: the reference semantics. */
static inline void input_row_scalar(const float *r0, int wp, float *o, size_t stride, int tx0, int tw) {
    for (int tx = tx0; tx < tw; tx++) {
        float d[4][4], v[16];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) d[i][j] = r0[(size_t)i * wp + 2 * tx + j];
        BB_WINO_IN(d, v);
        for (int xi = 0; xi < 16; xi++) o[(size_t)xi * stride + tx] = v[xi];
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
    const int hp = 2 * th + 2, wp = 2 * tw + 2;
    const size_t stride = v_stride(s); /* next xi */
    const bb_convf_shape sub = channel_range(s, c0, c1);
    bb__pad_image(&sub, x + (size_t)c0 * s->h * s->w, xp + (size_t)c0 * hp * wp, hp, wp);
    for (int c = c0; c < c1; c++)
        for (int ty = 0; ty < th; ty++)
            input_row_scalar(xp + ((size_t)c * hp + 2 * ty) * wp, wp, v + (size_t)c * T + (size_t)ty * tw, stride, 0, tw);
}

/* One tile's 2x2 outputs for channels [k0, k0 + kn) (+ bias, activation), into the NCHW output. */
static inline void output_tile_scalar(const bb_convf_shape *s, const float *m, int tile, int k0, int kn,
                                      const float *bias, int act, float lo, float hi, float *y) {
    const int tw = tiles_w(s), ty = tile / tw, tx = tile - ty * tw;
    const size_t plane = (size_t)s->oh * s->ow, kp = (size_t)kpad(s);
    const float *mt = m + m_index(s, tile, 0);
    for (int k = k0; k < k0 + kn; k++) {
        float r[16], out[4];
        for (int xi = 0; xi < 16; xi++) r[xi] = mt[xi * kp + k];
        BB_WINO_OUT(r, out);
        const float b = bias != NULL ? bias[k] : 0.0f;
        float *yk = y + (size_t)k * plane;
        for (int q = 0; q < 4; q++) {
            const int oy = 2 * ty + q / 2, ox = 2 * tx + q % 2;
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
                /* Partial last group: repeat the last tile, store only the real ones. */
                const float *p0 = vx + t0, *p1 = vx + t0 + (nt > 1 ? 1 : 0), *p2 = vx + t0 + (nt > 2 ? 2 : nt - 1);
                const float *p3 = vx + t0 + (nt > 3 ? 3 : nt - 1), *p4 = vx + t0 + (nt > 4 ? 4 : nt - 1);
                const float *p5 = vx + t0 + (nt > 5 ? 5 : nt - 1);
                __m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(), a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps();
                __m256 a20 = _mm256_setzero_ps(), a21 = _mm256_setzero_ps(), a30 = _mm256_setzero_ps(), a31 = _mm256_setzero_ps();
                __m256 a40 = _mm256_setzero_ps(), a41 = _mm256_setzero_ps(), a50 = _mm256_setzero_ps(), a51 = _mm256_setzero_ps();
                const float *u = u0;
                size_t o = 0;
                for (int c = 0; c < C; c++, u += BLOCK, o += (size_t)T) {
                    __m256 w0 = _mm256_loadu_ps(u), w1 = _mm256_loadu_ps(u + 8), b;
                    b = _mm256_broadcast_ss(p0 + o); a00 = _mm256_fmadd_ps(w0, b, a00); a01 = _mm256_fmadd_ps(w1, b, a01);
                    b = _mm256_broadcast_ss(p1 + o); a10 = _mm256_fmadd_ps(w0, b, a10); a11 = _mm256_fmadd_ps(w1, b, a11);
                    b = _mm256_broadcast_ss(p2 + o); a20 = _mm256_fmadd_ps(w0, b, a20); a21 = _mm256_fmadd_ps(w1, b, a21);
                    b = _mm256_broadcast_ss(p3 + o); a30 = _mm256_fmadd_ps(w0, b, a30); a31 = _mm256_fmadd_ps(w1, b, a31);
                    b = _mm256_broadcast_ss(p4 + o); a40 = _mm256_fmadd_ps(w0, b, a40); a41 = _mm256_fmadd_ps(w1, b, a41);
                    b = _mm256_broadcast_ss(p5 + o); a50 = _mm256_fmadd_ps(w0, b, a50); a51 = _mm256_fmadd_ps(w1, b, a51);
                }
                float *dst = mx + (size_t)t0 * ts + kb * BLOCK;
                _mm256_storeu_ps(dst, a00); _mm256_storeu_ps(dst + 8, a01);
                if (nt > 1) { _mm256_storeu_ps(dst + ts, a10); _mm256_storeu_ps(dst + ts + 8, a11); }
                if (nt > 2) { _mm256_storeu_ps(dst + 2 * ts, a20); _mm256_storeu_ps(dst + 2 * ts + 8, a21); }
                if (nt > 3) { _mm256_storeu_ps(dst + 3 * ts, a30); _mm256_storeu_ps(dst + 3 * ts + 8, a31); }
                if (nt > 4) { _mm256_storeu_ps(dst + 4 * ts, a40); _mm256_storeu_ps(dst + 4 * ts + 8, a41); }
                if (nt > 5) { _mm256_storeu_ps(dst + 5 * ts, a50); _mm256_storeu_ps(dst + 5 * ts + 8, a51); }
            }
        }
    }
}

/* Even and odd floats of p[0..15]: [p0 p2 .. p14] and [p1 p3 .. p15]. */
#define BB_DEINTERLEAVE8(p, even, odd) do {                                                      \
        const __m256 a_ = _mm256_loadu_ps(p), b_ = _mm256_loadu_ps((p) + 8);                   \
        even = _mm256_castpd_ps(_mm256_permute4x64_pd(                                         \
            _mm256_castps_pd(_mm256_shuffle_ps(a_, b_, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0))); \
        odd = _mm256_castpd_ps(_mm256_permute4x64_pd(                                          \
            _mm256_castps_pd(_mm256_shuffle_ps(a_, b_, _MM_SHUFFLE(3, 1, 3, 1))), _MM_SHUFFLE(3, 1, 2, 0))); \
    } while (0)
#define BB_DEINTERLEAVE4(p, even, odd) do {                                                      \
        const __m128 a_ = _mm_loadu_ps(p), b_ = _mm_loadu_ps((p) + 4);                         \
        even = _mm_shuffle_ps(a_, b_, _MM_SHUFFLE(2, 0, 2, 0));                                \
        odd = _mm_shuffle_ps(a_, b_, _MM_SHUFFLE(3, 1, 3, 1));                                 \
    } while (0)

/* 8 (then 4) tiles of a tile row per step: tile tx reads columns 2tx..2tx+3, so the windows'
   columns are the even/odd floats at 2tx and 2tx+2 (the last load ends at column 2tw+1, the
   padded row's last). */
BB_TARGET_AVX2 static void input_avx2(const bb_convf_shape *s, const float *x, float *xp, float *v, int c0, int c1) {
    const int th = tiles_h(s), tw = tiles_w(s), T = th * tw;
    const int hp = 2 * th + 2, wp = 2 * tw + 2;
    const size_t stride = v_stride(s);
    /* One channel at a time: its padded copy (a few KiB) is still in L1 when transformed. */
    const bb_convf_shape one = channel_range(s, 0, 1);
    for (int c = c0; c < c1; c++) {
        bb__pad_image_avx2(&one, x + (size_t)c * s->h * s->w, xp + (size_t)c * hp * wp, hp, wp);
        for (int ty = 0; ty < th; ty++) {
            const float *r0 = xp + ((size_t)c * hp + 2 * ty) * wp;
            float *o = v + (size_t)c * T + (size_t)ty * tw;
            int tx = 0;
/* One step of WIDTH tiles: windows of rows 0-3, transform, one store per xi. */
#define BB_INPUT_STEP(WIDTH, VEC, DEINTERLEAVE, STORE)                                          \
            for (; tx + (WIDTH) <= tw; tx += (WIDTH)) {                                         \
                VEC d[4][4], t[16];                                                             \
                for (int i = 0; i < 4; i++) {                                                   \
                    DEINTERLEAVE(r0 + (size_t)i * wp + 2 * tx, d[i][0], d[i][1]);               \
                    DEINTERLEAVE(r0 + (size_t)i * wp + 2 * tx + 2, d[i][2], d[i][3]);           \
                }                                                                               \
                BB_WINO_IN(d, t);                                                               \
                for (int xi = 0; xi < 16; xi++) STORE(o + (size_t)xi * stride + tx, t[xi]);     \
            }
            BB_INPUT_STEP(8, __m256, BB_DEINTERLEAVE8, _mm256_storeu_ps)
            BB_INPUT_STEP(4, __m128, BB_DEINTERLEAVE4, _mm_storeu_ps)
#undef BB_INPUT_STEP
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

/* 4 tiles x 8 channels per step: each tile's outputs are vectors over channels (M is
   k-contiguous); + bias and the activation as in bb__activate (max with lo first, NaN kept),
   then an 8x8 transpose per output row turns them into 8 consecutive pixels per channel.
   Groups that would cross the right edge and tiles past the last group go through the scalar
   path. */
BB_TARGET_AVX2 static void output_avx2(const bb_convf_shape *s, const float *m, const float *bias, int act, float lo,
                                       float hi, float *y, int ty0, int ty1) {
    const int tw = tiles_w(s), K = s->cout;
    const size_t plane = (size_t)s->oh * s->ow, kp = (size_t)kpad(s);
    const __m256 l = _mm256_set1_ps(act == BB_CONVF_ACT_RELU ? 0.0f : lo), u = _mm256_set1_ps(hi);
    /* Whole 4-tile groups of a tile row (8 output columns each) that end inside the row. */
    int groups = tw / 4;
    while (groups > 0 && 8 * groups > s->ow) groups--;
    for (int ty = ty0; ty < ty1; ty++) {
        const int oy = 2 * ty, rows = oy + 1 < s->oh ? 2 : 1;
        /* Channels outside, columns inside: the 8-16 output rows being written stay in L1
           while a tile row's M (16 x kpad floats per tile) is read once per 8 channels. */
        for (int k0 = 0; k0 < K; k0 += 8) {
            const int kn = K - k0 < 8 ? K - k0 : 8;
            /* The bias of channels k0..k0+7 (zeros past cout or without a bias). */
            const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(kn), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            const __m256 b = bias != NULL ? _mm256_maskload_ps(bias + k0, lanes) : _mm256_setzero_ps();
            float *y0 = y + (size_t)k0 * plane + (size_t)oy * s->ow, *y1 = y0 + s->ow;
            for (int g = 0; g < groups; g++) {
                const int tx = 4 * g;
                const float *mt = m + m_index(s, ty * tw + tx, 0) + k0;
                __m256 row0[8], row1[8];
                for (int j = 0; j < 4; j++) {
                    __m256 r[16], out[4];
                    for (int xi = 0; xi < 16; xi++) r[xi] = _mm256_loadu_ps(mt + ((size_t)j * XI + xi) * kp);
                    BB_WINO_OUT(r, out);
                    for (int q = 0; q < 4; q++) {
                        out[q] = _mm256_add_ps(out[q], b);
                        if (act != BB_CONVF_ACT_NONE) out[q] = _mm256_max_ps(l, out[q]);
                        if (act == BB_CONVF_ACT_CLIP) out[q] = _mm256_min_ps(u, out[q]);
                    }
                    row0[2 * j] = out[0]; row0[2 * j + 1] = out[1];
                    row1[2 * j] = out[2]; row1[2 * j + 1] = out[3];
                }
                transpose8(row0);
                for (int k = 0; k < kn; k++) _mm256_storeu_ps(y0 + (size_t)k * plane + 2 * tx, row0[k]);
                if (rows == 2) {
                    transpose8(row1);
                    for (int k = 0; k < kn; k++) _mm256_storeu_ps(y1 + (size_t)k * plane + 2 * tx, row1[k]);
                }
            }
        }
        for (int tx = 4 * groups; tx < tw; tx++) output_tile_scalar(s, m, ty * tw + tx, 0, K, bias, act, lo, hi, y);
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
