/* internal.h -- helpers shared by the direct and Winograd kernels (not public API). */
#ifndef BITBUDGET_CFLOATCONV_INTERNAL_H
#define BITBUDGET_CFLOATCONV_INTERNAL_H

#include "cfloatconv.h"
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#define BB_X86 1
#include <immintrin.h>
#define BB_TARGET_AVX2 __attribute__((target("avx2,fma")))
#else
#define BB_X86 0
#endif

/* Copies image x (cin x h x w) into xp (cin x hp x wp) with its top/left pads applied and
   zeros everywhere else, so every tap either kernel reads is in bounds. */
static inline void bb__pad_image(const bb_convf_shape *s, const float *x, float *xp, int hp, int wp) {
    /* Valid columns of a padded row: ix = q - pl in [0, w). */
    int q0 = s->pl < 0 ? 0 : s->pl;
    int q1 = s->pl + s->w < wp ? s->pl + s->w : wp;
    for (int c = 0; c < s->cin; c++) {
        const float *src = x + (size_t)c * s->h * s->w;
        float *dst = xp + (size_t)c * hp * wp;
        for (int r = 0; r < hp; r++) {
            float *row = dst + (size_t)r * wp;
            int iy = r - s->pt;
            if (iy < 0 || iy >= s->h || q1 <= q0) {
                memset(row, 0, sizeof(float) * (size_t)wp);
                continue;
            }
            if (q0 > 0) memset(row, 0, sizeof(float) * (size_t)q0);
            memcpy(row + q0, src + (size_t)iy * s->w + (q0 - s->pl), sizeof(float) * (size_t)(q1 - q0));
            if (q1 < wp) memset(row + q1, 0, sizeof(float) * (size_t)(wp - q1));
        }
    }
}

#if BB_X86
/* bb__pad_image with inline AVX2 copies and zero stores. The rows are short (8-34 floats for
   CIFAR-sized images), and a memcpy/memset call per row cost more than the copy itself
   (~10% of a Winograd forward pass). no_builtin keeps the compiler from turning the loops back
   into those calls. Same values as bb__pad_image. */
BB_TARGET_AVX2 __attribute__((no_builtin("memcpy", "memset"))) static inline void bb__pad_image_avx2(
    const bb_convf_shape *s, const float *x, float *xp, int hp, int wp) {
    int q0 = s->pl < 0 ? 0 : s->pl;
    int q1 = s->pl + s->w < wp ? s->pl + s->w : wp;
    const __m256 z = _mm256_setzero_ps();
    for (int c = 0; c < s->cin; c++) {
        const float *src = x + (size_t)c * s->h * s->w;
        float *dst = xp + (size_t)c * hp * wp;
        for (int r = 0; r < hp; r++) {
            float *row = dst + (size_t)r * wp;
            int iy = r - s->pt, a = q0, b = q1;
            if (iy < 0 || iy >= s->h || q1 <= q0) a = b = wp; /* all zeros */
            int i = 0;
            for (; i + 8 <= a; i += 8) _mm256_storeu_ps(row + i, z);
            for (; i < a; i++) row[i] = 0.0f;
            if (a < b) {
                const float *in = src + (size_t)iy * s->w; /* column i of the row is in[i - pl] */
                for (; i + 8 <= b; i += 8) _mm256_storeu_ps(row + i, _mm256_loadu_ps(in + (i - s->pl)));
                for (; i < b; i++) row[i] = in[i - s->pl];
            }
            for (; i + 8 <= wp; i += 8) _mm256_storeu_ps(row + i, z);
            for (; i < wp; i++) row[i] = 0.0f;
        }
    }
}
#endif

/* The fused activation of one value (NaN stays NaN). */
static inline float bb__activate(float v, int act, float lo, float hi) {
    if (act == BB_CONVF_ACT_RELU) return v < 0 ? 0 : v;
    if (act == BB_CONVF_ACT_CLIP) return v < lo ? lo : (v > hi ? hi : v);
    return v;
}

#endif
