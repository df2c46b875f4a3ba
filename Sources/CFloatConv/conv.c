/* conv.c -- direct FP32 convolution (see cfloatconv.h for the layout and why). */
#include "internal.h"
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int g_simd = -1;

static int detect(void) {
#if BB_X86
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return 0;
    const char *env = getenv("BITBUDGET_KERNELS");
    if (env != NULL && (strcmp(env, "scalar") == 0 || strcmp(env, "ref") == 0)) return 0;
    return 1;
#else
    return 0;
#endif
}

int bb_convf_simd_available(void) {
    int v = atomic_load_explicit(&g_simd, memory_order_relaxed);
    if (v < 0) {
        v = detect();
        atomic_store_explicit(&g_simd, v, memory_order_relaxed);
    }
    return v;
}

int bb_convf_set_simd(int enabled) {
    int v = 0;
#if BB_X86
    __builtin_cpu_init();
    v = enabled && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    atomic_store_explicit(&g_simd, v, memory_order_relaxed);
    return v;
}

static int taps(const bb_convf_shape *s) { return s->cin * s->kh * s->kw; }
static int padded_h(const bb_convf_shape *s) { return (s->oh - 1) * s->sh + (s->kh - 1) * s->dh + 1; }
static int padded_w(const bb_convf_shape *s) { return (s->ow - 1) * s->sw + (s->kw - 1) * s->dw + 1; }

size_t bb_convf_packed_floats(const bb_convf_shape *s) {
    size_t blocks = (size_t)(s->cout + BB_CONVF_BLOCK - 1) / BB_CONVF_BLOCK;
    return blocks * (size_t)taps(s) * BB_CONVF_BLOCK;
}

size_t bb_convf_padded_floats(const bb_convf_shape *s) {
    return (size_t)s->cin * (size_t)padded_h(s) * (size_t)padded_w(s);
}

int bb_convf_tiles(const bb_convf_shape *s) {
    return (s->oh * s->ow + BB_CONVF_TILE - 1) / BB_CONVF_TILE;
}

void bb_convf_pack_weights(const bb_convf_shape *s, const float *w, float *packed) {
    const int k = taps(s);
    const int blocks = (s->cout + BB_CONVF_BLOCK - 1) / BB_CONVF_BLOCK;
    for (int b = 0; b < blocks; b++) {
        float *dst = packed + (size_t)b * k * BB_CONVF_BLOCK;
        for (int t = 0; t < k; t++)
            for (int i = 0; i < BB_CONVF_BLOCK; i++) {
                int oc = b * BB_CONVF_BLOCK + i;
                dst[(size_t)t * BB_CONVF_BLOCK + i] = oc < s->cout ? w[(size_t)oc * k + t] : 0.0f;
            }
    }
}

void bb_convf_offsets(const bb_convf_shape *s, int *offsets) {
    const int hp = padded_h(s), wp = padded_w(s);
    int t = 0;
    for (int c = 0; c < s->cin; c++)
        for (int ky = 0; ky < s->kh; ky++)
            for (int kx = 0; kx < s->kw; kx++) offsets[t++] = (c * hp + ky * s->dh) * wp + kx * s->dw;
}

#if BB_X86
BB_TARGET_AVX2 static void pad_avx2(const bb_convf_shape *s, const float *x, float *xp) {
    bb__pad_image_avx2(s, x, xp, padded_h(s), padded_w(s));
}
#endif

void bb_convf_pad_input(const bb_convf_shape *s, const float *x, float *xp) {
#if BB_X86
    if (bb_convf_simd_available()) { pad_avx2(s, x, xp); return; }
#endif
    bb__pad_image(s, x, xp, padded_h(s), padded_w(s));
}

/* Input position (top-left tap) of output pixel p, as an offset into the padded input. */
static inline int pixel_base(const bb_convf_shape *s, int wp, int p) {
    int oy = p / s->ow, ox = p - oy * s->ow;
    return oy * s->sh * wp + ox * s->sw;
}

/* Writes a 6-pixel x 16-channel tile tmp[pixel][channel] to the NCHW output. */
static inline __attribute__((always_inline)) void store_tile(const bb_convf_shape *s, const float *tmp, int block, int p0, int npix,
                              const float *bias, int act, float lo, float hi, float *y) {
    const size_t plane = (size_t)s->oh * s->ow;
    for (int i = 0; i < BB_CONVF_BLOCK; i++) {
        int oc = block * BB_CONVF_BLOCK + i;
        if (oc >= s->cout) break;
        float b = bias != NULL ? bias[oc] : 0.0f;
        float *dst = y + (size_t)oc * plane + p0;
        if (bias == NULL && act == BB_CONVF_ACT_NONE) {
            for (int p = 0; p < npix; p++) dst[p] = tmp[p * BB_CONVF_BLOCK + i];
            continue;
        }
        for (int p = 0; p < npix; p++) dst[p] = bb__activate(tmp[p * BB_CONVF_BLOCK + i] + b, act, lo, hi);
    }
}

/* Portable kernel: the same tiles, taps in the same order (the reference semantics). */
static void run_portable(const bb_convf_shape *s, const float *xp, const float *packed, const int *off,
                         const float *bias, int act, float lo, float hi, float *y, int tile0, int tile1) {
    const int k = taps(s), wp = padded_w(s), pixels = s->oh * s->ow;
    const int blocks = (s->cout + BB_CONVF_BLOCK - 1) / BB_CONVF_BLOCK;
    float acc[BB_CONVF_TILE * BB_CONVF_BLOCK];
    for (int b = 0; b < blocks; b++) {
        const float *pw = packed + (size_t)b * k * BB_CONVF_BLOCK;
        for (int tile = tile0; tile < tile1; tile++) {
            int p0 = tile * BB_CONVF_TILE;
            int npix = pixels - p0 < BB_CONVF_TILE ? pixels - p0 : BB_CONVF_TILE;
            const float *base[BB_CONVF_TILE];
            for (int p = 0; p < BB_CONVF_TILE; p++) base[p] = xp + pixel_base(s, wp, p0 + (p < npix ? p : npix - 1));
            memset(acc, 0, sizeof acc);
            for (int t = 0; t < k; t++) {
                const float *wt = pw + (size_t)t * BB_CONVF_BLOCK;
                for (int p = 0; p < BB_CONVF_TILE; p++) {
                    float v = base[p][off[t]];
                    float *a = acc + p * BB_CONVF_BLOCK;
                    for (int i = 0; i < BB_CONVF_BLOCK; i++) a[i] = fmaf(wt[i], v, a[i]); /* as the AVX2 FMA */
                }
            }
            store_tile(s, acc, b, p0, npix, bias, act, lo, hi, y);
        }
    }
}

#if BB_X86
BB_TARGET_AVX2 static void run_avx2(const bb_convf_shape *s, const float *xp, const float *packed, const int *off,
                                    const float *bias, int act, float lo, float hi, float *y, int tile0, int tile1) {
    const int k = taps(s), wp = padded_w(s), pixels = s->oh * s->ow;
    const int blocks = (s->cout + BB_CONVF_BLOCK - 1) / BB_CONVF_BLOCK;
    float tmp[BB_CONVF_TILE * BB_CONVF_BLOCK] __attribute__((aligned(32)));
    /* Bias padded to whole panels (zeros past cout). */
    float *bpad = calloc((size_t)blocks * BB_CONVF_BLOCK, sizeof(float));
    if (bpad == NULL) abort();
    if (bias != NULL) memcpy(bpad, bias, sizeof(float) * (size_t)s->cout);
    for (int b = 0; b < blocks; b++) {
        const float *pw = packed + (size_t)b * k * BB_CONVF_BLOCK;
        for (int tile = tile0; tile < tile1; tile++) {
            int p0 = tile * BB_CONVF_TILE;
            int npix = pixels - p0 < BB_CONVF_TILE ? pixels - p0 : BB_CONVF_TILE;
            const float *b0, *b1, *b2, *b3, *b4, *b5;
#define BASE(p) (xp + pixel_base(s, wp, p0 + ((p) < npix ? (p) : npix - 1)))
            b0 = BASE(0); b1 = BASE(1); b2 = BASE(2); b3 = BASE(3); b4 = BASE(4); b5 = BASE(5);
#undef BASE
            __m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps();
            __m256 a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps();
            __m256 a20 = _mm256_setzero_ps(), a21 = _mm256_setzero_ps();
            __m256 a30 = _mm256_setzero_ps(), a31 = _mm256_setzero_ps();
            __m256 a40 = _mm256_setzero_ps(), a41 = _mm256_setzero_ps();
            __m256 a50 = _mm256_setzero_ps(), a51 = _mm256_setzero_ps();
            const float *wt = pw;
            for (int t = 0; t < k; t++, wt += BB_CONVF_BLOCK) {
                const int o = off[t];
                __m256 w0 = _mm256_loadu_ps(wt), w1 = _mm256_loadu_ps(wt + 8);
                __m256 v;
                v = _mm256_broadcast_ss(b0 + o); a00 = _mm256_fmadd_ps(w0, v, a00); a01 = _mm256_fmadd_ps(w1, v, a01);
                v = _mm256_broadcast_ss(b1 + o); a10 = _mm256_fmadd_ps(w0, v, a10); a11 = _mm256_fmadd_ps(w1, v, a11);
                v = _mm256_broadcast_ss(b2 + o); a20 = _mm256_fmadd_ps(w0, v, a20); a21 = _mm256_fmadd_ps(w1, v, a21);
                v = _mm256_broadcast_ss(b3 + o); a30 = _mm256_fmadd_ps(w0, v, a30); a31 = _mm256_fmadd_ps(w1, v, a31);
                v = _mm256_broadcast_ss(b4 + o); a40 = _mm256_fmadd_ps(w0, v, a40); a41 = _mm256_fmadd_ps(w1, v, a41);
                v = _mm256_broadcast_ss(b5 + o); a50 = _mm256_fmadd_ps(w0, v, a50); a51 = _mm256_fmadd_ps(w1, v, a51);
            }
            /* Bias and activation on the accumulators, so the store is a plain transpose. */
            {
                const __m256 bb0 = _mm256_loadu_ps(bpad + b * BB_CONVF_BLOCK), bb1 = _mm256_loadu_ps(bpad + b * BB_CONVF_BLOCK + 8);
                a00 = _mm256_add_ps(a00, bb0); a01 = _mm256_add_ps(a01, bb1);
                a10 = _mm256_add_ps(a10, bb0); a11 = _mm256_add_ps(a11, bb1);
                a20 = _mm256_add_ps(a20, bb0); a21 = _mm256_add_ps(a21, bb1);
                a30 = _mm256_add_ps(a30, bb0); a31 = _mm256_add_ps(a31, bb1);
                a40 = _mm256_add_ps(a40, bb0); a41 = _mm256_add_ps(a41, bb1);
                a50 = _mm256_add_ps(a50, bb0); a51 = _mm256_add_ps(a51, bb1);
                if (act != BB_CONVF_ACT_NONE) {
                    /* max(v, lo) then min(v, hi), in the order activate() uses (lo first). */
                    const __m256 l = _mm256_set1_ps(act == BB_CONVF_ACT_RELU ? 0.0f : lo);
#define LO(a) a = _mm256_max_ps(l, a) /* NaN stays NaN, as in bb__activate() */
                    LO(a00); LO(a01); LO(a10); LO(a11); LO(a20); LO(a21); LO(a30); LO(a31); LO(a40); LO(a41); LO(a50); LO(a51);
#undef LO
                    if (act == BB_CONVF_ACT_CLIP) {
                        const __m256 u = _mm256_set1_ps(hi);
#define HI(a) a = _mm256_min_ps(u, a)
                        HI(a00); HI(a01); HI(a10); HI(a11); HI(a20); HI(a21); HI(a30); HI(a31); HI(a40); HI(a41); HI(a50); HI(a51);
#undef HI
                    }
                }
            }
            _mm256_store_ps(tmp + 0, a00);  _mm256_store_ps(tmp + 8, a01);
            _mm256_store_ps(tmp + 16, a10); _mm256_store_ps(tmp + 24, a11);
            _mm256_store_ps(tmp + 32, a20); _mm256_store_ps(tmp + 40, a21);
            _mm256_store_ps(tmp + 48, a30); _mm256_store_ps(tmp + 56, a31);
            _mm256_store_ps(tmp + 64, a40); _mm256_store_ps(tmp + 72, a41);
            _mm256_store_ps(tmp + 80, a50); _mm256_store_ps(tmp + 88, a51);
            store_tile(s, tmp, b, p0, npix, NULL, BB_CONVF_ACT_NONE, 0, 0, y);
        }
    }
    free(bpad);
}
#endif

void bb_convf_run(const bb_convf_shape *s, const float *xp, const float *packed, const int *offsets,
                  const float *bias, int act, float lo, float hi, float *y, int tile0, int tile1) {
    if (tile1 <= tile0 || s->cout <= 0) return;
#if BB_X86
    if (bb_convf_simd_available()) {
        run_avx2(s, xp, packed, offsets, bias, act, lo, hi, y, tile0, tile1);
        return;
    }
#endif
    run_portable(s, xp, packed, offsets, bias, act, lo, hi, y, tile0, tile1);
}
