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

/* The XNOR kernels' shared edge cases: returns 1 when it has written c itself -- no rows or
   pixels; K = 0 (every output 0); K > 65535, whose u16 per-pixel counts could overflow (the
   reference kernel). */
static inline int bb__xnor_trivial(const bb_weights *w, const uint64_t *xbits, size_t n, int32_t *c, size_t ldc) {
    const size_t M = (size_t)w->rows, K = (size_t)w->k;
    if (M == 0 || n == 0) return 1;
    if (K > 65535) {
        bb_gemm_xnor_ref(w, xbits, n, c, ldc);
        return 1;
    }
    if (bb_binary_words(K) == 0) {
        for (size_t m = 0; m < M; m++) memset(c + m * ldc, 0, n * sizeof(int32_t));
        return 1;
    }
    return 0;
}

/* Pixels per XNOR panel: as many as fit 1 MB at J slices of `slice_bytes` per `px` pixels, a
   multiple of px, at least px, at most n rounded up to px. The weight strip of one row block
   is rebuilt once per panel, so a large panel amortizes it. */
static inline size_t bb__xnor_panel_pixels(size_t J, size_t slice_bytes, size_t px, size_t n) {
    size_t nc = ((size_t)1 << 20) / (J * slice_bytes) * px;
    if (nc < px) nc = px;
    if (nc > bb__round_up(n, px)) nc = bb__round_up(n, px);
    return nc;
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

/* Kernel sets of the SIMD levels for a weight format. */
const bb__gemm_kernels *bb__gemm_kernels_avx2(int32_t format);
const bb__gemm_kernels *bb__gemm_kernels_avx512(int32_t format);

/* What bb_gemm_u8 derives from the weights before touching X (gemm_driver.c). */
struct bb_gemm_plan {
    bb_weights w;               /* the weights (a view over `owned` for a created plan) */
    void *owned;                /* codes, scales and zero points copied by bb_gemm_plan_create */
    int level;                  /* BB_LEVEL_* the fields below were built for */
    const bb__gemm_kernels *kr; /* NULL at the scalar level */
    bb__ukr_fn ukr;
    int T;                      /* int16 accumulation budget of the micro-kernel */
    int wide;                   /* int16 strip (b = 8 on AVX2) */
    int any_zs;                 /* some row is asymmetric: column sums needed */
    size_t M, K, KG, Mp, NC;    /* rows, reduction, ceil(K/4), rows rounded to BB_MR, panel columns */
    size_t strip_stride;        /* strip bytes per BB_MR rows */
    void *strip;
    int32_t *rowsum, *zs;
    /* channels-last convolution strip (conv_cl.c), built by bb_gemm_plan_prepare_conv */
    void *cl_strip;
    size_t cl_c, cl_kh, cl_kw, cl_G;
    /* integer Winograd F(2x2, 3x3) strip (conv_wino.c), built with cl_strip when the geometry
       allows: int16 [xi][M/16][C/2][16][2], the transformed weights (2G) g (2G)^T */
    void *wino_strip;
};

/* Source of GEMM panels: packs columns [n0, n0+nc) of the (possibly implicit) X into the
   panel layout of bb__pack_panel (ncp columns, zero padded) and, when colsum != NULL,
   writes their column sums over k < K. */
typedef struct bb__panel_src {
    void (*pack)(const struct bb__panel_src *s, size_t n0, size_t nc, size_t ncp, uint8_t *panel,
                 size_t nr, int32_t *colsum);
    size_t K;
    /* explicit matrix */
    const uint8_t *x;
    size_t ldx;
    /* implicit im2col over a padded image (conv.c) */
    const int32_t *koff;        /* offset of reduction row k (ceil(K/4)*4 entries, 0 beyond K) */
    size_t ow, row_step, sw;    /* output width, padded-image step per output row, column stride */
    size_t col0;                /* first output pixel of column 0 */
} bb__panel_src;

/* Builds the SIMD fields of `p` (p->w set) for kernel set kr at `level` (bb__alloc aborts
   when memory runs out). */
void bb__plan_build(bb_gemm_plan *p, int level, const bb__gemm_kernels *kr);
void bb__plan_release(bb_gemm_plan *p);
/* bb_gemm_u8 over a built plan (scratch allocated per call). */
void bb__gemm_u8_planned_simd(const bb_gemm_plan *p, const uint8_t *x, size_t n, size_t ldx,
                              int32_t zx, int32_t *c, size_t ldc);
/* Bytes of panel + column-sum scratch bb__gemm_run needs. */
size_t bb__gemm_scratch_bytes(const bb_gemm_plan *p);
/* The blocked GEMM over any panel source; scratch of bb__gemm_scratch_bytes (64-aligned). */
void bb__gemm_run(const bb_gemm_plan *p, const bb__panel_src *src, size_t n, int32_t zx,
                  int32_t *c, size_t ldc, void *scratch);
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
void bb__xnor_panel_avx2(const uint64_t *xbits, size_t W, size_t J, size_t p0, size_t nc, size_t ncp,
                         const uint64_t *zero, uint8_t *panel, int raw);
/* AVX-512 BITALG XNOR GEMM (xnor_avx512.c); bb__xnor_avx512_available() says whether the CPU has it. */
int bb__xnor_avx512_available(void);
void bb__gemm_xnor_avx512(const bb_weights *w, const uint64_t *xbits, size_t n, int32_t *c,
                          size_t ldc);
void bb__requantize_avx2(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                         const bb_requant_params *p, void *out, size_t ldo, int is_signed);
void bb__requantize_avx512(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                           const bb_requant_params *p, void *out, size_t ldo, int is_signed);
void bb__add_u8_avx2(const uint8_t *a, const uint8_t *b, size_t n, const bb_add_params *p,
                     uint8_t *out);
#endif

#endif
