/* kernels_avx2.c -- AVX2 (+FMA, POPCNT) kernels. Every function here is compiled with
   BB_TARGET_AVX2 and only called after run-time detection (dispatch.c). */
#include "internal.h"

#if BB_X86
#include <immintrin.h>

static inline int32_t load_i32(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline int64_t load_i64(const void *p) {
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

BB_TARGET_AVX2 static inline void epilogue8(__m256i acc, int r, const bb__epilogue *ep) {
    __m256i v = _mm256_sub_epi32(acc, _mm256_set1_epi32(ep->rowcorr[r]));
    if (ep->colsum != NULL)
        v = _mm256_sub_epi32(v, _mm256_mullo_epi32(_mm256_set1_epi32(ep->zs[r]),
                                                   _mm256_loadu_si256((const __m256i *)ep->colsum)));
    _mm256_storeu_si256((__m256i *)(ep->c + (size_t)r * ep->ldc), v);
}

/* ================================================================ u8 x s8 GEMM ==== */

/* 4 rows x 8 columns, b <= 7: VPMADDUBSW (u8 x s8 -> pairs of int16, exact because
   510*max|w_s| <= 32640), T results summed in int16, then VPMADDWD by 1 -> int32. */
BB_TARGET_AVX2 static void ukr_s8(const void *strip, const uint8_t *panel, size_t KG, int T,
                                  const bb__epilogue *ep) {
    const int8_t *ws = (const int8_t *)strip;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
    size_t g = 0;
    while (g < KG) {
        const size_t ge = g + (size_t)T < KG ? g + (size_t)T : KG;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        for (; g < ge; g++) {
            const __m256i xv = _mm256_load_si256((const __m256i *)(panel + g * 32));
            const int8_t *wg = ws + g * 16;
            a0 = _mm256_add_epi16(a0, _mm256_maddubs_epi16(xv, _mm256_set1_epi32(load_i32(wg))));
            a1 = _mm256_add_epi16(a1, _mm256_maddubs_epi16(xv, _mm256_set1_epi32(load_i32(wg + 4))));
            a2 = _mm256_add_epi16(a2, _mm256_maddubs_epi16(xv, _mm256_set1_epi32(load_i32(wg + 8))));
            a3 = _mm256_add_epi16(a3, _mm256_maddubs_epi16(xv, _mm256_set1_epi32(load_i32(wg + 12))));
        }
        c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(a0, ones));
        c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(a1, ones));
        c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(a2, ones));
        c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(a3, ones));
    }
    epilogue8(c0, 0, ep);
    epilogue8(c1, 1, ep);
    epilogue8(c2, 2, ep);
    epilogue8(c3, 3, ep);
}

/* 4 rows x 16 columns (two 8-column panel blocks), b <= 6 (T >= 2): same arithmetic as
   ukr_s8 with twice the columns per weight broadcast. */
BB_TARGET_AVX2 static void ukr_s8x16(const void *strip, const uint8_t *panel, size_t KG, int T,
                                     const bb__epilogue *ep) {
    const int8_t *ws = (const int8_t *)strip;
    const uint8_t *p1 = panel + KG * 32;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00;
    __m256i c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    size_t g = 0;
    while (g < KG) {
        const size_t ge = g + (size_t)T < KG ? g + (size_t)T : KG;
        __m256i a00 = _mm256_setzero_si256(), a01 = a00, a10 = a00, a11 = a00;
        __m256i a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (; g < ge; g++) {
            const __m256i x0 = _mm256_load_si256((const __m256i *)(panel + g * 32));
            const __m256i x1 = _mm256_load_si256((const __m256i *)(p1 + g * 32));
            const int8_t *wg = ws + g * 16;
            __m256i wv = _mm256_set1_epi32(load_i32(wg));
            a00 = _mm256_add_epi16(a00, _mm256_maddubs_epi16(x0, wv));
            a01 = _mm256_add_epi16(a01, _mm256_maddubs_epi16(x1, wv));
            wv = _mm256_set1_epi32(load_i32(wg + 4));
            a10 = _mm256_add_epi16(a10, _mm256_maddubs_epi16(x0, wv));
            a11 = _mm256_add_epi16(a11, _mm256_maddubs_epi16(x1, wv));
            wv = _mm256_set1_epi32(load_i32(wg + 8));
            a20 = _mm256_add_epi16(a20, _mm256_maddubs_epi16(x0, wv));
            a21 = _mm256_add_epi16(a21, _mm256_maddubs_epi16(x1, wv));
            wv = _mm256_set1_epi32(load_i32(wg + 12));
            a30 = _mm256_add_epi16(a30, _mm256_maddubs_epi16(x0, wv));
            a31 = _mm256_add_epi16(a31, _mm256_maddubs_epi16(x1, wv));
        }
        c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(a00, ones));
        c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(a01, ones));
        c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(a10, ones));
        c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(a11, ones));
        c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(a20, ones));
        c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(a21, ones));
        c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(a30, ones));
        c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(a31, ones));
    }
    bb__epilogue e1 = *ep;
    e1.c += 8;
    if (e1.colsum != NULL) e1.colsum += 8;
    epilogue8(c00, 0, ep);
    epilogue8(c01, 0, &e1);
    epilogue8(c10, 1, ep);
    epilogue8(c11, 1, &e1);
    epilogue8(c20, 2, ep);
    epilogue8(c21, 2, &e1);
    epilogue8(c30, 3, ep);
    epilogue8(c31, 3, &e1);
}

/* 4 rows x 16 columns for b = 7 (T = 1): each VPMADDUBSW result is widened at once. */
BB_TARGET_AVX2 static void ukr_s8x16_t1(const void *strip, const uint8_t *panel, size_t KG,
                                        int T, const bb__epilogue *ep) {
    (void)T;
    const int8_t *ws = (const int8_t *)strip;
    const uint8_t *p1 = panel + KG * 32;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00;
    __m256i c20 = c00, c21 = c00, c30 = c00, c31 = c00;
#define T1_STEP(acc, xv, wv) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(xv, wv), ones))
    for (size_t g = 0; g < KG; g++) {
        const __m256i x0 = _mm256_load_si256((const __m256i *)(panel + g * 32));
        const __m256i x1 = _mm256_load_si256((const __m256i *)(p1 + g * 32));
        const int8_t *wg = ws + g * 16;
        __m256i wv = _mm256_set1_epi32(load_i32(wg));
        T1_STEP(c00, x0, wv);
        T1_STEP(c01, x1, wv);
        wv = _mm256_set1_epi32(load_i32(wg + 4));
        T1_STEP(c10, x0, wv);
        T1_STEP(c11, x1, wv);
        wv = _mm256_set1_epi32(load_i32(wg + 8));
        T1_STEP(c20, x0, wv);
        T1_STEP(c21, x1, wv);
        wv = _mm256_set1_epi32(load_i32(wg + 12));
        T1_STEP(c30, x0, wv);
        T1_STEP(c31, x1, wv);
    }
#undef T1_STEP
    bb__epilogue e1 = *ep;
    e1.c += 8;
    if (e1.colsum != NULL) e1.colsum += 8;
    epilogue8(c00, 0, ep);
    epilogue8(c01, 0, &e1);
    epilogue8(c10, 1, ep);
    epilogue8(c11, 1, &e1);
    epilogue8(c20, 2, ep);
    epilogue8(c21, 2, &e1);
    epilogue8(c30, 3, ep);
    epilogue8(c31, 3, &e1);
}

/* 4 rows x 8 columns, b = 8: activations zero-extended and weights sign-extended to
   int16, VPMADDWD (exact), partial sums per (column, k-pair) reduced at the end. */
BB_TARGET_AVX2 static void ukr_s16(const void *strip, const uint8_t *panel, size_t KG, int T,
                                   const bb__epilogue *ep) {
    (void)T;
    const int16_t *ws = (const int16_t *)strip;
    __m256i l0 = _mm256_setzero_si256(), l1 = l0, l2 = l0, l3 = l0;
    __m256i h0 = l0, h1 = l0, h2 = l0, h3 = l0;
    for (size_t g = 0; g < KG; g++) {
        const __m256i xl = _mm256_cvtepu8_epi16(_mm_load_si128((const __m128i *)(panel + g * 32)));
        const __m256i xh = _mm256_cvtepu8_epi16(_mm_load_si128((const __m128i *)(panel + g * 32 + 16)));
        const int16_t *wg = ws + g * 16;
        __m256i wv = _mm256_set1_epi64x(load_i64(wg));
        l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(xl, wv));
        h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(xh, wv));
        wv = _mm256_set1_epi64x(load_i64(wg + 4));
        l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(xl, wv));
        h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(xh, wv));
        wv = _mm256_set1_epi64x(load_i64(wg + 8));
        l2 = _mm256_add_epi32(l2, _mm256_madd_epi16(xl, wv));
        h2 = _mm256_add_epi32(h2, _mm256_madd_epi16(xh, wv));
        wv = _mm256_set1_epi64x(load_i64(wg + 12));
        l3 = _mm256_add_epi32(l3, _mm256_madd_epi16(xl, wv));
        h3 = _mm256_add_epi32(h3, _mm256_madd_epi16(xh, wv));
    }
    /* hadd -> [c0 c1 c4 c5 | c2 c3 c6 c7]; qword permute (0,2,1,3) -> c0..c7 */
    epilogue8(_mm256_permute4x64_epi64(_mm256_hadd_epi32(l0, h0), 0xD8), 0, ep);
    epilogue8(_mm256_permute4x64_epi64(_mm256_hadd_epi32(l1, h1), 0xD8), 1, ep);
    epilogue8(_mm256_permute4x64_epi64(_mm256_hadd_epi32(l2, h2), 0xD8), 2, ep);
    epilogue8(_mm256_permute4x64_epi64(_mm256_hadd_epi32(l3, h3), 0xD8), 3, ep);
}

const bb__gemm_kernels *bb__gemm_kernels_avx2(int32_t format) {
    /* 4x16 tiles with int16 accumulation (b <= 6, ternary, binary), 4x16 tiles widening
       every VPMADDUBSW result (b = 7), 4x8 tiles on int16 operands (b = 8). */
    static const bb__gemm_kernels kr_wide = {
        .nr = 8, .cols = 8, .int8_needs_wide = 1, .ukr = ukr_s8, .ukr_wide = ukr_s16};
    static const bb__gemm_kernels kr_t1 = {
        .nr = 8, .cols = 16, .int8_needs_wide = 1, .ukr = ukr_s8x16_t1, .ukr_wide = NULL};
    static const bb__gemm_kernels kr16 = {
        .nr = 8, .cols = 16, .int8_needs_wide = 1, .ukr = ukr_s8x16, .ukr_wide = NULL};
    return format == BB_FMT_INT8 ? &kr_wide : format == BB_FMT_INT7 ? &kr_t1 : &kr16;
}

void bb__gemm_u8_avx2(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                      int32_t zx, int32_t *c, size_t ldc) {
    bb__gemm_u8_driver(w, x, n, ldx, zx, c, ldc, bb__gemm_kernels_avx2(w->format));
}

/* ============================================================== ternary GEMM ==== */
/* Multiply-free: int16 activations, weights in {-1,0,+1} applied with VPSIGNW
   (negate / zero / keep) and added; 4 rows x 32 columns per micro-kernel; int16 sums
   are flushed to int32 every 128 k (|sum| <= 128*255 < 2^15). */

#define TERN_COLS 32
#define TERN_FLUSH 128

BB_TARGET_AVX2 static void tern_ukr(const int32_t *ws /* [k][4] duplicated int16 */,
                                    const int16_t *p0, const int16_t *p1, size_t K,
                                    int32_t acc[BB_MR][TERN_COLS]) {
    memset(acc, 0, sizeof(int32_t) * BB_MR * TERN_COLS);
    for (size_t k0 = 0; k0 < K; k0 += TERN_FLUSH) {
        const size_t ke = k0 + TERN_FLUSH < K ? k0 + TERN_FLUSH : K;
        __m256i a00 = _mm256_setzero_si256(), a01 = a00, a10 = a00, a11 = a00;
        __m256i a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (size_t k = k0; k < ke; k++) {
            const __m256i x0 = _mm256_load_si256((const __m256i *)(p0 + k * 16));
            const __m256i x1 = _mm256_load_si256((const __m256i *)(p1 + k * 16));
            const int32_t *wk = ws + k * 4;
            __m256i wv = _mm256_set1_epi32(wk[0]);
            a00 = _mm256_add_epi16(a00, _mm256_sign_epi16(x0, wv));
            a01 = _mm256_add_epi16(a01, _mm256_sign_epi16(x1, wv));
            wv = _mm256_set1_epi32(wk[1]);
            a10 = _mm256_add_epi16(a10, _mm256_sign_epi16(x0, wv));
            a11 = _mm256_add_epi16(a11, _mm256_sign_epi16(x1, wv));
            wv = _mm256_set1_epi32(wk[2]);
            a20 = _mm256_add_epi16(a20, _mm256_sign_epi16(x0, wv));
            a21 = _mm256_add_epi16(a21, _mm256_sign_epi16(x1, wv));
            wv = _mm256_set1_epi32(wk[3]);
            a30 = _mm256_add_epi16(a30, _mm256_sign_epi16(x0, wv));
            a31 = _mm256_add_epi16(a31, _mm256_sign_epi16(x1, wv));
        }
        const __m256i part[BB_MR][2] = {{a00, a01}, {a10, a11}, {a20, a21}, {a30, a31}};
        for (int r = 0; r < BB_MR; r++)
            for (int h = 0; h < 2; h++) {
                __m256i *dst = (__m256i *)(acc[r] + 16 * h);
                const __m256i lo = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(part[r][h]));
                const __m256i hi = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(part[r][h], 1));
                _mm256_storeu_si256(dst, _mm256_add_epi32(_mm256_loadu_si256(dst), lo));
                _mm256_storeu_si256(dst + 1, _mm256_add_epi32(_mm256_loadu_si256(dst + 1), hi));
            }
    }
}

/* Panel of int16 activations: [cb of 16 columns][k][16], zero padded. */
BB_TARGET_AVX2 static void tern_pack(const uint8_t *x, size_t ldx, size_t K, size_t nc,
                                     size_t ncp, int16_t *panel) {
    for (size_t cb = 0; cb < ncp; cb += 16) {
        int16_t *dst = panel + cb * K;
        if (cb + 16 <= nc) {
            for (size_t k = 0; k < K; k++)
                _mm256_store_si256((__m256i *)(dst + k * 16),
                                   _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x + k * ldx + cb))));
        } else {
            for (size_t k = 0; k < K; k++)
                for (size_t j = 0; j < 16; j++)
                    dst[k * 16 + j] = cb + j < nc ? x[k * ldx + cb + j] : 0;
        }
    }
}

BB_TARGET_AVX2 void bb__gemm_ternary_u8_avx2(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                              int32_t zx, int32_t *c, size_t ldc) {
    const size_t M = (size_t)w->rows, K = (size_t)w->k;
    if (M == 0 || n == 0) return;
    const size_t Mp = bb__round_up(M, BB_MR);
    /* weights -> [mb][k][r] int32 holding the int16 value twice (32-bit broadcast). */
    int32_t *ws = (int32_t *)bb__alloc(Mp * (K ? K : 1) * sizeof(int32_t));
    int32_t *rowsum = (int32_t *)bb__alloc(M * sizeof(int32_t));
    const size_t bpr = (size_t)w->row_bytes;
    for (size_t mb = 0; mb < Mp; mb += BB_MR)
        for (size_t r = 0; r < BB_MR; r++) {
            const size_t m = mb + r;
            int32_t s = 0;
            for (size_t k = 0; k < K; k++) {
                int32_t v = 0;
                if (m < M) {
                    const uint8_t *blk = w->codes + m * bpr + (k / BB_BLOCK) * 16;
                    const uint64_t nz = bb__load_u64(blk), sg = bb__load_u64(blk + 8);
                    const unsigned bit = (unsigned)(k % BB_BLOCK);
                    v = ((nz >> bit) & 1) ? (((sg >> bit) & 1) ? -1 : 1) : 0;
                }
                s += v;
                ws[(mb / BB_MR * K + k) * BB_MR + r] = (int32_t)(((uint32_t)(uint16_t)v) * 0x10001u);
            }
            if (m < M) rowsum[m] = s;
        }
    const size_t NC = 256;
    int16_t *panel = (int16_t *)bb__alloc(NC * (K ? K : 1) * sizeof(int16_t));
    int32_t acc[BB_MR][TERN_COLS] __attribute__((aligned(32)));
    for (size_t n0 = 0; n0 < n; n0 += NC) {
        const size_t nc = bb__min(NC, n - n0), ncp = bb__round_up(nc, TERN_COLS);
        tern_pack(x + n0, ldx, K, nc, ncp, panel);
        for (size_t cb = 0; cb < ncp; cb += TERN_COLS) {
            const int16_t *p0 = panel + cb * K, *p1 = panel + (cb + 16) * K;
            const size_t cv = bb__min(TERN_COLS, nc - cb);
            for (size_t mb = 0; mb < Mp; mb += BB_MR) {
                tern_ukr(ws + mb * K, p0, p1, K, acc);
                const size_t rv = bb__min(BB_MR, M - mb);
                for (size_t r = 0; r < rv; r++) {
                    int32_t *dst = c + (mb + r) * ldc + n0 + cb;
                    const __m256i corr = _mm256_set1_epi32((int32_t)((uint32_t)zx * (uint32_t)rowsum[mb + r]));
                    if (cv == TERN_COLS) {
                        for (int q = 0; q < TERN_COLS; q += 8)
                            _mm256_storeu_si256((__m256i *)(dst + q),
                                                _mm256_sub_epi32(_mm256_load_si256((const __m256i *)(acc[r] + q)), corr));
                    } else {
                        for (size_t j = 0; j < cv; j++)
                            dst[j] = (int32_t)((uint32_t)acc[r][j] - (uint32_t)zx * (uint32_t)rowsum[mb + r]);
                    }
                }
            }
        }
    }
    free(panel);
    free(ws);
    free(rowsum);
}

/* ================================================================= XNOR GEMM ==== */
/* 16 pixels per register, one 16-bit slice of K each, so K is padded to a multiple of 16
   only (a ResNet 3x3 layer has K = 9*C: 64-bit slices computed 25% padding at K = 144).
   Each call transposes the pixels' 64-bit words into that layout (16x8 16-bit in-lane
   transposes, 4 shuffles per 256-bit vector) and splits both operands into low and high
   nibbles once, since (a ^ b) & 0x0F.. = (a & 0x0F..) ^ (b & 0x0F..): the inner loop is
   XOR + VPSHUFB (nibble popcount look-up) + ADD per nibble half, on byte counters.
   Micro-kernel: 8 weight rows (each slice pre-broadcast to a vector, the XOR's memory
   operand) x 16 pixels; byte counters hold at most 8 per slice and are folded every 31
   slices, by VPMADDUBSW, into one u16 popcount per pixel, widened to int32 at the end.
   In-process A/B on the three kernel-bench shapes (old and new kernel in one binary, as
   Experiments/XNORBench/run.sh --against does; the variants were uncommitted drafts of this
   file): 32-bit broadcasts from memory instead of the pre-broadcast vectors were 2-7%
   slower; a 4 x 32 tile (popcounts through memory) 2-10% slower. */

#define XNOR_PX 16
#define XNOR_MR 8
#define XNOR_CHUNK 31
#define XNOR_GROUP_BYTES 64 /* one slice of 16 pixels: 32 bytes low nibbles, 32 high */

/* Stores slice vector v (16 pixels x 16 bits) at dst as its low and high nibbles. */
BB_TARGET_AVX2 static inline void xnor_put(uint8_t *dst, __m256i v) {
    const __m256i nib = _mm256_set1_epi8(0x0F);
    _mm256_store_si256((__m256i *)dst, _mm256_and_si256(v, nib));
    _mm256_store_si256((__m256i *)(dst + 32), _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
}

/* Slice j of 16-pixel group g, v = the 16 pixels' u16 slices in pixel order. Nibble layout
   (this file's kernel): group g at panel + g*J*64, slice j as [lo nibbles | hi nibbles].
   Raw layout (the AVX-512 BITALG kernel, xnor_avx512.c): 32-pixel block g/2 at
   panel + (g/2)*J*64, slice j as [group 2b's 16 x u16 | group 2b+1's 16 x u16]. */
BB_TARGET_AVX2 static inline void xnor_emit(uint8_t *panel, size_t g, size_t J, size_t j, __m256i v, int raw) {
    if (raw)
        _mm256_store_si256((__m256i *)(panel + (g / 2) * J * XNOR_GROUP_BYTES + j * XNOR_GROUP_BYTES + (g % 2) * 32), v);
    else
        xnor_put(panel + g * J * XNOR_GROUP_BYTES + j * XNOR_GROUP_BYTES, v);
}

/* The pixel panel for pixels p0 + [0, ncp), ncp a multiple of 16 (of 32 when raw), in the
   layout xnor_emit describes; pixels >= nc read `zero` (a zero row). xbits: rows of W 64-bit
   words; slice j of a pixel is the j-th u16 of its row (little-endian). */
BB_TARGET_AVX2 void bb__xnor_panel_avx2(const uint64_t *xbits, size_t W, size_t J, size_t p0,
                                        size_t nc, size_t ncp, const uint64_t *zero, uint8_t *panel, int raw) {
    for (size_t g = 0; g * 16 < ncp; g++) {
        const uint64_t *row[16];
        for (size_t i = 0; i < 16; i++) row[i] = g * 16 + i < nc ? xbits + (p0 + g * 16 + i) * W : zero;
        size_t j0 = 0;
        /* 8 slices (two words) per pixel: 16x8 16-bit transpose, in-lane (pixel i in the
           low lane, i + 8 in the high lane). A block with more than 4 slices left lies
           inside the rows, which hold 4*W >= J slices. */
        for (; j0 + 4 < J; j0 += 8) {
            __m256i r[8];
            for (int i = 0; i < 8; i++)
                r[i] = _mm256_loadu2_m128i((const __m128i *)(row[i + 8] + j0 / 4), (const __m128i *)(row[i] + j0 / 4));
            const __m256i t0 = _mm256_unpacklo_epi16(r[0], r[1]), t1 = _mm256_unpackhi_epi16(r[0], r[1]);
            const __m256i t2 = _mm256_unpacklo_epi16(r[2], r[3]), t3 = _mm256_unpackhi_epi16(r[2], r[3]);
            const __m256i t4 = _mm256_unpacklo_epi16(r[4], r[5]), t5 = _mm256_unpackhi_epi16(r[4], r[5]);
            const __m256i t6 = _mm256_unpacklo_epi16(r[6], r[7]), t7 = _mm256_unpackhi_epi16(r[6], r[7]);
            const __m256i u[4] = {_mm256_unpacklo_epi32(t0, t2), _mm256_unpackhi_epi32(t0, t2),
                                  _mm256_unpacklo_epi32(t1, t3), _mm256_unpackhi_epi32(t1, t3)};
            const __m256i v[4] = {_mm256_unpacklo_epi32(t4, t6), _mm256_unpackhi_epi32(t4, t6),
                                  _mm256_unpacklo_epi32(t5, t7), _mm256_unpackhi_epi32(t5, t7)};
            const size_t ns = J - j0 < 8 ? J - j0 : 8;
            for (size_t k = 0; k < ns; k++)
                xnor_emit(panel, g, J, j0 + k,
                          k % 2 ? _mm256_unpackhi_epi64(u[k / 2], v[k / 2]) : _mm256_unpacklo_epi64(u[k / 2], v[k / 2]), raw);
        }
        if (j0 < J) { /* 1..4 slices left: one word per pixel, pixels i, i+4 | i+8, i+12 */
            __m256i q[4];
            for (int i = 0; i < 4; i++) {
                const __m128i lo = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(row[i] + j0 / 4)),
                                                      _mm_loadl_epi64((const __m128i *)(row[i + 4] + j0 / 4)));
                const __m128i hi = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(row[i + 8] + j0 / 4)),
                                                      _mm_loadl_epi64((const __m128i *)(row[i + 12] + j0 / 4)));
                q[i] = _mm256_set_m128i(hi, lo);
            }
            const __m256i a = _mm256_unpacklo_epi16(q[0], q[1]), b = _mm256_unpackhi_epi16(q[0], q[1]);
            const __m256i c = _mm256_unpacklo_epi16(q[2], q[3]), d = _mm256_unpackhi_epi16(q[2], q[3]);
            const __m256i e = _mm256_unpacklo_epi32(a, c), f = _mm256_unpackhi_epi32(a, c);
            const __m256i h0 = _mm256_unpacklo_epi32(b, d), h1 = _mm256_unpackhi_epi32(b, d);
            const __m256i out[4] = {_mm256_unpacklo_epi64(e, h0), _mm256_unpackhi_epi64(e, h0),
                                    _mm256_unpacklo_epi64(f, h1), _mm256_unpackhi_epi64(f, h1)};
            for (size_t k = 0; j0 + k < J; k++) xnor_emit(panel, g, J, j0 + k, out[k], raw);
        }
    }
}

#define XNOR_STEP(acc, xl, xh, bl, bh)                                                    \
    acc = _mm256_add_epi8(acc, _mm256_add_epi8(                                          \
                                   _mm256_shuffle_epi8(lut, _mm256_xor_si256(xl, bl)),   \
                                   _mm256_shuffle_epi8(lut, _mm256_xor_si256(xh, bh))))

/* 16 byte-counter pairs -> 16 u16 popcounts (<= 8 * XNOR_CHUNK each) */
BB_TARGET_AVX2 static inline __m256i xnor_pop16(__m256i b) {
    return _mm256_maddubs_epi16(b, _mm256_set1_epi8(1));
}

/* Last chunk of a row: K - 2 * popcount for 16 pixels, stored to dst[0, cv). */
BB_TARGET_AVX2 static inline void xnor_store(__m256i pop16, __m256i kv, int32_t *dst, size_t cv) {
    const __m256i lo = _mm256_sub_epi32(kv, _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_castsi256_si128(pop16)), 1));
    const __m256i hi = _mm256_sub_epi32(kv, _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_extracti128_si256(pop16, 1)), 1));
    if (cv == XNOR_PX) {
        _mm256_storeu_si256((__m256i *)dst, lo);
        _mm256_storeu_si256((__m256i *)(dst + 8), hi);
    } else {
        int32_t t[16] __attribute__((aligned(32)));
        _mm256_store_si256((__m256i *)t, lo);
        _mm256_store_si256((__m256i *)(t + 8), hi);
        memcpy(dst, t, cv * sizeof(int32_t));
    }
}

/* ws: a strip of XNOR_MR weight rows [J][row][lo, hi] (broadcast vectors); panel: one
   group of 16 pixels. Every weight vector is used once per slice, so it is an operand of
   its XOR straight from memory (no separate load instruction). Chunks before the last
   leave their popcounts in part[r] (u16: K <= 65535); the last one writes
   c[r*ldc + (0..cv)] = K - 2 * popcount for the rv valid rows. */
BB_TARGET_AVX2 static void xnor_ukr(const __m256i *ws, const uint8_t *panel, size_t J, __m256i kv,
                                    int32_t *c, size_t ldc, size_t rv, size_t cv) {
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                         0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    __m256i part[XNOR_MR];
    for (size_t q0 = 0; q0 < J; q0 += XNOR_CHUNK) {
        /* part[] lives in memory across the slice loop, which needs all 16 registers */
        __asm__ volatile("" ::: "memory");
        const size_t qe = q0 + XNOR_CHUNK < J ? q0 + XNOR_CHUNK : J;
        __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0;
        __m256i b4 = b0, b5 = b0, b6 = b0, b7 = b0;
        for (size_t q = q0; q < qe; q++) {
            const __m256i xl = _mm256_load_si256((const __m256i *)(panel + q * XNOR_GROUP_BYTES));
            const __m256i xh = _mm256_load_si256((const __m256i *)(panel + q * XNOR_GROUP_BYTES + 32));
            const __m256i *wq = ws + q * 2 * XNOR_MR;
            XNOR_STEP(b0, xl, xh, _mm256_load_si256(wq + 0), _mm256_load_si256(wq + 1));
            XNOR_STEP(b1, xl, xh, _mm256_load_si256(wq + 2), _mm256_load_si256(wq + 3));
            XNOR_STEP(b2, xl, xh, _mm256_load_si256(wq + 4), _mm256_load_si256(wq + 5));
            XNOR_STEP(b3, xl, xh, _mm256_load_si256(wq + 6), _mm256_load_si256(wq + 7));
            XNOR_STEP(b4, xl, xh, _mm256_load_si256(wq + 8), _mm256_load_si256(wq + 9));
            XNOR_STEP(b5, xl, xh, _mm256_load_si256(wq + 10), _mm256_load_si256(wq + 11));
            XNOR_STEP(b6, xl, xh, _mm256_load_si256(wq + 12), _mm256_load_si256(wq + 13));
            XNOR_STEP(b7, xl, xh, _mm256_load_si256(wq + 14), _mm256_load_si256(wq + 15));
        }
        const __m256i p[XNOR_MR] = {xnor_pop16(b0), xnor_pop16(b1), xnor_pop16(b2), xnor_pop16(b3),
                                    xnor_pop16(b4), xnor_pop16(b5), xnor_pop16(b6), xnor_pop16(b7)};
        if (qe == J) {
            for (size_t r = 0; r < rv; r++)
                xnor_store(q0 == 0 ? p[r] : _mm256_add_epi16(part[r], p[r]), kv, c + r * ldc, cv);
        } else {
            for (int r = 0; r < XNOR_MR; r++) part[r] = q0 == 0 ? p[r] : _mm256_add_epi16(part[r], p[r]);
        }
    }
}

/* Expands weight rows [m0, m0 + XNOR_MR) into strip [J][row][lo, hi]: each nibble-split
   16-bit slice broadcast to all 16 lanes, so the inner loop loads it instead of
   broadcasting; rows >= M are zero. */
BB_TARGET_AVX2 static void xnor_strip(const bb_weights *w, size_t m0, size_t J, __m256i *strip) {
    for (size_t r = 0; r < XNOR_MR; r++) {
        const size_t m = m0 + r;
        for (size_t j = 0; j < J; j++) {
            const uint16_t v = m < (size_t)w->rows
                                   ? (uint16_t)(bb__load_u64(w->codes + m * (size_t)w->row_bytes + 8 * (j / 4)) >>
                                                (16 * (j % 4)))
                                   : 0;
            strip[(j * XNOR_MR + r) * 2] = _mm256_set1_epi16((short)(v & 0x0F0F));
            strip[(j * XNOR_MR + r) * 2 + 1] = _mm256_set1_epi16((short)((v >> 4) & 0x0F0F));
        }
    }
}

BB_TARGET_AVX2 void bb__gemm_xnor_avx2(const bb_weights *w, const uint64_t *xbits, size_t n,
                                       int32_t *c, size_t ldc) {
    if (bb__xnor_trivial(w, xbits, n, c, ldc)) return;
    const size_t M = (size_t)w->rows, K = (size_t)w->k, W = bb_binary_words(K), J = (K + 15) / 16;
    /* The pixel panel (up to 1 MB: NC pixels, a multiple of the 16-pixel group) is built
       once per NC pixels; the weight strip of one row block (XNOR_MR * J * 64 bytes, within
       a 32 KB L1 for K <= 1024) once per panel and block. */
    const size_t NC = bb__xnor_panel_pixels(J, XNOR_GROUP_BYTES, XNOR_PX, n);
    uint8_t *panel = (uint8_t *)bb__alloc(NC / XNOR_PX * J * XNOR_GROUP_BYTES);
    __m256i *strip = (__m256i *)bb__alloc(XNOR_MR * J * 2 * sizeof(__m256i));
    uint64_t *zero = (uint64_t *)bb__alloc(W * sizeof(uint64_t));
    memset(zero, 0, W * sizeof(uint64_t));
    const __m256i kv = _mm256_set1_epi32((int32_t)K);
    for (size_t n0 = 0; n0 < n; n0 += NC) {
        const size_t nc = bb__min(NC, n - n0), ncp = bb__round_up(nc, XNOR_PX);
        bb__xnor_panel_avx2(xbits, W, J, n0, nc, ncp, zero, panel, 0);
        for (size_t mb = 0; mb < M; mb += XNOR_MR) {
            const size_t rv = bb__min(XNOR_MR, M - mb);
            xnor_strip(w, mb, J, strip);
            for (size_t pb = 0; pb < ncp; pb += XNOR_PX)
                xnor_ukr(strip, panel + (pb / XNOR_PX) * J * XNOR_GROUP_BYTES, J, kv, c + mb * ldc + n0 + pb, ldc,
                         rv, bb__min(XNOR_PX, nc - pb));
        }
    }
    free(zero);
    free(strip);
    free(panel);
}

/* ============================================================ requantization ==== */

/* SRDHM on 8 lanes with one multiplier: floor((a*b + 2^30) / 2^31) (== gemmlowp's
   formula, see bb_srdhm), saturating a == b == INT32_MIN to INT32_MAX. */
BB_TARGET_AVX2 static inline __m256i srdhm8(__m256i a, int32_t b) {
    const __m256i bv = _mm256_set1_epi32(b);
    const __m256i nudge = _mm256_set1_epi64x((long long)1 << 30);
    const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(a, bv), nudge);
    const __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(a, 32), bv), nudge);
    /* bits 31..62 of each 64-bit sum = low 32 bits of the arithmetic shift by 31 */
    __m256i r = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
    if (b == INT32_MIN) {
        const __m256i ovf = _mm256_cmpeq_epi32(a, _mm256_set1_epi32(INT32_MIN));
        r = _mm256_blendv_epi8(r, _mm256_set1_epi32(INT32_MAX), ovf);
    }
    return r;
}

/* RoundingDivideByPOT by a uniform exponent, ties away from zero. */
BB_TARGET_AVX2 static inline __m256i rdbpot8(__m256i x, int32_t e) {
    if (e == 0) return x;
    const __m128i cnt = _mm_cvtsi32_si128(e);
    const __m256i mask = _mm256_set1_epi32((int32_t)(((int64_t)1 << e) - 1));
    const __m256i rem = _mm256_and_si256(x, mask);
    const __m256i thr = _mm256_add_epi32(_mm256_srli_epi32(mask, 1), _mm256_srli_epi32(x, 31));
    const __m256i up = _mm256_cmpgt_epi32(rem, thr); /* -1 where rounding up */
    return _mm256_sub_epi32(_mm256_sra_epi32(x, cnt), up);
}

BB_TARGET_AVX2 static inline __m256i mbqm8(__m256i x, int32_t mult, int32_t shift) {
    if (shift > 0) x = _mm256_sll_epi32(x, _mm_cvtsi32_si128(shift));
    return rdbpot8(srdhm8(x, mult), shift > 0 ? 0 : -shift);
}

void bb__requantize_avx2(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                         const bb_requant_params *p, void *out, size_t ldo, int is_signed);

BB_TARGET_AVX2 void bb__requantize_avx2(const int32_t *acc, size_t rows, size_t cols,
                                        size_t lda, const bb_requant_params *p, void *out,
                                        size_t ldo, int is_signed) {
    const __m256i zo = _mm256_set1_epi32(p->out_zero_point);
    const int32_t tlo = is_signed ? -128 : 0, thi = is_signed ? 127 : 255;
    const int32_t qlo = p->qmin > tlo ? p->qmin : tlo, qhi = p->qmax < thi ? p->qmax : thi;
    const __m256i lo = _mm256_set1_epi32(qlo), hi = _mm256_set1_epi32(qhi);
    const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (size_t m = 0; m < rows; m++) {
        const int32_t *a = acc + m * lda;
        const __m256i bias = _mm256_set1_epi32(p->bias ? p->bias[m] : 0);
        const int32_t mult = p->multiplier[m], shift = p->shift[m];
        size_t j = 0;
        for (; j + 32 <= cols; j += 32) {
            __m256i v[4];
            for (int q = 0; q < 4; q++) {
                __m256i t = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(a + j + 8 * q)), bias);
                t = _mm256_add_epi32(mbqm8(t, mult, shift), zo);
                v[q] = _mm256_max_epi32(_mm256_min_epi32(t, hi), lo);
            }
            /* values already within the 8-bit range: the saturating packs are exact */
            const __m256i w01 = _mm256_packs_epi32(v[0], v[1]), w23 = _mm256_packs_epi32(v[2], v[3]);
            __m256i b = is_signed ? _mm256_packs_epi16(w01, w23) : _mm256_packus_epi16(w01, w23);
            b = _mm256_permutevar8x32_epi32(b, perm);
            if (is_signed) _mm256_storeu_si256((__m256i *)((int8_t *)out + m * ldo + j), b);
            else _mm256_storeu_si256((__m256i *)((uint8_t *)out + m * ldo + j), b);
        }
        for (; j < cols; j++) {
            int32_t y = bb_multiply_by_quantized_multiplier(
                (int32_t)((uint32_t)a[j] + (uint32_t)(p->bias ? p->bias[m] : 0)), mult, shift);
            y = (int32_t)((uint32_t)y + (uint32_t)p->out_zero_point);
            y = y > qhi ? qhi : y;
            y = y < qlo ? qlo : y;
            if (is_signed) ((int8_t *)out)[m * ldo + j] = (int8_t)y;
            else ((uint8_t *)out)[m * ldo + j] = (uint8_t)y;
        }
    }
}

/* ============================================================ quantized Add ==== */

/* 16 elements at a time: (a - za, b - zb) as int16 pairs, one VPMADDWD with (a_mult, b_mult)
   gives the int32 sums; unpack lo/hi and the saturating pack both work within 128-bit lanes,
   so the pack restores the element order. Saturating packs then the u8 min/max equal the
   reference's clamp because [lo, hi] lies inside [0, 255]. */
BB_TARGET_AVX2 static inline __m256i add16(__m128i a, __m128i b, __m256i za,
                                           __m256i zb, __m256i mults, __m256i round, __m128i sh) {
    const __m256i av = _mm256_sub_epi16(_mm256_cvtepu8_epi16(a), za);
    const __m256i bv = _mm256_sub_epi16(_mm256_cvtepu8_epi16(b), zb);
    const __m256i lo = _mm256_madd_epi16(_mm256_unpacklo_epi16(av, bv), mults);
    const __m256i hi = _mm256_madd_epi16(_mm256_unpackhi_epi16(av, bv), mults);
    return _mm256_packs_epi32(_mm256_sra_epi32(_mm256_add_epi32(lo, round), sh),
                              _mm256_sra_epi32(_mm256_add_epi32(hi, round), sh));
}

BB_TARGET_AVX2 void bb__add_u8_avx2(const uint8_t *a, const uint8_t *b, size_t n,
                                    const bb_add_params *p, uint8_t *out) {
    const __m256i za = _mm256_set1_epi16((int16_t)p->a_zero_point);
    const __m256i zb = _mm256_set1_epi16((int16_t)p->b_zero_point);
    const __m256i zo = _mm256_set1_epi16((int16_t)p->out_zero_point);
    const __m256i mults = _mm256_set1_epi32((int32_t)(((uint32_t)(uint16_t)p->b_mult << 16) |
                                                      (uint16_t)p->a_mult));
    const __m256i round = _mm256_set1_epi32(p->shift > 0 ? (int32_t)1 << (p->shift - 1) : 0);
    const __m128i sh = _mm_cvtsi32_si128(p->shift);
    const __m256i lo = _mm256_set1_epi8((char)(uint8_t)(p->qmin > 0 ? p->qmin : 0));
    const __m256i hi = _mm256_set1_epi8((char)(uint8_t)(p->qmax < 255 ? p->qmax : 255));
    /* uint8 zero points (0..255) keep every int16 step exact, and an int32 result beyond
       int16 saturates to the same clamp; the reference takes any other parameters */
    const int simd = p->a_zero_point >= 0 && p->a_zero_point <= 255 && p->b_zero_point >= 0 &&
                     p->b_zero_point <= 255 && p->out_zero_point >= 0 && p->out_zero_point <= 255;
    size_t i = 0;
    if (simd)
        for (; i + 32 <= n; i += 32) {
            const __m128i a0 = _mm_loadu_si128((const __m128i *)(a + i)), a1 = _mm_loadu_si128((const __m128i *)(a + i + 16));
            const __m128i b0 = _mm_loadu_si128((const __m128i *)(b + i)), b1 = _mm_loadu_si128((const __m128i *)(b + i + 16));
            /* int16 results + out_zp with saturation: the final clamp to [lo, hi] is unchanged */
            const __m256i y0 = _mm256_adds_epi16(add16(a0, b0, za, zb, mults, round, sh), zo);
            const __m256i y1 = _mm256_adds_epi16(add16(a1, b1, za, zb, mults, round, sh), zo);
            __m256i y = _mm256_permute4x64_epi64(_mm256_packus_epi16(y0, y1), 0xD8);
            y = _mm256_max_epu8(_mm256_min_epu8(y, hi), lo);
            _mm256_storeu_si256((__m256i *)(out + i), y);
        }
    if (i < n) bb_add_u8_ref(a + i, b + i, n - i, p, out + i);
}

#endif /* BB_X86 */
