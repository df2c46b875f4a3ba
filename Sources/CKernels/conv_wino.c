/* conv_wino.c -- exact integer Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions on the
   channels-last path. Definition (as every conv path): bb_conv_u8_ref, then
   bb_requantize_u8_ref; the int32 sums are bit-identical, so the requantized codes are too.

   Why: a 3x3 tap-by-tap convolution spends 9 multiplies per output and input channel; the
   Winograd form computes a 2x2 output tile from a 4x4 input tile with 16 (2.25x fewer), and on
   AVX2 the 8-bit weights cannot use VPMADDUBSW (its int16 pair sums saturate), so the direct
   8-bit path multiplies int16 pairs with VPMADDWD at half the byte path's rate.

   Exactness. With Gs = 2G (integer: [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]) the transforms are
     U = Gs g Gs^T          (weights, once per layer: |U| <= 9*128 = 1152, int16)
     V = B^T d B            (input tile of u8 codes, zero point padding: |V| <= 4*255, int16)
     Y4 = A^T (sum_c U.V) A  = 4 * (the tile's int32 sums of bb_conv_u8_ref over raw codes)
   B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]], A^T = [[1,1,1,0],[0,1,-1,-1]] (Lavin &
   Gray 2016). Every product is exact in VPMADDWD's int32 pair sums; the channel sums stay below
   C*1020*1152 < 2^31 for C <= 1024, and the output transform's adds wrap modulo 2^32 but their
   result Y4 fits (|Y4| <= 4*9*C*255*128 < 2^31), so the wrapped value is exact and Y4 >> 2
   (arithmetic) is the direct convolution's sum. The raw-code sum then takes the channels-last
   path's per-channel constant bias - zx*R[m] and the same requantization in registers.

   Layout. The input is the channels-last path's padded HWC copy (conv_cl.c, kept in the
   caller's state). Output tiles are processed in groups of WINO_NT: the group's V is
   int16 [xi][tile][C]; per block of 16 output channels and per xi, a 4-tile x 16-channel
   register tile runs VPMADDWD over channel pairs (the strip is int16 [xi][M/16][C/2][16][2]),
   its int32 sums go to [tile][xi][16], and the output transform + requantization + store
   follow per tile. A column range [p0, p1) computes every tile holding one of its pixels and
   stores only those pixels (a tile row split between two calls is computed by both). An odd
   output height or width gets a last row or column of tiles whose outer outputs are computed
   from one more row and pixel of zero point in the HWC copy and discarded (each output of a
   tile depends only on its own 3x3 window: the transforms are exact integer identities). */
#include "conv_cl.h"

/* -1: not yet read from BITBUDGET_WINOGRAD ("0" disables; default enabled). */
static int wino_enabled = -1;

int bb_winograd_enabled(void) {
    if (wino_enabled < 0) {
        const char *env = getenv("BITBUDGET_WINOGRAD");
        wino_enabled = (env != NULL && strcmp(env, "0") == 0) ? 0 : 1;
    }
    return wino_enabled;
}

int bb_set_winograd(int on) {
    const int was = bb_winograd_enabled();
    wino_enabled = on ? 1 : 0;
    return was;
}

#if BB_X86

#define WINO_NT 32 /* output tiles per group (a multiple of 4) */

static int wino_geometry(const bb_conv_geom *g) {
    return g->kh == 3 && g->kw == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 &&
           g->c > 0 && g->c % 16 == 0 && g->c <= 1024;
}

void bb__wino_prepare(bb_gemm_plan *p, const bb_conv_geom *g, const int8_t *wv) {
    free(p->wino_strip);
    p->wino_strip = NULL;
    /* Only where the direct tiles multiply at VPMADDWD's rate: 8-bit weights (int16 pairs) and
       7-bit (T = 1: every VPMADDUBSW widened at once). With int16 partial sums (b <= 6, ternary,
       binary) the direct path is as fast (kernel-bench: 0.91-1.10x at ResNet-20's shapes). */
    if (!wino_geometry(g) || p->M == 0 || !(p->wide || p->T == 1)) return;
    static const int Gs[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};
    const size_t M = p->M, K = p->K, C = g->c, NB = (M + 15) / 16, Ch = C / 2;
    const size_t bytes = 16 * NB * Ch * 16 * 2 * sizeof(int16_t);
    int16_t *u = (int16_t *)bb__alloc(bytes);
    memset(u, 0, bytes);
    for (size_t m = 0; m < M; m++)
        for (size_t ci = 0; ci < C; ci++) {
            const int8_t *k = wv + m * K + ci * 9; /* k = (ci*3 + i)*3 + j */
            int t[4][3];
            for (int a = 0; a < 4; a++)
                for (int j = 0; j < 3; j++)
                    t[a][j] = Gs[a][0] * k[j] + Gs[a][1] * k[3 + j] + Gs[a][2] * k[6 + j];
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++) {
                    const int v = t[a][0] * Gs[b][0] + t[a][1] * Gs[b][1] + t[a][2] * Gs[b][2];
                    const size_t xi = (size_t)(a * 4 + b);
                    u[(((xi * NB + m / 16) * Ch + ci / 2) * 16 + m % 16) * 2 + ci % 2] = (int16_t)v;
                }
        }
    p->wino_strip = u;
}

int bb__wino_ready(const bb_gemm_plan *p, const bb_conv_geom *g) {
    if (p->wino_strip == NULL || !bb_winograd_enabled() || !wino_geometry(g)) return 0;
    return bb_conv_out_h(g) > 0 && bb_conv_out_w(g) > 0;
}

size_t bb__wino_scratch_bytes(const bb_gemm_plan *p, const bb_conv_geom *g) {
    if (p->wino_strip == NULL || !wino_geometry(g)) return 0;
    return 64 + 16 * WINO_NT * g->c * sizeof(int16_t) + WINO_NT * 16 * 16 * sizeof(int32_t);
}

/* Input transform of one tile, 16 channels: d = the 4x4 codes (row r, column s: 16 bytes at
   b + r*rstep + s*cstep), V[xi*vstride] = (B^T d B)[xi / 4][xi % 4]. */
BB_TARGET_AVX2 CL_INLINE void wino_input16(const uint8_t *b, size_t rstep, size_t cstep, int16_t *v,
                                           size_t vstride) {
    __m256i d[4][4];
    for (int r = 0; r < 4; r++)
        for (int s = 0; s < 4; s++) {
            const uint8_t *src = b + r * rstep + s * cstep;
            d[r][s] = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)src));
        }
    __m256i t[4][4];
    for (int s = 0; s < 4; s++) {
        t[0][s] = _mm256_sub_epi16(d[0][s], d[2][s]);
        t[1][s] = _mm256_add_epi16(d[1][s], d[2][s]);
        t[2][s] = _mm256_sub_epi16(d[2][s], d[1][s]);
        t[3][s] = _mm256_sub_epi16(d[1][s], d[3][s]);
    }
    for (int a = 0; a < 4; a++) {
        _mm256_store_si256((__m256i *)(v + (a * 4 + 0) * vstride), _mm256_sub_epi16(t[a][0], t[a][2]));
        _mm256_store_si256((__m256i *)(v + (a * 4 + 1) * vstride), _mm256_add_epi16(t[a][1], t[a][2]));
        _mm256_store_si256((__m256i *)(v + (a * 4 + 2) * vstride), _mm256_sub_epi16(t[a][2], t[a][1]));
        _mm256_store_si256((__m256i *)(v + (a * 4 + 3) * vstride), _mm256_sub_epi16(t[a][1], t[a][3]));
    }
}

/* sum_c U[xi] V[xi] for tiles [t, t+4) and 16 output channels: mb[(tile*16 + xi)*16 + lane]. */
BB_TARGET_AVX2 CL_INLINE void wino_gemm4(const int16_t *u, const int16_t *v, size_t C, size_t xi,
                                         int32_t *mb) {
    const int16_t *v0 = v, *v1 = v + C, *v2 = v + 2 * C, *v3 = v + 3 * C;
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00;
    __m256i c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (size_t c = 0; c < C; c += 2, u += 32) {
        const __m256i w0 = _mm256_load_si256((const __m256i *)u);
        const __m256i w1 = _mm256_load_si256((const __m256i *)(u + 16));
        __m256i x = _mm256_set1_epi32(cl_load_i32(v0 + c));
        c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, w0));
        c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, w1));
        x = _mm256_set1_epi32(cl_load_i32(v1 + c));
        c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, w0));
        c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, w1));
        x = _mm256_set1_epi32(cl_load_i32(v2 + c));
        c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, w0));
        c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, w1));
        x = _mm256_set1_epi32(cl_load_i32(v3 + c));
        c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, w0));
        c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, w1));
    }
    int32_t *o = mb + xi * 16;
    _mm256_store_si256((__m256i *)(o + 0 * 256), c00);
    _mm256_store_si256((__m256i *)(o + 0 * 256 + 8), c01);
    _mm256_store_si256((__m256i *)(o + 1 * 256), c10);
    _mm256_store_si256((__m256i *)(o + 1 * 256 + 8), c11);
    _mm256_store_si256((__m256i *)(o + 2 * 256), c20);
    _mm256_store_si256((__m256i *)(o + 2 * 256 + 8), c21);
    _mm256_store_si256((__m256i *)(o + 3 * 256), c30);
    _mm256_store_si256((__m256i *)(o + 3 * 256 + 8), c31);
}

/* Output transform of one tile for 8 channels: m = [xi][16] int32 (lanes h*8 ..), y[i*2 + j] =
   ((A^T M A)[i][j]) >> 2, the raw-code sums of output pixel (i, j). */
BB_TARGET_AVX2 CL_INLINE void wino_output8(const int32_t *m, __m256i y[4]) {
    __m256i r0[4], r1[4];
    for (int b = 0; b < 4; b++) {
        const __m256i m0 = _mm256_load_si256((const __m256i *)(m + (0 * 4 + b) * 16));
        const __m256i m1 = _mm256_load_si256((const __m256i *)(m + (1 * 4 + b) * 16));
        const __m256i m2 = _mm256_load_si256((const __m256i *)(m + (2 * 4 + b) * 16));
        const __m256i m3 = _mm256_load_si256((const __m256i *)(m + (3 * 4 + b) * 16));
        r0[b] = _mm256_add_epi32(_mm256_add_epi32(m0, m1), m2);
        r1[b] = _mm256_sub_epi32(_mm256_sub_epi32(m1, m2), m3);
    }
    y[0] = _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(r0[0], r0[1]), r0[2]), 2);
    y[1] = _mm256_srai_epi32(_mm256_sub_epi32(_mm256_sub_epi32(r0[1], r0[2]), r0[3]), 2);
    y[2] = _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(r1[0], r1[1]), r1[2]), 2);
    y[3] = _mm256_srai_epi32(_mm256_sub_epi32(_mm256_sub_epi32(r1[1], r1[2]), r1[3]), 2);
}

typedef struct wino_args {
    const uint8_t *xp;
    const int16_t *strip;
    size_t C, M, NB, ow, rstep, cstep, p0, p1, ldo;
    const cl_rq *q;
    uint8_t *out;
    int16_t *V;
    int32_t *mb;
} wino_args;

/* One group of n tiles, tbase[t] = the output pixel index (oy*ow + ox) of tile t's top-left;
   only pixels in [p0, p1) are stored. */
BB_TARGET_AVX2 static void wino_group(const wino_args *a, const size_t *tbase, size_t n) {
    const size_t C = a->C, n4 = bb__round_up(n, 4), vstride = WINO_NT * C, ow = a->ow;
    for (size_t t = 0; t < n; t++) {
        const size_t oy = tbase[t] / ow, ox = tbase[t] % ow;
        const uint8_t *b = a->xp + oy * a->rstep + ox * a->cstep;
        for (size_t c0 = 0; c0 < C; c0 += 16)
            wino_input16(b + c0, a->rstep, a->cstep, a->V + t * C + c0, vstride);
    }
    for (size_t xi = 0; xi < 16; xi++)
        if (n4 > n) memset(a->V + xi * vstride + n * C, 0, (n4 - n) * C * sizeof(int16_t));
    for (size_t nb = 0; nb < a->NB; nb++) {
        const size_t m0 = nb * 16, nch = bb__min(16, a->M - m0);
        for (size_t xi = 0; xi < 16; xi++) {
            const int16_t *u = a->strip + (xi * a->NB + nb) * (C / 2) * 32;
            for (size_t t = 0; t < n4; t += 4) wino_gemm4(u, a->V + xi * vstride + t * C, C, xi, a->mb + t * 256);
        }
        for (size_t t = 0; t < n; t++) {
            const size_t base = tbase[t], ox = base % ow;
            uint8_t *o = a->out + m0 * a->ldo;
            __m256i lo[4], hi[4];
            wino_output8(a->mb + t * 256, lo);
            wino_output8(a->mb + t * 256 + 8, hi);
            uint32_t px[16] __attribute__((aligned(32)));
            /* pixels of the tile's second row lie below the image when it is the last of an odd
               output height: their indices are >= oh*ow >= p1, so the range test drops them */
            if (t + 1 < n && tbase[t + 1] == base + 2 && ox + 3 < ow && base >= a->p0 && base + ow + 3 < a->p1) {
                /* two side-by-side tiles, both wholly in range: 4 bytes per channel and row */
                __m256i lo2[4], hi2[4];
                wino_output8(a->mb + (t + 1) * 256, lo2);
                wino_output8(a->mb + (t + 1) * 256 + 8, hi2);
                cl_pack16(lo[0], hi[0], lo[1], hi[1], lo2[0], hi2[0], lo2[1], hi2[1], a->q, m0, px);
                for (size_t ch = 0; ch < nch; ch++) memcpy(o + ch * a->ldo + base, &px[ch], 4);
                cl_pack16(lo[2], hi[2], lo[3], hi[3], lo2[2], hi2[2], lo2[3], hi2[3], a->q, m0, px);
                for (size_t ch = 0; ch < nch; ch++) memcpy(o + ch * a->ldo + base + ow, &px[ch], 4);
                t++;
                continue;
            }
            cl_pack16(lo[0], hi[0], lo[1], hi[1], lo[2], hi[2], lo[3], hi[3], a->q, m0, px);
            if (ox + 1 < ow && base >= a->p0 && base + ow + 1 < a->p1) {
                for (size_t ch = 0; ch < nch; ch++, o += a->ldo) {
                    memcpy(o + base, &px[ch], 2);
                    memcpy(o + base + ow, (const uint8_t *)&px[ch] + 2, 2);
                }
            } else {
                /* a tile cut by the range, or the last column of an odd output width (whose
                   right-hand pixels would be the next row's first) */
                const size_t pix[4] = {base, base + 1, base + ow, base + ow + 1};
                const int keep[4] = {1, ox + 1 < ow, 1, ox + 1 < ow};
                for (size_t ch = 0; ch < nch; ch++, o += a->ldo)
                    for (int r = 0; r < 4; r++)
                        if (keep[r] && pix[r] >= a->p0 && pix[r] < a->p1) o[pix[r]] = ((const uint8_t *)&px[ch])[r];
            }
        }
    }
}

BB_TARGET_AVX2 void bb__conv_wino(const bb_gemm_plan *p, const bb_conv_geom *g, const uint8_t *x, int32_t zx,
                                  size_t p0, size_t p1, const bb_requant_params *rp, uint8_t *out, size_t ldo,
                                  void *state, void *scratch) {
    /* the byte HWC copy even for 8-bit weights: the input transform widens on load, and the
       copy moves half the bytes of the direct path's int16 one */
    const size_t C = g->c, Wp = g->w + 2 * g->pw, ow = bb_conv_out_w(g);
    cl_rq q;
    uint8_t *rest = (uint8_t *)bb__cl_rq_build(p, rp, zx, scratch, &q);
    int16_t *V = (int16_t *)(((uintptr_t)rest + 63) & ~(uintptr_t)63);
    wino_args a = {.xp = bb__cl_input(p, g, x, zx, 0, state), .strip = (const int16_t *)p->wino_strip,
                   .C = C, .M = p->M, .NB = (p->M + 15) / 16, .ow = ow, .rstep = Wp * C,
                   .cstep = C, .p0 = p0, .p1 = p1, .ldo = ldo, .q = &q,
                   .out = out, .V = V, .mb = (int32_t *)(V + 16 * WINO_NT * C)};
    size_t tbase[WINO_NT], n = 0;
    /* tiles cover ceil(oh/2) x ceil(ow/2); one of an odd size's last row or column computes
       outputs past the edge from the copy's extra zero-point row and pixel and discards them */
    const size_t ty0 = p0 / ow / 2, ty1 = (p1 - 1) / ow / 2;
    for (size_t ty = ty0; ty <= ty1; ty++)
        for (size_t tx = 0; tx < (ow + 1) / 2; tx++) {
            const size_t base = 2 * ty * ow + 2 * tx, right = 2 * tx + 1 < ow;
            const int any = (base + right >= p0 && base < p1) || (base + ow + right >= p0 && base + ow < p1);
            if (!any) continue;
            tbase[n++] = base;
            if (n == WINO_NT) {
                wino_group(&a, tbase, n);
                n = 0;
            }
        }
    if (n > 0) wino_group(&a, tbase, n);
}

#endif /* BB_X86 */
