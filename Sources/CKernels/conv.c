/* conv.c -- one image's convolution as a GEMM whose panels are packed straight from a
   padded copy of the image (no im2col matrix). Definition: bb_conv_u8_ref. */
#include "internal.h"

size_t bb_conv_out_h(const bb_conv_geom *g) {
    return (g->h + 2 * g->ph - g->dh * (g->kh - 1) - 1) / g->sh + 1;
}
size_t bb_conv_out_w(const bb_conv_geom *g) {
    return (g->w + 2 * g->pw - g->dw * (g->kw - 1) - 1) / g->sw + 1;
}

/* im2col + GEMM, either the definitions (ref) or the active level's unprepared kernels. */
static void conv_via_im2col(const bb_weights *w, const bb_conv_geom *g, const uint8_t *x,
                            int32_t zx, int32_t *c, size_t ldc, int ref) {
    const size_t n = bb_conv_out_h(g) * bb_conv_out_w(g), K = g->c * g->kh * g->kw;
    uint8_t *cols = (uint8_t *)bb__alloc(K * n);
    (ref ? bb_im2col_u8_ref : bb_im2col_u8)(x, g->c, g->h, g->w, g->kh, g->kw, g->sh, g->sw,
                                            g->ph, g->pw, g->dh, g->dw, (uint8_t)zx, cols, n);
    (ref ? bb_gemm_u8_ref : bb_gemm_u8)(w, cols, n, n, zx, c, ldc);
    free(cols);
}

void bb_conv_u8_ref(const bb_weights *w, const bb_conv_geom *g, const uint8_t *x,
                    int32_t zx, int32_t *c, size_t ldc) {
    conv_via_im2col(w, g, x, zx, c, ldc, 1);
}

static size_t padded_bytes(const bb_conv_geom *g) {
    /* + 64: the stride-2 path loads 16 bytes for 15 */
    return bb__round_up(g->c * (g->h + 2 * g->ph) * (g->w + 2 * g->pw) + 64, 64);
}
static size_t koff_bytes(const bb_conv_geom *g) {
    return bb__round_up((g->c * g->kh * g->kw + 3) / 4 * 4 * sizeof(int32_t), 64);
}

/* What a state's contents were made for (its first BB_TAG_BYTES bytes). */
typedef struct conv_state_tag {
    uint64_t magic;
    bb_conv_geom g;
    int64_t zx;
} conv_state_tag;
#define BB_STATE_MAGIC 0x62625f636f6e7631ULL /* "bb_conv1" */
#define BB_TAG_BYTES 128

size_t bb_conv_u8_state_bytes(const bb_conv_geom *g) {
    return BB_TAG_BYTES + padded_bytes(g) + koff_bytes(g);
}

size_t bb_conv_u8_scratch_bytes(const bb_gemm_plan *p, const bb_conv_geom *g) {
#if BB_X86
    if (p->kr != NULL) return bb_conv_u8_state_bytes(g) + bb__gemm_scratch_bytes(p);
#endif
    (void)p;
    (void)g;
    return 64;
}

#if BB_X86
#include <immintrin.h>

/* Short rows (8-34 bytes for CIFAR-sized images): inline stores, not a memset/memcpy call
   per row (no_builtin keeps the compiler from turning the loops back into calls). */

/* The border of the padded buffer (top and bottom pad rows, left and right pad columns) set
   to v; copy_interior writes everything else. */
BB_TARGET_AVX2 __attribute__((no_builtin("memcpy", "memset"))) static void fill_border(
    const bb_conv_geom *g, uint8_t v, uint8_t *xp) {
    const size_t hp = g->h + 2 * g->ph, wp = g->w + 2 * g->pw;
    const __m256i fill = _mm256_set1_epi8((char)v);
    for (size_t ci = 0; ci < g->c; ci++)
        for (size_t r = 0; r < hp; r++) {
            uint8_t *row = xp + (ci * hp + r) * wp;
            size_t i = 0;
            if (r < g->ph || r >= g->ph + g->h) {
                for (; i + 32 <= wp; i += 32) _mm256_storeu_si256((__m256i *)(row + i), fill);
                for (; i < wp; i++) row[i] = v;
                continue;
            }
            for (; i < g->pw; i++) row[i] = v;
            for (i += g->w; i < wp; i++) row[i] = v;
        }
}

/* The image rows into the padded buffer's interior (the border is left as it is). */
BB_TARGET_AVX2 __attribute__((no_builtin("memcpy", "memset"))) static void copy_interior(
    const bb_conv_geom *g, const uint8_t *x, uint8_t *xp) {
    const size_t hp = g->h + 2 * g->ph, wp = g->w + 2 * g->pw, w = g->w;
    for (size_t ci = 0; ci < g->c; ci++) {
        const uint8_t *src = x + ci * g->h * w;
        uint8_t *dst = xp + (ci * hp + g->ph) * wp + g->pw;
        for (size_t r = 0; r < g->h; r++, src += w, dst += wp) {
            size_t j = 0;
            for (; j + 32 <= w; j += 32)
                _mm256_storeu_si256((__m256i *)(dst + j), _mm256_loadu_si256((const __m256i *)(src + j)));
            if (j + 16 <= w) {
                _mm_storeu_si128((__m128i *)(dst + j), _mm_loadu_si128((const __m128i *)(src + j)));
                j += 16;
            }
            if (j + 8 <= w) {
                _mm_storel_epi64((__m128i *)(dst + j), _mm_loadl_epi64((const __m128i *)(src + j)));
                j += 8;
            }
            for (; j < w; j++) dst[j] = src[j];
        }
    }
}

/* Interleaves four rows of 8 bytes (k = 4g .. 4g+3 of 8 consecutive columns) into
   dst[col*4 + t], the panel's column-major 4-k groups. */
BB_TARGET_AVX2 static inline void interleave_4x8(__m128i r0, __m128i r1, __m128i r2, __m128i r3,
                                                 uint8_t *dst) {
    const __m128i a = _mm_unpacklo_epi8(r0, r1), b = _mm_unpacklo_epi8(r2, r3);
    _mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi16(a, b));
    _mm_storeu_si128((__m128i *)(dst + 16), _mm_unpackhi_epi16(a, b));
}

BB_TARGET_AVX2 static void pack_conv(const bb__panel_src *s, size_t n0, size_t nc, size_t ncp,
                                     uint8_t *panel, size_t nr, int32_t *colsum) {
    const size_t KG = (s->K + 3) / 4, ow = s->ow, sw = s->sw, step = nr * 4; /* bytes per g */
    const uint8_t *xp = s->x;
    const int32_t *ko = s->koff;
    const __m128i even = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1);
    for (size_t col = 0; col < ncp; col += 8) {
        uint8_t *dst = panel + (col / nr) * KG * nr * 4 + (col % nr) * 4;
        const size_t p = s->col0 + n0 + col, oy = p / ow, ox = p % ow;
        if (col + 8 <= nc && ox + 8 <= ow && (sw == 1 || sw == 2)) {
            const uint8_t *b = xp + oy * s->row_step + ox * sw;
            if (sw == 1) {
                for (size_t g = 0; g < KG; g++, dst += step) {
                    const int32_t *o = ko + 4 * g;
                    interleave_4x8(_mm_loadl_epi64((const __m128i *)(b + o[0])),
                                   _mm_loadl_epi64((const __m128i *)(b + o[1])),
                                   _mm_loadl_epi64((const __m128i *)(b + o[2])),
                                   _mm_loadl_epi64((const __m128i *)(b + o[3])), dst);
                }
            } else {
                for (size_t g = 0; g < KG; g++, dst += step) {
                    const int32_t *o = ko + 4 * g;
#define BB_EVEN(q) _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(b + (q))), even)
                    interleave_4x8(BB_EVEN(o[0]), BB_EVEN(o[1]), BB_EVEN(o[2]), BB_EVEN(o[3]), dst);
#undef BB_EVEN
                }
            }
        } else {
            for (size_t cc = 0; cc < 8; cc++) {
                const size_t j = col + cc;
                uint8_t *d = dst + cc * 4;
                if (j < nc) {
                    const size_t q = s->col0 + n0 + j;
                    const uint8_t *b = xp + (q / ow) * s->row_step + (q % ow) * sw;
                    for (size_t g = 0; g < KG; g++)
                        for (size_t t = 0; t < 4; t++) d[g * step + t] = b[ko[4 * g + t]];
                } else {
                    for (size_t g = 0; g < KG; g++)
                        for (size_t t = 0; t < 4; t++) d[g * step + t] = 0;
                }
            }
        }
    }
    if (colsum != NULL)
        for (size_t j = 0; j < nc; j++) {
            const size_t q = s->col0 + n0 + j;
            const uint8_t *b = xp + (q / ow) * s->row_step + (q % ow) * sw;
            int32_t sum = 0;
            for (size_t k = 0; k < s->K; k++) sum += b[ko[k]];
            colsum[j] = sum;
        }
}

static void conv_simd(const bb_gemm_plan *p, const bb_conv_geom *g, const uint8_t *x, int32_t zx,
                      size_t p0, size_t p1, int32_t *c, size_t ldc, void *state, void *gemm_scratch) {
    const size_t hp = g->h + 2 * g->ph, wp = g->w + 2 * g->pw;
    conv_state_tag want;
    memset(&want, 0, sizeof want);
    want.magic = BB_STATE_MAGIC;
    want.g = *g;
    want.zx = zx;
    uint8_t *xp = (uint8_t *)state + BB_TAG_BYTES;
    int32_t *koff = (int32_t *)(xp + padded_bytes(g));
    if (memcmp(state, &want, sizeof want) != 0) { /* a new state, or one made for another layer */
        fill_border(g, (uint8_t)zx, xp);
        size_t k = 0; /* k = (ci*kh + i)*kw + j, in the weights' order */
        for (size_t ci = 0; ci < g->c; ci++)
            for (size_t i = 0; i < g->kh; i++)
                for (size_t j = 0; j < g->kw; j++) koff[k++] = (int32_t)(ci * hp * wp + i * g->dh * wp + j * g->dw);
        for (; k < p->KG * 4; k++) koff[k] = 0; /* beyond K the strip's weights are 0 */
        memcpy(state, &want, sizeof want);
    }
    copy_interior(g, x, xp);
    const size_t K = p->K;
    const bb__panel_src src = {.pack = pack_conv, .K = K, .x = xp, .koff = koff,
                               .ow = bb_conv_out_w(g), .row_step = g->sh * wp, .sw = g->sw,
                               .col0 = p0};
    bb__gemm_run(p, &src, p1 - p0, zx, c + p0, ldc, gemm_scratch);
}
#endif

void bb_conv_u8(const bb_gemm_plan *p, const bb_conv_geom *g, const uint8_t *x, int32_t zx,
                size_t p0, size_t p1, int32_t *c, size_t ldc, void *state, void *scratch) {
    const size_t n = bb_conv_out_h(g) * bb_conv_out_w(g);
    if (p1 > n) p1 = n;
    if (p0 >= p1) return;
#if BB_X86
    /* row offsets are int32: images whose padded copy exceeds 2 GiB take the im2col path */
    if (p->kr != NULL && bb_get_level() == p->level && padded_bytes(g) <= (size_t)INT32_MAX) {
        void *own = scratch == NULL ? bb__alloc(bb_conv_u8_scratch_bytes(p, g)) : NULL;
        uint8_t *sc = (uint8_t *)(scratch != NULL ? scratch : own);
        if (state == NULL) { /* a transient state in the scratch, rebuilt every call */
            state = sc;
            memset(state, 0, BB_TAG_BYTES);
        }
        conv_simd(p, g, x, zx, p0, p1, c, ldc, state, sc + bb_conv_u8_state_bytes(g));
        free(own);
        return;
    }
#endif
    const int ref = bb_get_level() == BB_LEVEL_SCALAR;
    if (p0 == 0 && p1 == n) {
        conv_via_im2col(&p->w, g, x, zx, c, ldc, ref);
        return;
    }
    const size_t M = (size_t)p->w.rows;
    int32_t *all = (int32_t *)bb__alloc(M * n * sizeof(int32_t));
    conv_via_im2col(&p->w, g, x, zx, all, n, ref);
    for (size_t m = 0; m < M; m++) memcpy(c + m * ldc + p0, all + m * n + p0, (p1 - p0) * sizeof(int32_t));
    free(all);
}
