/* conv_cl.h -- what the channels-last convolutions share (conv_cl.c: direct 4x16 tiles,
   conv_wino.c: integer Winograd F(2x2, 3x3)): the padded HWC input copy kept in the caller's
   state, and the per-channel requantization done in registers. Not public API. */
#ifndef BITBUDGET_CKERNELS_CONV_CL_H
#define BITBUDGET_CKERNELS_CONV_CL_H

#include "internal.h"

#if BB_X86
#include <immintrin.h>

#define CL_INLINE static inline __attribute__((always_inline))

/* 4 unaligned bytes as int32: the 32-bit broadcast operand of the tile kernels. */
static inline int32_t cl_load_i32(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Per-channel requantization constants, 16-channel blocks (channels past M: multiplier 0). */
typedef struct cl_rq {
    int32_t *corr, *mult, *lsh, *rsh, *mask, *half;
    __m256i zo, lo, hi;
} cl_rq;

/* Bytes of scratch bb__cl_rq_build uses (before any other scratch of the caller). */
static inline size_t bb__cl_rq_bytes(size_t M) { return 6 * bb__round_up(M, 16) * sizeof(int32_t) + 64; }

/* Fills q from rp in the 64-byte aligned head of scratch: corr = bias - zx*R (mod 2^32, as the
   reference's wrapping sums), Q31 multiplier, shifts. Returns the first byte after it. */
BB_TARGET_AVX2 void *bb__cl_rq_build(const bb_gemm_plan *p, const bb_requant_params *rp, int32_t zx, void *scratch,
                      cl_rq *q);

/* The padded HWC copy of x (int16 elements when wide, else bytes; channels padded to
   4*ceil(C/4)) in the caller's state (sized for p's element width, so wide = 0 always fits):
   border and padding channels hold zx and are written only when the state's tag changes; the
   interior is copied on every call. Returns the copy. */
BB_TARGET_AVX2 uint8_t *bb__cl_input(const bb_gemm_plan *p, const bb_conv_geom *g, const uint8_t *x, int32_t zx,
                                     int wide, void *state);

/* MBQM(acc + corr) + zo, clamped, for 8 channels [m, m+8): per-lane multiplier and shifts. */
BB_TARGET_AVX2 static inline __m256i cl_requant8(__m256i acc, const cl_rq *q, size_t m) {
    const __m256i mult = _mm256_load_si256((const __m256i *)(q->mult + m));
    __m256i x = _mm256_add_epi32(acc, _mm256_load_si256((const __m256i *)(q->corr + m)));
    x = _mm256_sllv_epi32(x, _mm256_load_si256((const __m256i *)(q->lsh + m)));
    /* SRDHM: floor((x*mult + 2^30) / 2^31); mult is never INT32_MIN (Q31 in [2^30, 2^31) or 0) */
    const __m256i nudge = _mm256_set1_epi64x((long long)1 << 30);
    const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, mult), nudge);
    const __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(mult, 32)), nudge);
    x = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
    /* RDBPOT by the per-lane exponent, ties away from zero */
    const __m256i e = _mm256_load_si256((const __m256i *)(q->rsh + m));
    const __m256i rem = _mm256_and_si256(x, _mm256_load_si256((const __m256i *)(q->mask + m)));
    const __m256i thr = _mm256_add_epi32(_mm256_load_si256((const __m256i *)(q->half + m)), _mm256_srli_epi32(x, 31));
    x = _mm256_sub_epi32(_mm256_srav_epi32(x, e), _mm256_cmpgt_epi32(rem, thr));
    x = _mm256_add_epi32(x, q->zo);
    return _mm256_max_epi32(_mm256_min_epi32(x, q->hi), q->lo);
}

/* Requantizes 4 pixels x 16 channels (c<r><h>: pixel r, channels m0 + 8h ..) into t: t[ch]
   holds channel m0 + ch's four output codes, pixel r in byte r. */
BB_TARGET_AVX2 CL_INLINE void cl_pack16(__m256i c00, __m256i c01, __m256i c10, __m256i c11,
                                        __m256i c20, __m256i c21, __m256i c30, __m256i c31,
                                        const cl_rq *q, size_t m0, uint32_t t[16]) {
    const __m256i tr = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                                        0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    /* values lie in [0, 255]: the saturating packs are exact */
    const __m256i a0 = _mm256_packs_epi32(cl_requant8(c00, q, m0), cl_requant8(c10, q, m0));
    const __m256i b0 = _mm256_packs_epi32(cl_requant8(c20, q, m0), cl_requant8(c30, q, m0));
    const __m256i a1 = _mm256_packs_epi32(cl_requant8(c01, q, m0 + 8), cl_requant8(c11, q, m0 + 8));
    const __m256i b1 = _mm256_packs_epi32(cl_requant8(c21, q, m0 + 8), cl_requant8(c31, q, m0 + 8));
    /* lane l of packus(a, b): bytes r*4 + c = pixel r, channel 4l + c; the shuffle makes dword c
       hold channel (4l + c)'s four pixels */
    _mm256_store_si256((__m256i *)t, _mm256_shuffle_epi8(_mm256_packus_epi16(a0, b0), tr));
    _mm256_store_si256((__m256i *)(t + 8), _mm256_shuffle_epi8(_mm256_packus_epi16(a1, b1), tr));
}

/* ---- integer Winograd F(2x2, 3x3) (conv_wino.c) ---- */

/* Builds p->wino_strip from the unpacked signed-domain weights wv (M x K, k = (c*3 + i)*3 + j)
   when g is a 3x3, stride-1, undilated convolution with C a multiple of 16 (C <= 1024);
   otherwise leaves it NULL. */
void bb__wino_prepare(bb_gemm_plan *p, const bb_conv_geom *g, const int8_t *wv);
/* Whether bb__conv_wino computes g with p (strip built, enabled, 3x3 stride 1), asked once the
   channels-last path is ready for g (conv_cl.c's cl_ready: the plan's channels and kernel). */
int bb__wino_ready(const bb_gemm_plan *p, const bb_conv_geom *g);
/* Scratch bytes bb__conv_wino needs beyond bb__cl_rq_bytes. */
size_t bb__wino_scratch_bytes(const bb_gemm_plan *p, const bb_conv_geom *g);
/* bb_conv_requant_u8's channels-last contract, computed by Winograd tiles. */
BB_TARGET_AVX2 void bb__conv_wino(const bb_gemm_plan *p, const bb_conv_geom *g, const uint8_t *x, int32_t zx,
                   size_t p0, size_t p1, const bb_requant_params *rp, uint8_t *out, size_t ldo,
                   void *state, void *scratch);
#endif /* BB_X86 */

#endif
