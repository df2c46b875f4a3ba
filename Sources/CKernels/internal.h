/* internal.h -- shared declarations of the CKernels implementation (not public API). */
#ifndef BITBUDGET_CKERNELS_INTERNAL_H
#define BITBUDGET_CKERNELS_INTERNAL_H

#include "ckernels.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#define BB_X86 1
#else
#define BB_X86 0
#endif

#define BB_TARGET_AVX2 __attribute__((target("avx2,fma,popcnt,bmi2")))
#define BB_TARGET_AVX512 \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,popcnt")))

static inline size_t bb__round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }
static inline size_t bb__min(size_t a, size_t b) { return a < b ? a : b; }

static inline uint64_t bb__load_u64(const void *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;  /* x86 and every target we build for is little-endian */
}
static inline void bb__store_u64(void *p, uint64_t v) { memcpy(p, &v, 8); }

/* 64-byte aligned scratch allocation (kernels are reentrant: scratch is per call). */
static inline void *bb__alloc(size_t bytes) {
    void *p = NULL;
    if (bytes == 0) bytes = 64;
    if (posix_memalign(&p, 64, bb__round_up(bytes, 64)) != 0) abort();
    return p;
}

/* Signed-domain zero point of row m (0 for symmetric, ternary and binary). */
static inline int32_t bb__zs(const bb_weights *w, size_t m) {
    if (w->zero_points == NULL || w->format < BB_FMT_INT2 || w->format > BB_FMT_INT8) return 0;
    return w->zero_points[m] - (1 << (w->format - 1));
}

/* ---- GEMM driver shared by the SIMD levels (gemm_driver.c) ---- */

#define BB_MR 4            /* weight rows per micro-kernel */
#define BB_UKR_COLS_MAX 32 /* columns per micro-kernel call (max over levels) */

typedef struct bb__epilogue {
    int32_t rowcorr[BB_MR]; /* zx * R[m], subtracted from every column */
    int32_t zs[BB_MR];      /* per-row signed zero point, times colsum[j] subtracted */
    const int32_t *colsum;  /* column sums of X (NULL when every zs is 0) */
    int32_t *c;             /* first output of the tile */
    size_t ldc;
} bb__epilogue;

/* Packs columns [0, nc) of X (K rows, stride ldx) into panel blocks of `nr` columns:
   panel[(cb*KG + g)*nr*4 + col*4 + t] = x[(4g+t)*ldx + cb*nr + col], zero padded up to
   ncp columns (multiple of nr) and KG = ceil(K/4) groups. x86 only (SSE2). */
void bb__pack_panel(const uint8_t *x, size_t ldx, size_t K, size_t nc, size_t ncp,
                    uint8_t *panel, size_t nr);
/* Computes a BB_MR x cols tile: strip = weight rows [mb, mb+MR) (int8 [g][MR][4], or
   int16 when the kernel set is `wide`), panel = first column block of the tile. */
typedef void (*bb__ukr_fn)(const void *strip, const uint8_t *panel, size_t KG, int T,
                           const bb__epilogue *ep);

typedef struct bb__gemm_kernels {
    int nr;            /* panel column block */
    int cols;          /* columns per micro-kernel call */
    int int8_needs_wide; /* b = 8 needs the int16 strip (AVX2) */
    bb__ukr_fn ukr;      /* int8 strip */
    bb__ukr_fn ukr_wide; /* int16 strip (may be NULL when !int8_needs_wide) */
} bb__gemm_kernels;

void bb__gemm_u8_driver(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                        int32_t zx, int32_t *c, size_t ldc, const bb__gemm_kernels *kr);
/* Weight rows unpacked to the signed domain + row sums R[m] = sum_k (w_s - zs). */
int8_t *bb__unpack_all(const bb_weights *w, int32_t *rowsum /* rows */);

/* ---- per-level entry points ---- */
#if BB_X86
void bb__gemm_u8_avx2(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                      int32_t zx, int32_t *c, size_t ldc);
void bb__gemm_u8_avx512(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                        int32_t zx, int32_t *c, size_t ldc);
void bb__gemm_ternary_u8_avx2(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                              int32_t zx, int32_t *c, size_t ldc);
void bb__gemm_xnor_avx2(const bb_weights *w, const uint64_t *xbits, size_t n, int32_t *c,
                        size_t ldc);
void bb__requantize_avx2(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                         const bb_requant_params *p, void *out, size_t ldo, int is_signed);
void bb__add_u8_avx2(const uint8_t *a, const uint8_t *b, size_t n, const bb_add_params *p,
                     uint8_t *out);
#endif

#endif
