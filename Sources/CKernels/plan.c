/* plan.c -- bb_gemm_plan: the weight-side work of bb_gemm_u8 done once per weight tensor. */
#include "internal.h"

bb_gemm_plan *bb_gemm_plan_create(const bb_weights *w) {
    bb_gemm_plan *p = (bb_gemm_plan *)calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    const size_t M = (size_t)w->rows;
    const size_t code_bytes = M * (size_t)w->row_bytes, scale_bytes = M * sizeof(float);
    const size_t zp_bytes = w->zero_points != NULL ? M * sizeof(int32_t) : 0;
    /* scales first: float and int32 alignment for free, codes (bytes) last */
    uint8_t *own = (uint8_t *)malloc(scale_bytes + zp_bytes + code_bytes + 1);
    if (own == NULL) {
        free(p);
        return NULL;
    }
    p->owned = own;
    p->w = *w;
    if (w->scales != NULL) memcpy(own, w->scales, scale_bytes);
    else memset(own, 0, scale_bytes);
    p->w.scales = (const float *)own;
    if (zp_bytes > 0) {
        memcpy(own + scale_bytes, w->zero_points, zp_bytes);
        p->w.zero_points = (const int32_t *)(own + scale_bytes);
    }
    if (code_bytes > 0) memcpy(own + scale_bytes + zp_bytes, w->codes, code_bytes);
    p->w.codes = own + scale_bytes + zp_bytes;
    p->level = BB_LEVEL_SCALAR;
#if BB_X86
    const int level = bb_get_level();
    if (level == BB_LEVEL_AVX512VNNI) bb__plan_build(p, level, bb__gemm_kernels_avx512(w->format));
    else if (level == BB_LEVEL_AVX2) bb__plan_build(p, level, bb__gemm_kernels_avx2(w->format));
#endif
    return p;
}

void bb_gemm_plan_free(bb_gemm_plan *p) {
    if (p == NULL) return;
#if BB_X86
    if (p->kr != NULL) bb__plan_release(p);
#endif
    free(p->owned);
    free(p);
}

void bb_gemm_u8_planned(const bb_gemm_plan *p, const uint8_t *x, size_t n, size_t ldx,
                        int32_t zx, int32_t *c, size_t ldc) {
#if BB_X86
    if (p->kr != NULL && bb_get_level() == p->level) {
        bb__gemm_u8_planned_simd(p, x, n, ldx, zx, c, ldc);
        return;
    }
#endif
    bb_gemm_u8(&p->w, x, n, ldx, zx, c, ldc); /* the active level's unprepared kernels */
}
