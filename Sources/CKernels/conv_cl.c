/* conv_cl.c -- convolution + requantization with the output channels in the vector lanes
   ("channels-last" implicit GEMM). Definition: bb_conv_u8_ref, then bb_requantize_u8_ref.

   Why: bb_conv_u8 keeps output pixels in the lanes, so every GEMM panel is an implicit
   im2col -- K*N bytes shuffled per image (panel packing was ~11% of ResNet-20's engine time,
   the separate requantization pass ~8%). Here the image is transposed once into a
   zero-point-padded HWC copy (C*H*W bytes, 1/(kh*kw) of the panel), a tile of 4 consecutive
   output pixels x 16 output channels broadcasts 4 channels of one pixel's tap straight from
   that copy (weights are the vector operand, prepared once per layer), and the tile's int32
   sums are requantized in registers and written to the CHW output as bytes.

   Reduction order inside a tile: k' = (tap, channel) with channels padded to Cp = 4*ceil(C/4)
   (weights of padding channels are 0); integer sums do not depend on the order.
   Strips (per block of 16 output channels, rows past M are 0):
     narrow (b <= 7, ternary, binary): int8 [g][16][4], g = tap*Cp/4 + c/4 -- VPMADDUBSW,
       int16 partial sums flushed to int32 every T groups (the plan's T);
     wide (b = 8): int16 [g][16][2], g = tap*Cp/2 + c/2, over an int16 HWC copy -- VPMADDWD.
   Only symmetric weights (no zero points) take this path; the row correction zx*R[m] and the
   bias fold into one per-channel constant (mod 2^32, as the reference's wrapping sums). */
#include "conv_cl.h"

#if BB_X86
/* Bytes per HWC element (int16 for the 8-bit VPMADDWD path) and the padded channel count. */
static size_t cl_esz(const bb_gemm_plan *p) { return p->wide ? 2 : 1; }
static size_t cl_cp(const bb_conv_geom *g) { return bb__round_up(g->c, 4); }
#endif

int bb_gemm_plan_prepare_conv(bb_gemm_plan *p, const bb_conv_geom *g) {
#if BB_X86
    if (p == NULL || g == NULL || p->kr == NULL || p->level != BB_LEVEL_AVX2 || p->any_zs) return 0;
    if (g->c * g->kh * g->kw != p->K || p->M == 0 || p->K == 0) return 0;
    if (p->cl_strip != NULL) {
        if (p->cl_c == g->c && p->cl_kh == g->kh && p->cl_kw == g->kw) return 1;
        return 0; /* prepared for another geometry */
    }
    const size_t M = p->M, K = p->K, C = g->c, taps = g->kh * g->kw;
    const size_t Cp = cl_cp(g), esz = cl_esz(p), per = 4 / esz; /* channels per 32-bit lane */
    const size_t G = taps * Cp / per, nb = (M + 15) / 16;
    int32_t *rs = (int32_t *)bb__alloc(M * sizeof(int32_t));
    int8_t *wv = bb__unpack_all(&p->w, rs);
    free(rs);
    uint8_t *strip = (uint8_t *)bb__alloc(nb * G * 64);
    memset(strip, 0, nb * G * 64);
    for (size_t m = 0; m < M; m++)
        for (size_t ci = 0; ci < C; ci++)
            for (size_t t = 0; t < taps; t++) {
                const int8_t v = wv[m * K + ci * taps + t]; /* k = (ci*kh + i)*kw + j */
                const size_t kk = t * Cp + ci;              /* k' = tap*Cp + ci */
                const size_t gi = kk / per, lane = kk % per;
                const size_t idx = ((m / 16) * G + gi) * 16 * per + (m % 16) * per + lane;
                if (esz == 2) ((int16_t *)strip)[idx] = v;
                else ((int8_t *)strip)[idx] = v;
            }
    bb__wino_prepare(p, g, wv);
    free(wv);
    p->cl_strip = strip;
    p->cl_c = C;
    p->cl_kh = g->kh;
    p->cl_kw = g->kw;
    p->cl_G = G;
    return 1;
#else
    (void)p;
    (void)g;
    return 0;
#endif
}

#if BB_X86
#include <immintrin.h>

/* Elements of the padded HWC copy: the padded image plus one more row and pixel of zero point,
   which the Winograd tiles of an odd output size read past its edge (for outputs they discard). */
static size_t cl_padded_elems(const bb_conv_geom *g) {
    const size_t Wp = g->w + 2 * g->pw, Hp = g->h + 2 * g->ph;
    return (Hp * Wp + Wp + 1) * cl_cp(g);
}
static size_t cl_padded_bytes(const bb_gemm_plan *p, const bb_conv_geom *g) {
    return bb__round_up(cl_padded_elems(g) * cl_esz(p) + 64, 64);
}
static size_t cl_off_bytes(const bb_gemm_plan *p) { return bb__round_up(p->cl_G * sizeof(int32_t), 64); }

/* Whether bb_conv_requant_u8 takes the channels-last path (direct or Winograd) for g and zx: the
   one decision both it and bb_conv_requant_uses_winograd read. */
static int cl_ready(const bb_gemm_plan *p, const bb_conv_geom *g, int32_t zx) {
    return p->cl_strip != NULL && bb_get_level() == p->level && p->cl_c == g->c &&
           p->cl_kh == g->kh && p->cl_kw == g->kw && zx >= 0 && zx <= 255 &&
           cl_padded_bytes(p, g) <= (size_t)INT32_MAX;
}

typedef struct cl_tag {
    uint64_t magic;
    bb_conv_geom g;
    int64_t zx, wide;
} cl_tag;
#define CL_MAGIC 0x62625f636c763031ULL /* "bb_clv01" */
#define CL_TAG_BYTES 128
#endif

size_t bb_conv_requant_state_bytes(const bb_gemm_plan *p, const bb_conv_geom *g) {
    size_t s = bb_conv_u8_state_bytes(g);
#if BB_X86
    if (p != NULL && p->cl_strip != NULL) {
        const size_t c = CL_TAG_BYTES + cl_padded_bytes(p, g) + cl_off_bytes(p);
        if (c > s) s = c;
    }
#endif
    (void)p;
    return s;
}

size_t bb_conv_requant_scratch_bytes(const bb_gemm_plan *p, const bb_conv_geom *g) {
    size_t s = bb_conv_u8_scratch_bytes(p, g);
#if BB_X86
    if (p != NULL && p->cl_strip != NULL) {
        const size_t c = bb__cl_rq_bytes(p->M) + bb__wino_scratch_bytes(p, g);
        if (c > s) s = c;
    }
#endif
    return s;
}

#if BB_X86

/* 16x16 byte transpose: out[j] byte i = in[i] byte j (SSE2). */
BB_TARGET_AVX2 static inline void transpose16(const __m128i in[16], __m128i out[16]) {
    __m128i a[16], b[16];
    for (int i = 0; i < 8; i++) {
        a[i] = _mm_unpacklo_epi8(in[2 * i], in[2 * i + 1]);     /* columns 0-7 */
        a[i + 8] = _mm_unpackhi_epi8(in[2 * i], in[2 * i + 1]); /* columns 8-15 */
    }
    for (int h = 0; h < 2; h++)
        for (int i = 0; i < 4; i++) {
            b[h * 8 + i] = _mm_unpacklo_epi16(a[h * 8 + 2 * i], a[h * 8 + 2 * i + 1]);
            b[h * 8 + i + 4] = _mm_unpackhi_epi16(a[h * 8 + 2 * i], a[h * 8 + 2 * i + 1]);
        }
    /* b[h*8 + q]: rows 4i.. (i = q%4) of columns h*8 + (q/4)*4 .. +3, 32 bits per column */
    for (int h = 0; h < 2; h++)
        for (int q = 0; q < 2; q++) {
            const __m128i *s = b + h * 8 + q * 4;
            const __m128i l01 = _mm_unpacklo_epi32(s[0], s[1]), h01 = _mm_unpackhi_epi32(s[0], s[1]);
            const __m128i l23 = _mm_unpacklo_epi32(s[2], s[3]), h23 = _mm_unpackhi_epi32(s[2], s[3]);
            const int col = h * 8 + q * 4;
            out[col + 0] = _mm_unpacklo_epi64(l01, l23);
            out[col + 1] = _mm_unpackhi_epi64(l01, l23);
            out[col + 2] = _mm_unpacklo_epi64(h01, h23);
            out[col + 3] = _mm_unpackhi_epi64(h01, h23);
        }
}

/* The image's channels into the padded HWC copy's interior (border and padding channels are
   left holding the zero point). Blocks of 16 channels x 16 (or 8) pixels are transposed in
   registers; the rest is copied one byte at a time. */
BB_TARGET_AVX2 static void cl_copy_interior(const bb_conv_geom *g, size_t Cp, int wide,
                                            const uint8_t *x, uint8_t *xp) {
    const size_t H = g->h, W = g->w, C = g->c, Wp = W + 2 * g->pw, esz = wide ? 2 : 1;
    for (size_t y = 0; y < H; y++) {
        uint8_t *drow = xp + ((y + g->ph) * Wp + g->pw) * Cp * esz;
        size_t c0 = 0;
        for (; c0 + 16 <= C; c0 += 16) {
            const uint8_t *src = x + (c0 * H + y) * W;
            size_t x0 = 0;
            for (; x0 + 8 <= W; x0 += (x0 + 16 <= W ? 16 : 8)) {
                const int full = x0 + 16 <= W;
                __m128i in[16], out[16];
                for (int i = 0; i < 16; i++) {
                    const uint8_t *s = src + (size_t)i * H * W + x0;
                    in[i] = full ? _mm_loadu_si128((const __m128i *)s) : _mm_loadl_epi64((const __m128i *)s);
                }
                transpose16(in, out);
                const int n = full ? 16 : 8;
                for (int j = 0; j < n; j++) {
                    uint8_t *d = drow + ((x0 + (size_t)j) * Cp + c0) * esz;
                    if (wide) _mm256_storeu_si256((__m256i *)d, _mm256_cvtepu8_epi16(out[j]));
                    else _mm_storeu_si128((__m128i *)d, out[j]);
                }
            }
            for (; x0 < W; x0++)
                for (size_t c = c0; c < c0 + 16; c++) {
                    const uint8_t v = x[(c * H + y) * W + x0];
                    if (wide) ((uint16_t *)drow)[x0 * Cp + c] = v;
                    else drow[x0 * Cp + c] = v;
                }
        }
        for (size_t c = c0; c < C; c++) {
            const uint8_t *src = x + (c * H + y) * W;
            for (size_t xx = 0; xx < W; xx++) {
                if (wide) ((uint16_t *)drow)[xx * Cp + c] = src[xx];
                else drow[xx * Cp + c] = src[xx];
            }
        }
    }
}

/* Requantizes a 4-pixel x 16-channel tile (c[r][h]: pixel r, channels m0 + 8h ..) and stores
   it to out[(m0 + ch)*ldo + p + r] for ch < nch, r < npx. */
BB_TARGET_AVX2 CL_INLINE void cl_store(__m256i c00, __m256i c01, __m256i c10, __m256i c11,
                                           __m256i c20, __m256i c21, __m256i c30, __m256i c31,
                                           const cl_rq *q, size_t m0, uint8_t *out, size_t ldo,
                                           size_t p, size_t npx, size_t nch) {
    uint32_t t[16] __attribute__((aligned(32)));
    cl_pack16(c00, c01, c10, c11, c20, c21, c30, c31, q, m0, t);
    if (npx == 4) {
        for (size_t ch = 0; ch < nch; ch++) memcpy(out + (m0 + ch) * ldo + p, &t[ch], 4);
    } else {
        for (size_t ch = 0; ch < nch; ch++) memcpy(out + (m0 + ch) * ldo + p, &t[ch], npx);
    }
}

/* The 4x16 tile kernels: px[r] = pixel r's first tap in the HWC copy, off[g] = byte offset
   of group g, w = the channel block's strip. */
#define CL_BCAST(r) _mm256_set1_epi32(cl_load_i32(px##r + o))

/* One reduction group g for the 4x16 tile: two weight vectors, one 32-bit broadcast per
   pixel, OP(acc, x, w) into the accumulators A00..A31 (A<pixel><weight vector>). */
#define CL_GROUP(OP, A)                                                                       \
    do {                                                                                      \
        const int32_t o = off[g];                                                             \
        const __m256i w0 = _mm256_load_si256((const __m256i *)(w + g * 64));                  \
        const __m256i w1 = _mm256_load_si256((const __m256i *)(w + g * 64 + 32));             \
        __m256i xv = CL_BCAST(0);                                                             \
        OP(A##00, xv, w0);                                                                    \
        OP(A##01, xv, w1);                                                                    \
        xv = CL_BCAST(1);                                                                     \
        OP(A##10, xv, w0);                                                                    \
        OP(A##11, xv, w1);                                                                    \
        xv = CL_BCAST(2);                                                                     \
        OP(A##20, xv, w0);                                                                    \
        OP(A##21, xv, w1);                                                                    \
        xv = CL_BCAST(3);                                                                     \
        OP(A##30, xv, w0);                                                                    \
        OP(A##31, xv, w1);                                                                    \
    } while (0)
#define CL_ZERO(A)                                                                            \
    __m256i A##00 = _mm256_setzero_si256(), A##01 = A##00, A##10 = A##00, A##11 = A##00;      \
    __m256i A##20 = A##00, A##21 = A##00, A##30 = A##00, A##31 = A##00
/* acc += VPMADDUBSW(x, w) widened at once (b = 7: T = 1) */
#define CL_OP_T1(acc, xv, wv) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(xv, wv), ones))
/* int16 acc += VPMADDUBSW(x, w) (T >= 2: widened every T groups) */
#define CL_OP_TN(acc, xv, wv) acc = _mm256_add_epi16(acc, _mm256_maddubs_epi16(xv, wv))
/* int32 acc += VPMADDWD(x, w) on int16 channel pairs (b = 8) */
#define CL_OP_WIDE(acc, xv, wv) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(xv, wv))
/* int32 acc += int16 partial sums widened (VPMADDWD by 1) */
#define CL_FLUSH(acc, part) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(part, ones))

#define CL_TILE_ARGS                                                                           \
    const uint8_t *px0, const uint8_t *px1, const uint8_t *px2, const uint8_t *px3,            \
        const int32_t *off, const int8_t *w, size_t G, int T, const cl_rq *q, size_t m0,       \
        uint8_t *out, size_t ldo, size_t p, size_t npx, size_t nch
#define CL_STORE cl_store(c00, c01, c10, c11, c20, c21, c30, c31, q, m0, out, ldo, p, npx, nch)

/* b = 7 (T = 1): every VPMADDUBSW result widened at once */
BB_TARGET_AVX2 CL_INLINE void cl_tile_t1(CL_TILE_ARGS) {
    (void)T;
    const __m256i ones = _mm256_set1_epi16(1);
    CL_ZERO(c);
    for (size_t g = 0; g < G; g++) CL_GROUP(CL_OP_T1, c);
    CL_STORE;
}

/* b <= 6, ternary, binary (T >= 2): int16 partial sums for T groups */
BB_TARGET_AVX2 CL_INLINE void cl_tile_tn(CL_TILE_ARGS) {
    const __m256i ones = _mm256_set1_epi16(1);
    CL_ZERO(c);
    size_t g = 0;
    while (g < G) {
        const size_t ge = g + (size_t)T < G ? g + (size_t)T : G;
        CL_ZERO(a);
        for (; g < ge; g++) CL_GROUP(CL_OP_TN, a);
        CL_FLUSH(c00, a00);
        CL_FLUSH(c01, a01);
        CL_FLUSH(c10, a10);
        CL_FLUSH(c11, a11);
        CL_FLUSH(c20, a20);
        CL_FLUSH(c21, a21);
        CL_FLUSH(c30, a30);
        CL_FLUSH(c31, a31);
    }
    CL_STORE;
}

/* b = 8: int16 activations and weights, VPMADDWD on channel pairs (exact) */
BB_TARGET_AVX2 CL_INLINE void cl_tile_wide(CL_TILE_ARGS) {
    (void)T;
    CL_ZERO(c);
    for (size_t g = 0; g < G; g++) CL_GROUP(CL_OP_WIDE, c);
    CL_STORE;
}
#undef CL_GROUP
#undef CL_ZERO
#undef CL_OP_T1
#undef CL_OP_TN
#undef CL_OP_WIDE
#undef CL_FLUSH
#undef CL_TILE_ARGS
#undef CL_STORE
#undef CL_BCAST

/* What the tile loops need; one loop per kernel so the tile (and its epilogue) is inlined:
   a call per 4x16 tile, with its 15 arguments, cost ~7% of the engine's time. */
typedef struct cl_loop_args {
    const uint8_t *xp;
    const int32_t *off;
    const int8_t *strip;
    size_t G, M, Mp, ow, rstep, cstep, p0, p1, ldo;
    int T;
    const cl_rq *q;
    uint8_t *out;
} cl_loop_args;

#define CL_LOOP(name, tile)                                                                      \
    BB_TARGET_AVX2 static void name(const cl_loop_args *a) {                                    \
        for (size_t nb = 0; nb < a->Mp; nb += 16) {                                             \
            const int8_t *w = a->strip + (nb / 16) * a->G * 64;                                 \
            const size_t nch = bb__min(16, a->M - nb);                                          \
            size_t oy = a->p0 / a->ow, ox = a->p0 % a->ow; /* of pixel pp, no divisions after */ \
            for (size_t pp = a->p0; pp < a->p1; pp += 4) {                                      \
                const size_t npx = bb__min(4, a->p1 - pp);                                      \
                const uint8_t *px[4];                                                           \
                for (size_t r = 0; r < npx; r++) {                                              \
                    px[r] = a->xp + oy * a->rstep + ox * a->cstep;                              \
                    if (++ox == a->ow) {                                                        \
                        ox = 0;                                                                 \
                        oy++;                                                                   \
                    }                                                                           \
                }                                                                               \
                for (size_t r = npx; r < 4; r++) px[r] = px[0];                                 \
                tile(px[0], px[1], px[2], px[3], a->off, w, a->G, a->T, a->q, nb, a->out,       \
                     a->ldo, pp, npx, nch);                                                     \
            }                                                                                   \
        }                                                                                       \
    }
CL_LOOP(cl_loop_t1, cl_tile_t1)
CL_LOOP(cl_loop_tn, cl_tile_tn)
CL_LOOP(cl_loop_wide, cl_tile_wide)
#undef CL_LOOP

BB_TARGET_AVX2 uint8_t *bb__cl_input(const bb_gemm_plan *p, const bb_conv_geom *g, const uint8_t *x, int32_t zx,
                                     int wide, void *state) {
    const size_t Cp = cl_cp(g), esz = wide ? 2 : 1;
    const size_t Wp = g->w + 2 * g->pw;
    cl_tag want;
    memset(&want, 0, sizeof want);
    want.magic = CL_MAGIC;
    want.g = *g;
    want.zx = zx;
    want.wide = wide;
    uint8_t *xp = (uint8_t *)state + CL_TAG_BYTES;
    int32_t *off = (int32_t *)(xp + cl_padded_bytes(p, g));
    if (memcmp(state, &want, sizeof want) != 0) { /* new, or made for another layer */
        const size_t n = cl_padded_elems(g);
        if (wide) for (size_t i = 0; i < n; i++) ((uint16_t *)xp)[i] = (uint16_t)zx;
        else memset(xp, zx, n);
        const size_t per = 4 / esz; /* channels per 32-bit broadcast, as the strip */
        size_t gi = 0;
        for (size_t i = 0; i < g->kh; i++)
            for (size_t j = 0; j < g->kw; j++)
                for (size_t c = 0; c < Cp; c += per)
                    off[gi++] = (int32_t)(((i * g->dh * Wp + j * g->dw) * Cp + c) * esz);
        memcpy(state, &want, sizeof want);
    }
    cl_copy_interior(g, Cp, wide, x, xp);
    return xp;
}

BB_TARGET_AVX2 void *bb__cl_rq_build(const bb_gemm_plan *p, const bb_requant_params *rp, int32_t zx, void *scratch,
                      cl_rq *q) {
    const size_t M = p->M, Mp = bb__round_up(M, 16);
    int32_t *base = (int32_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    q->corr = base;
    q->mult = base + Mp;
    q->lsh = base + 2 * Mp;
    q->rsh = base + 3 * Mp;
    q->mask = base + 4 * Mp;
    q->half = base + 5 * Mp;
    for (size_t m = 0; m < Mp; m++) {
        if (m < M) {
            const int32_t sh = rp->shift[m], e = sh > 0 ? 0 : -sh;
            q->corr[m] = (int32_t)((uint32_t)(rp->bias ? rp->bias[m] : 0) - (uint32_t)zx * (uint32_t)p->rowsum[m]);
            q->mult[m] = rp->multiplier[m];
            q->lsh[m] = sh > 0 ? sh : 0;
            q->rsh[m] = e;
            q->mask[m] = (int32_t)(((int64_t)1 << e) - 1);
            q->half[m] = q->mask[m] >> 1;
        } else {
            q->corr[m] = q->mult[m] = q->lsh[m] = q->rsh[m] = q->mask[m] = q->half[m] = 0;
        }
    }
    const int32_t qlo = rp->qmin > 0 ? rp->qmin : 0, qhi = rp->qmax < 255 ? rp->qmax : 255;
    q->zo = _mm256_set1_epi32(rp->out_zero_point);
    q->lo = _mm256_set1_epi32(qlo);
    q->hi = _mm256_set1_epi32(qhi);
    return base + 6 * Mp;
}

BB_TARGET_AVX2 static void conv_cl(const bb_gemm_plan *p, const bb_conv_geom *g, const uint8_t *x,
                                   int32_t zx, size_t p0, size_t p1, const bb_requant_params *rp,
                                   uint8_t *out, size_t ldo, void *state, void *scratch) {
    const size_t M = p->M, G = p->cl_G, Cp = cl_cp(g), esz = cl_esz(p);
    const size_t Wp = g->w + 2 * g->pw, ow = bb_conv_out_w(g);
    const uint8_t *xp = bb__cl_input(p, g, x, zx, p->wide, state);
    const int32_t *off = (const int32_t *)(xp + cl_padded_bytes(p, g));
    const size_t Mp = bb__round_up(M, 16);
    cl_rq q;
    bb__cl_rq_build(p, rp, zx, scratch, &q);

    const size_t rstep = g->sh * Wp * Cp * esz, cstep = g->sw * Cp * esz;
    const cl_loop_args la = {.xp = xp, .off = off, .strip = (const int8_t *)p->cl_strip, .G = G, .M = M,
                             .Mp = Mp, .ow = ow, .rstep = rstep, .cstep = cstep, .p0 = p0, .p1 = p1,
                             .ldo = ldo, .T = p->T, .q = &q, .out = out};
    if (p->wide) cl_loop_wide(&la);
    else if (p->T == 1) cl_loop_t1(&la);
    else cl_loop_tn(&la);
}
#endif /* BB_X86 */

int bb_conv_requant_uses_winograd(const bb_gemm_plan *p, const bb_conv_geom *g) {
#if BB_X86
    return p != NULL && g != NULL && cl_ready(p, g, 0) && bb__wino_ready(p, g);
#else
    (void)p;
    (void)g;
    return 0;
#endif
}

void bb_conv_requant_u8(const bb_gemm_plan *p, const bb_conv_geom *g, const uint8_t *x,
                        int32_t zx, size_t p0, size_t p1, const struct bb_requant_params *rq,
                        uint8_t *out, size_t ldo, int32_t *acc, size_t lda, void *state,
                        void *scratch) {
    const size_t n = bb_conv_out_h(g) * bb_conv_out_w(g);
    if (p1 > n) p1 = n;
    if (p0 >= p1 || p->w.rows == 0) return;
#if BB_X86
    if (cl_ready(p, g, zx)) {
        void *own_state = NULL, *own_scratch = NULL;
        if (state == NULL) {
            state = own_state = bb__alloc(bb_conv_requant_state_bytes(p, g));
            memset(state, 0, CL_TAG_BYTES);
        }
        if (scratch == NULL) scratch = own_scratch = bb__alloc(bb_conv_requant_scratch_bytes(p, g));
        if (bb__wino_ready(p, g)) bb__conv_wino(p, g, x, zx, p0, p1, rq, out, ldo, state, scratch);
        else conv_cl(p, g, x, zx, p0, p1, rq, out, ldo, state, scratch);
        free(own_state);
        free(own_scratch);
        return;
    }
#endif
    bb_conv_u8(p, g, x, zx, p0, p1, acc, lda, state, scratch);
    bb_requantize_u8(acc + p0, (size_t)p->w.rows, p1 - p0, lda, rq, out + p0, ldo);
}
