/* kernels_avx512.c -- AVX-512 VNNI GEMM micro-kernel (VPDPBUSD: u8 x s8, 4 products
   summed into int32 without intermediate saturation, so every b <= 8 takes this path).
   4 rows x 32 columns per call (two 16-column panel blocks).

   Compiled per function with BB_TARGET_AVX512 and only dispatched to on CPUs that
   report avx512f/bw/vl/vnni.  Define BB_EMULATE_AVX512 (with SIMDe on the include
   path) to build this file on any machine for verification against the reference. */
#include "internal.h"

#if BB_X86

#ifdef BB_EMULATE_AVX512
/* Portable SIMDe versions of exactly the intrinsics used below. */
#include <simde/x86/avx512.h>
#undef BB_TARGET_AVX512
#define BB_TARGET_AVX512
#define __m512i simde__m512i
#define _mm512_setzero_si512 simde_mm512_setzero_si512
#define _mm512_load_si512 simde_mm512_load_si512
#define _mm512_loadu_si512 simde_mm512_loadu_si512
#define _mm512_storeu_si512 simde_mm512_storeu_si512
#define _mm512_set1_epi32 simde_mm512_set1_epi32
#define _mm512_sub_epi32 simde_mm512_sub_epi32
#define _mm512_mullo_epi32 simde_mm512_mullo_epi32
#define _mm512_dpbusd_epi32 simde_mm512_dpbusd_epi32
#else
#include <immintrin.h>
#endif

static inline int32_t load_i32_512(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

BB_TARGET_AVX512 static inline void epilogue16(__m512i acc, int r, int half,
                                               const bb__epilogue *ep) {
    __m512i v = _mm512_sub_epi32(acc, _mm512_set1_epi32(ep->rowcorr[r]));
    if (ep->colsum != NULL)
        v = _mm512_sub_epi32(v, _mm512_mullo_epi32(_mm512_set1_epi32(ep->zs[r]),
                                                   _mm512_loadu_si512((const void *)(ep->colsum + 16 * half))));
    _mm512_storeu_si512((void *)(ep->c + (size_t)r * ep->ldc + 16 * half), v);
}

BB_TARGET_AVX512 static void ukr_vnni(const void *strip, const uint8_t *panel, size_t KG,
                                      int T, const bb__epilogue *ep) {
    (void)T;
    const int8_t *ws = (const int8_t *)strip;
    const uint8_t *p0 = panel, *p1 = panel + KG * 64;
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c10 = c00, c11 = c00;
    __m512i c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (size_t g = 0; g < KG; g++) {
        const __m512i x0 = _mm512_load_si512((const void *)(p0 + g * 64));
        const __m512i x1 = _mm512_load_si512((const void *)(p1 + g * 64));
        const int8_t *wg = ws + g * 16;
        __m512i wv = _mm512_set1_epi32(load_i32_512(wg));
        c00 = _mm512_dpbusd_epi32(c00, x0, wv);
        c01 = _mm512_dpbusd_epi32(c01, x1, wv);
        wv = _mm512_set1_epi32(load_i32_512(wg + 4));
        c10 = _mm512_dpbusd_epi32(c10, x0, wv);
        c11 = _mm512_dpbusd_epi32(c11, x1, wv);
        wv = _mm512_set1_epi32(load_i32_512(wg + 8));
        c20 = _mm512_dpbusd_epi32(c20, x0, wv);
        c21 = _mm512_dpbusd_epi32(c21, x1, wv);
        wv = _mm512_set1_epi32(load_i32_512(wg + 12));
        c30 = _mm512_dpbusd_epi32(c30, x0, wv);
        c31 = _mm512_dpbusd_epi32(c31, x1, wv);
    }
    epilogue16(c00, 0, 0, ep);
    epilogue16(c01, 0, 1, ep);
    epilogue16(c10, 1, 0, ep);
    epilogue16(c11, 1, 1, ep);
    epilogue16(c20, 2, 0, ep);
    epilogue16(c21, 2, 1, ep);
    epilogue16(c30, 3, 0, ep);
    epilogue16(c31, 3, 1, ep);
}

const bb__gemm_kernels *bb__gemm_kernels_avx512(int32_t format) {
    (void)format; /* VPDPBUSD has no intermediate saturation: one kernel for every b <= 8 */
    static const bb__gemm_kernels kr = {
        .nr = 16, .cols = 32, .int8_needs_wide = 0, .ukr = ukr_vnni, .ukr_wide = NULL};
    return &kr;
}

void bb__gemm_u8_avx512(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                        int32_t zx, int32_t *c, size_t ldc) {
    bb__gemm_u8_driver(w, x, n, ldx, zx, c, ldc, bb__gemm_kernels_avx512(w->format));
}

#endif /* BB_X86 */
