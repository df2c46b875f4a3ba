/* gemm_driver.c -- blocking, weight-strip preparation and X-panel packing shared by the
   SIMD GEMM levels.  The micro-kernels live in kernels_avx2.c / kernels_avx512.c.

   Loop structure (single-threaded; scratch allocated per call or passed in). Step 1 is
   done once per weight tensor by bb_gemm_plan_create (bb__plan_build) when the caller
   keeps a plan, else per call:
     1. unpack W once to signed int8 rows, compute R[m] = sum_k (w_s - zs), build the
        "strip": rows grouped by BB_MR, [mb][g][r][4] with g = k/4 (zero padded), so a
        micro-kernel broadcasts 4 consecutive weights of a row with one 32-bit load;
     2. for each panel of NC columns of X: pack it to [cb][g][col][4] (cb = blocks of
        `nr` columns, 4 consecutive k of one column adjacent, as VPMADDUBSW / VPDPBUSD
        want them), column sums if any row is asymmetric;
     3. for each tile (cb, mb): micro-kernel computes sum_k x*w_s and the epilogue writes
        acc - zx*R[m] - zs[m]*colsum[j]   (= sum_k (x - zx)(w_s - zs), exact mod 2^32). */
#include "internal.h"

#if BB_X86
#include <immintrin.h>

#define BB_NC 256

/* Transposes a 4 (k) x 8 (columns) byte tile into 8 x 4: dst[col*4 + t]. SSE2. */
static inline void pack_4x8(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2,
                            const uint8_t *r3, uint8_t *dst) {
    const __m128i a = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)r0),
                                        _mm_loadl_epi64((const __m128i *)r1));
    const __m128i b = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)r2),
                                        _mm_loadl_epi64((const __m128i *)r3));
    _mm_store_si128((__m128i *)dst, _mm_unpacklo_epi16(a, b));
    _mm_store_si128((__m128i *)(dst + 16), _mm_unpackhi_epi16(a, b));
}

void bb__pack_panel(const uint8_t *x, size_t ldx, size_t K, size_t nc, size_t ncp,
                    uint8_t *panel, size_t nr) {
    const size_t KG = (K + 3) / 4;
    const size_t nfull = nc / 8 * 8; /* columns packable 8 at a time */
    for (size_t g = 0; g < KG; g++) {
        const size_t k0 = 4 * g;
        if (k0 + 4 <= K) {
            const uint8_t *r0 = x + k0 * ldx, *r1 = r0 + ldx, *r2 = r1 + ldx, *r3 = r2 + ldx;
            for (size_t col = 0; col < nfull; col += 8) {
                const size_t cb = col / nr, within = col % nr;
                pack_4x8(r0 + col, r1 + col, r2 + col, r3 + col,
                         panel + (cb * KG + g) * nr * 4 + within * 4);
            }
        } else {
            for (size_t col = 0; col < nfull; col++) {
                uint8_t *d = panel + ((col / nr) * KG + g) * nr * 4 + (col % nr) * 4;
                for (size_t t = 0; t < 4; t++) d[t] = k0 + t < K ? x[(k0 + t) * ldx + col] : 0;
            }
        }
        for (size_t col = nfull; col < ncp; col++) {
            uint8_t *d = panel + ((col / nr) * KG + g) * nr * 4 + (col % nr) * 4;
            for (size_t t = 0; t < 4; t++)
                d[t] = (col < nc && k0 + t < K) ? x[(k0 + t) * ldx + col] : 0;
        }
    }
}

static void pack_matrix(const bb__panel_src *s, size_t n0, size_t nc, size_t ncp, uint8_t *panel,
                        size_t nr, int32_t *colsum) {
    bb__pack_panel(s->x + n0, s->ldx, s->K, nc, ncp, panel, nr);
    if (colsum != NULL) {
        memset(colsum, 0, nc * sizeof(int32_t));
        for (size_t kk = 0; kk < s->K; kk++) {
            const uint8_t *xr = s->x + kk * s->ldx + n0;
            for (size_t j = 0; j < nc; j++) colsum[j] += xr[j];
        }
    }
}

void bb__plan_build(bb_gemm_plan *p, int level, const bb__gemm_kernels *kr) {
    const bb_weights *w = &p->w;
    const size_t M = (size_t)w->rows, K = (size_t)w->k;
    p->level = level;
    p->kr = kr;
    p->M = M;
    p->K = K;
    p->KG = (K + 3) / 4;
    p->Mp = bb__round_up(M, BB_MR);
    p->NC = bb__round_up(BB_NC, (size_t)kr->cols);
    p->rowsum = (int32_t *)bb__alloc(M * sizeof(int32_t));
    p->zs = (int32_t *)bb__alloc(M * sizeof(int32_t));
    int8_t *wv = bb__unpack_all(w, p->rowsum);
    p->any_zs = 0;
    for (size_t m = 0; m < M; m++) {
        p->zs[m] = bb__zs(w, m);
        p->any_zs |= p->zs[m] != 0;
    }
    /* int16 accumulation budget: T maddubs results, each |pair| <= 510 * max|w_s|. */
    const int maxabs = (w->format >= BB_FMT_INT2 && w->format <= BB_FMT_INT8)
                           ? (1 << (w->format - 1)) : 1;
    p->T = 32767 / (510 * maxabs);
    p->wide = kr->int8_needs_wide && p->T == 0;
    p->ukr = p->wide ? kr->ukr_wide : kr->ukr;

    /* strip: rows grouped by BB_MR, [mb][g][r][4], zero padded in m and k */
    const size_t KG = p->KG, Mp = p->Mp;
    p->strip = bb__alloc(Mp * KG * 4 * (p->wide ? 2 : 1));
    for (size_t mb = 0; mb < Mp; mb += BB_MR)
        for (size_t g = 0; g < KG; g++)
            for (size_t r = 0; r < BB_MR; r++)
                for (size_t t = 0; t < 4; t++) {
                    const size_t m = mb + r, kk = 4 * g + t;
                    const int8_t v = (m < M && kk < K) ? wv[m * K + kk] : 0;
                    const size_t idx = ((mb / BB_MR * KG + g) * BB_MR + r) * 4 + t;
                    if (p->wide) ((int16_t *)p->strip)[idx] = v;
                    else ((int8_t *)p->strip)[idx] = v;
                }
    free(wv);
    p->strip_stride = KG * BB_MR * 4 * (p->wide ? 2 : 1); /* bytes per mb */
}

void bb__plan_release(bb_gemm_plan *p) {
    free(p->strip);
    free(p->cl_strip);
    p->cl_strip = NULL;
    free(p->wino_strip);
    p->wino_strip = NULL;
    free(p->rowsum);
    free(p->zs);
    p->strip = NULL;
    p->rowsum = p->zs = NULL;
    p->kr = NULL;
}

size_t bb__gemm_scratch_bytes(const bb_gemm_plan *p) {
    return bb__round_up(p->KG * 4 * p->NC, 64) +
           bb__round_up((p->NC + BB_UKR_COLS_MAX) * sizeof(int32_t), 64);
}

void bb__gemm_run(const bb_gemm_plan *p, const bb__panel_src *src, size_t n, int32_t zx,
                  int32_t *c, size_t ldc, void *scratch) {
    const size_t M = p->M, KG = p->KG, Mp = p->Mp, NC = p->NC;
    if (M == 0 || n == 0) return;
    const size_t cols = (size_t)p->kr->cols, nr = (size_t)p->kr->nr;
    uint8_t *panel = (uint8_t *)scratch;
    int32_t *colsum = p->any_zs ? (int32_t *)(panel + bb__round_up(KG * 4 * NC, 64)) : NULL;
    int32_t tmp[BB_MR * BB_UKR_COLS_MAX] __attribute__((aligned(64)));

    for (size_t n0 = 0; n0 < n; n0 += NC) {
        const size_t nc = bb__min(NC, n - n0), ncp = bb__round_up(nc, cols);
        src->pack(src, n0, nc, ncp, panel, nr, colsum);
        if (colsum != NULL) memset(colsum + nc, 0, (ncp - nc) * sizeof(int32_t));
        for (size_t cb = 0; cb < ncp; cb += cols) {
            const uint8_t *pp = panel + (cb / nr) * KG * nr * 4;
            for (size_t mb = 0; mb < Mp; mb += BB_MR) {
                bb__epilogue ep;
                for (size_t r = 0; r < BB_MR; r++) {
                    const size_t m = mb + r;
                    ep.rowcorr[r] = m < M ? (int32_t)((uint32_t)zx * (uint32_t)p->rowsum[m]) : 0;
                    ep.zs[r] = m < M ? p->zs[m] : 0;
                }
                ep.colsum = colsum != NULL ? colsum + cb : NULL;
                const int full = mb + BB_MR <= M && cb + cols <= nc;
                if (full) {
                    ep.c = c + mb * ldc + n0 + cb;
                    ep.ldc = ldc;
                } else {
                    ep.c = tmp;
                    ep.ldc = cols;
                }
                p->ukr((const uint8_t *)p->strip + mb / BB_MR * p->strip_stride, pp, KG, p->T, &ep);
                if (!full) {
                    const size_t rv = bb__min(BB_MR, M - mb), cv = bb__min(cols, nc - cb);
                    for (size_t r = 0; r < rv; r++)
                        memcpy(c + (mb + r) * ldc + n0 + cb, tmp + r * cols,
                               cv * sizeof(int32_t));
                }
            }
        }
    }
}

void bb__gemm_u8_driver(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                        int32_t zx, int32_t *c, size_t ldc, const bb__gemm_kernels *kr) {
    if (w->rows == 0 || n == 0) return;
    bb_gemm_plan p;
    memset(&p, 0, sizeof p);
    p.w = *w;
    bb__plan_build(&p, bb_get_level(), kr);
    bb__gemm_u8_planned_simd(&p, x, n, ldx, zx, c, ldc);
    bb__plan_release(&p);
}

void bb__gemm_u8_planned_simd(const bb_gemm_plan *p, const uint8_t *x, size_t n, size_t ldx,
                              int32_t zx, int32_t *c, size_t ldc) {
    const bb__panel_src src = {.pack = pack_matrix, .K = p->K, .x = x, .ldx = ldx};
    void *scratch = bb__alloc(bb__gemm_scratch_bytes(p));
    bb__gemm_run(p, &src, n, zx, c, ldc, scratch);
    free(scratch);
}
#endif /* BB_X86 */
