/* winograd.c -- Winograd F(2x2, 3x3) convolution (see cfloatconv.h for the layout and why). */
#include "internal.h"
#include <stdlib.h>
#include <string.h>

enum { XI = 16, BLOCK = BB_CONVF_BLOCK, TILE = BB_CONVF_TILE };

static int tiles_h(const bb_convf_shape *s) { return (s->oh + 1) / 2; }
static int tiles_w(const bb_convf_shape *s) { return (s->ow + 1) / 2; }
static int tiles(const bb_convf_shape *s) { return tiles_h(s) * tiles_w(s); }
static int kpad(const bb_convf_shape *s) { return (s->cout + BLOCK - 1) / BLOCK * BLOCK; }
/* Distance between consecutive xi planes of V and M: 32 floats more than the plane, so the 16
   planes a tile touches do not all map to the same cache sets (planes of 4 KiB multiples did,
   and the transforms ran 3x slower). */
static size_t v_stride(const bb_convf_shape *s) { return (size_t)s->cin * tiles(s) + 32; }
static size_t m_stride(const bb_convf_shape *s) { return (size_t)tiles(s) * kpad(s) + 32; }

int bb_convw_applies(const bb_convf_shape *s) {
    return s->kh == 3 && s->kw == 3 && s->sh == 1 && s->sw == 1 && s->dh == 1 && s->dw == 1 && s->oh > 0 && s->ow > 0;
}

size_t bb_convw_packed_floats(const bb_convf_shape *s) { return (size_t)XI * kpad(s) * s->cin; }
size_t bb_convw_padded_floats(const bb_convf_shape *s) {
    return (size_t)s->cin * (2 * tiles_h(s) + 2) * (2 * tiles_w(s) + 2);
}
size_t bb_convw_v_floats(const bb_convf_shape *s) { return (size_t)XI * v_stride(s); }
size_t bb_convw_m_floats(const bb_convf_shape *s) { return (size_t)XI * m_stride(s); }

/* U = G g G^T, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. */
void bb_convw_pack_weights(const bb_convf_shape *s, const float *w, float *packed) {
    const int c_n = s->cin, kp = kpad(s);
    memset(packed, 0, sizeof(float) * bb_convw_packed_floats(s));
    for (int k = 0; k < s->cout; k++)
        for (int c = 0; c < c_n; c++) {
            const float *g = w + ((size_t)k * c_n + c) * 9;
            float t[4][3]; /* G g */
            for (int j = 0; j < 3; j++) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            for (int i = 0; i < 4; i++) {
                float u[4]; /* (G g) G^T, row i */
                u[0] = t[i][0];
                u[1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
                u[2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
                u[3] = t[i][2];
                for (int j = 0; j < 4; j++) {
                    int xi = i * 4 + j;
                    packed[(((size_t)xi * (kp / BLOCK) + k / BLOCK) * c_n + c) * BLOCK + k % BLOCK] = u[j];
                }
            }
        }
}

/* V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. */
static inline void input_tiles(const bb_convf_shape *s, const float *x, float *xp, float *v) {
    const int th = tiles_h(s), tw = tiles_w(s), T = th * tw;
    const int hp = 2 * th + 2, wp = 2 * tw + 2;
    bb__pad_image(s, x, xp, hp, wp);
    for (int c = 0; c < s->cin; c++) {
        const float *dst = xp + (size_t)c * hp * wp;
        /* Tiles of one tile row at a time, tx innermost: the stores are contiguous per xi
           and the stride-2 loads vectorize. */
        const size_t stride = v_stride(s); /* next xi */
        for (int ty = 0; ty < th; ty++) {
            const float *r0 = dst + (size_t)(2 * ty) * wp, *r1 = r0 + wp, *r2 = r1 + wp, *r3 = r2 + wp;
            float *o = v + (size_t)c * T + (size_t)ty * tw;
            for (int tx = 0; tx < tw; tx++) {
                float t[4][4];
                for (int j = 0; j < 4; j++) {
                    float d0 = r0[2 * tx + j], d1 = r1[2 * tx + j], d2 = r2[2 * tx + j], d3 = r3[2 * tx + j];
                    t[0][j] = d0 - d2; t[1][j] = d1 + d2; t[2][j] = d2 - d1; t[3][j] = d1 - d3;
                }
                for (int i = 0; i < 4; i++) {
                    o[(size_t)(i * 4 + 0) * stride + tx] = t[i][0] - t[i][2];
                    o[(size_t)(i * 4 + 1) * stride + tx] = t[i][1] + t[i][2];
                    o[(size_t)(i * 4 + 2) * stride + tx] = t[i][2] - t[i][1];
                    o[(size_t)(i * 4 + 3) * stride + tx] = t[i][1] - t[i][3];
                }
            }
        }
    }
}

/* Y = A^T m A, A^T = [1 1 1 0; 0 1 -1 -1]; k-contiguous, so the k loops vectorize. */
static inline void output_tiles(const bb_convf_shape *s, const float *m, const float *bias, int act, float lo, float hi,
                                float *y) {
    const int th = tiles_h(s), tw = tiles_w(s), T = th * tw, kp = kpad(s), K = s->cout;
    const size_t plane = (size_t)s->oh * s->ow, xs = m_stride(s);
    float out[4][BLOCK];
    for (int tile = 0; tile < T; tile++) {
        const int ty = tile / tw, tx = tile - ty * tw;
        const float *mt = m + (size_t)tile * kp;
        for (int k0 = 0; k0 < K; k0 += BLOCK) {
            for (int k = 0; k < BLOCK; k++) {
                float r[4][4];
                for (int xi = 0; xi < 16; xi++) r[xi / 4][xi % 4] = mt[xi * xs + k0 + k];
                float t0[4], t1[4];
                for (int j = 0; j < 4; j++) {
                    t0[j] = r[0][j] + r[1][j] + r[2][j];
                    t1[j] = r[1][j] - r[2][j] - r[3][j];
                }
                out[0][k] = t0[0] + t0[1] + t0[2];
                out[1][k] = t0[1] - t0[2] - t0[3];
                out[2][k] = t1[0] + t1[1] + t1[2];
                out[3][k] = t1[1] - t1[2] - t1[3];
            }
            const int kn = K - k0 < BLOCK ? K - k0 : BLOCK;
            for (int k = 0; k < kn; k++) {
                float b = bias != NULL ? bias[k0 + k] : 0.0f;
                float *yk = y + (size_t)(k0 + k) * plane;
                for (int q = 0; q < 4; q++) {
                    int oy = 2 * ty + q / 2, ox = 2 * tx + q % 2;
                    if (oy < s->oh && ox < s->ow) yk[(size_t)oy * s->ow + ox] = bb__activate(out[q][k] + b, act, lo, hi);
                }
            }
        }
    }
}

static void gemm_portable(const bb_convf_shape *s, const float *v, const float *packed, float *m, int xi0, int xi1) {
    const int C = s->cin, T = tiles(s), kp = kpad(s);
    for (int xi = xi0; xi < xi1; xi++) {
        const float *vx = v + (size_t)xi * v_stride(s);
        float *mx = m + (size_t)xi * m_stride(s);
        for (int kb = 0; kb < kp / BLOCK; kb++) {
            const float *u = packed + ((size_t)xi * (kp / BLOCK) + kb) * C * BLOCK;
            for (int t = 0; t < T; t++) {
                float acc[BLOCK];
                memset(acc, 0, sizeof acc);
                for (int c = 0; c < C; c++) {
                    float a = vx[(size_t)c * T + t];
                    for (int i = 0; i < BLOCK; i++) acc[i] += u[c * BLOCK + i] * a;
                }
                memcpy(mx + (size_t)t * kp + kb * BLOCK, acc, sizeof acc);
            }
        }
    }
}

#if BB_X86
BB_TARGET_AVX2 static void gemm_avx2(const bb_convf_shape *s, const float *v, const float *packed, float *m, int xi0, int xi1) {
    const int C = s->cin, T = tiles(s), kp = kpad(s);
    for (int xi = xi0; xi < xi1; xi++) {
        const float *vx = v + (size_t)xi * v_stride(s);
        float *mx = m + (size_t)xi * m_stride(s);
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
                float *dst = mx + (size_t)t0 * kp + kb * BLOCK;
                _mm256_storeu_ps(dst, a00); _mm256_storeu_ps(dst + 8, a01);
                if (nt > 1) { _mm256_storeu_ps(dst + kp, a10); _mm256_storeu_ps(dst + kp + 8, a11); }
                if (nt > 2) { _mm256_storeu_ps(dst + 2 * kp, a20); _mm256_storeu_ps(dst + 2 * kp + 8, a21); }
                if (nt > 3) { _mm256_storeu_ps(dst + 3 * kp, a30); _mm256_storeu_ps(dst + 3 * kp + 8, a31); }
                if (nt > 4) { _mm256_storeu_ps(dst + 4 * kp, a40); _mm256_storeu_ps(dst + 4 * kp + 8, a41); }
                if (nt > 5) { _mm256_storeu_ps(dst + 5 * kp, a50); _mm256_storeu_ps(dst + 5 * kp + 8, a51); }
            }
        }
    }
}

BB_TARGET_AVX2 static void input_avx2(const bb_convf_shape *s, const float *x, float *xp, float *v) { input_tiles(s, x, xp, v); }
BB_TARGET_AVX2 static void output_avx2(const bb_convf_shape *s, const float *m, const float *bias, int act, float lo, float hi, float *y) {
    output_tiles(s, m, bias, act, lo, hi, y);
}
#endif

void bb_convw_input(const bb_convf_shape *s, const float *x, float *xp, float *v) {
#if BB_X86
    if (bb_convf_simd_available()) { input_avx2(s, x, xp, v); return; }
#endif
    input_tiles(s, x, xp, v);
}

void bb_convw_gemm(const bb_convf_shape *s, const float *v, const float *packed, float *m, int xi0, int xi1) {
#if BB_X86
    if (bb_convf_simd_available()) { gemm_avx2(s, v, packed, m, xi0, xi1); return; }
#endif
    gemm_portable(s, v, packed, m, xi0, xi1);
}

void bb_convw_output(const bb_convf_shape *s, const float *m, const float *bias, int act, float lo, float hi, float *y) {
#if BB_X86
    if (bb_convf_simd_available()) { output_avx2(s, m, bias, act, lo, hi, y); return; }
#endif
    output_tiles(s, m, bias, act, lo, hi, y);
}
