/* requant_avx512.c -- int32 -> u8/s8 requantization on 16 lanes (AVX-512F/BW).

   The AVX2 kernel's arithmetic (kernels_avx2.c: srdhm8 / rdbpot8 / mbqm8), lane for lane:
   SRDHM as floor((a*b + 2^30) / 2^31) from VPMULDQ on the even and odd lanes, gemmlowp's
   rounding divide by a power of two (ties away from zero), the output zero point, the clamp
   to [qmin, qmax] within the output type; then VPMOVDB / VPMOVUSDB narrow 16 values at once
   (exact, since they already lie in the 8-bit range). The definition is
   bb_requantize_u8_ref / _s8_ref; FixedPointTests compares every level against it.
   Dispatched at the avx512vnni level (which implies avx512f/bw). */
#include "internal.h"

#if BB_X86
#include <immintrin.h>

#define BB_TARGET_RQ512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,popcnt")))

BB_TARGET_RQ512 static inline __m512i srdhm16(__m512i a, int32_t b) {
    const __m512i bv = _mm512_set1_epi32(b);
    const __m512i nudge = _mm512_set1_epi64((long long)1 << 30);
    const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(a, bv), nudge);
    const __m512i po = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(a, 32), bv), nudge);
    /* bits 31..62 of each 64-bit sum = low 32 bits of the arithmetic shift by 31 */
    __m512i r = _mm512_mask_blend_epi32((__mmask16)0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
    if (b == INT32_MIN) {
        const __mmask16 ovf = _mm512_cmpeq_epi32_mask(a, _mm512_set1_epi32(INT32_MIN));
        r = _mm512_mask_mov_epi32(r, ovf, _mm512_set1_epi32(INT32_MAX));
    }
    return r;
}

BB_TARGET_RQ512 static inline __m512i rdbpot16(__m512i x, int32_t e) {
    if (e == 0) return x;
    const __m512i mask = _mm512_set1_epi32((int32_t)(((int64_t)1 << e) - 1));
    const __m512i rem = _mm512_and_si512(x, mask);
    const __m512i thr = _mm512_add_epi32(_mm512_srli_epi32(mask, 1), _mm512_srli_epi32(x, 31));
    const __mmask16 up = _mm512_cmpgt_epi32_mask(rem, thr);
    const __m512i q = _mm512_sra_epi32(x, _mm_cvtsi32_si128(e));
    return _mm512_mask_add_epi32(q, up, q, _mm512_set1_epi32(1));
}

BB_TARGET_RQ512 static inline __m512i mbqm16(__m512i x, int32_t mult, int32_t shift) {
    if (shift > 0) x = _mm512_sll_epi32(x, _mm_cvtsi32_si128(shift));
    return rdbpot16(srdhm16(x, mult), shift > 0 ? 0 : -shift);
}

BB_TARGET_RQ512 void bb__requantize_avx512(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                                           const bb_requant_params *p, void *out, size_t ldo, int is_signed) {
    const __m512i zo = _mm512_set1_epi32(p->out_zero_point);
    const int32_t tlo = is_signed ? -128 : 0, thi = is_signed ? 127 : 255;
    const int32_t qlo = p->qmin > tlo ? p->qmin : tlo, qhi = p->qmax < thi ? p->qmax : thi;
    const __m512i lo = _mm512_set1_epi32(qlo), hi = _mm512_set1_epi32(qhi);
    for (size_t m = 0; m < rows; m++) {
        const int32_t *a = acc + m * lda;
        const __m512i bias = _mm512_set1_epi32(p->bias ? p->bias[m] : 0);
        const int32_t mult = p->multiplier[m], shift = p->shift[m];
        for (size_t j = 0; j < cols; j += 16) {
            const size_t left = cols - j;
            const __mmask16 k = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            __m512i t = _mm512_add_epi32(_mm512_maskz_loadu_epi32(k, a + j), bias);
            t = _mm512_add_epi32(mbqm16(t, mult, shift), zo);
            t = _mm512_max_epi32(_mm512_min_epi32(t, hi), lo);
            /* within the 8-bit range: the truncating narrow is exact */
            const __m128i b = _mm512_cvtepi32_epi8(t);
            if (is_signed) _mm_mask_storeu_epi8((int8_t *)out + m * ldo + j, k, b);
            else _mm_mask_storeu_epi8((uint8_t *)out + m * ldo + j, k, b);
        }
    }
}

#endif
