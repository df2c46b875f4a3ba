/* reference.c -- scalar reference kernels. These DEFINE the semantics that every SIMD
   path must reproduce bit for bit. Portable C, no intrinsics. Accumulation that may
   exceed int32 in intermediate steps is done in unsigned arithmetic (wraps mod 2^32). */
#include "internal.h"

void bb_gemm_u8_ref(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                    int32_t zx, int32_t *c, size_t ldc) {
    const size_t M = (size_t)w->rows, K = (size_t)w->k;
    int8_t *wv = bb__unpack_all(w, NULL);
    for (size_t m = 0; m < M; m++) {
        uint32_t *crow = (uint32_t *)(c + m * ldc);
        for (size_t j = 0; j < n; j++) crow[j] = 0;
        const int32_t zs = bb__zs(w, m);
        for (size_t kk = 0; kk < K; kk++) {
            const int32_t wk = wv[m * K + kk] - zs;
            if (wk == 0) continue;
            const uint8_t *xr = x + kk * ldx;
            for (size_t j = 0; j < n; j++) crow[j] += (uint32_t)(((int32_t)xr[j] - zx) * wk);
        }
    }
    free(wv);
}

/* Multiply-free: for each weight +1 add the centered activation, for -1 subtract it. */
void bb_gemm_ternary_u8_ref(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                            int32_t zx, int32_t *c, size_t ldc) {
    const size_t M = (size_t)w->rows, K = (size_t)w->k;
    const size_t bpr = (size_t)w->row_bytes;
    for (size_t m = 0; m < M; m++) {
        uint32_t *crow = (uint32_t *)(c + m * ldc);
        for (size_t j = 0; j < n; j++) crow[j] = 0;
        const uint8_t *row = w->codes + m * bpr;
        for (size_t kk = 0; kk < K; kk++) {
            const uint8_t *blk = row + (kk / BB_BLOCK) * 16;
            const unsigned bit = (unsigned)(kk % BB_BLOCK);
            const uint64_t nz = bb__load_u64(blk), sg = bb__load_u64(blk + 8);
            if (!((nz >> bit) & 1)) continue;
            const uint8_t *xr = x + kk * ldx;
            if ((sg >> bit) & 1) {
                for (size_t j = 0; j < n; j++) crow[j] -= (uint32_t)((int32_t)xr[j] - zx);
            } else {
                for (size_t j = 0; j < n; j++) crow[j] += (uint32_t)((int32_t)xr[j] - zx);
            }
        }
    }
}

size_t bb_binary_words(size_t k) { return (k + 63) / 64; }

void bb_pack_binary_activations_u8(const uint8_t *x, size_t k, size_t n, size_t ldx,
                                   int32_t zero_point, uint64_t *out) {
    const size_t W = bb_binary_words(k);
    memset(out, 0, n * W * sizeof(uint64_t));
    for (size_t kk = 0; kk < k; kk++) {
        const uint8_t *xr = x + kk * ldx;
        const uint64_t bit = (uint64_t)1 << (kk % 64);
        uint64_t *col = out + kk / 64;
        for (size_t j = 0; j < n; j++)
            if ((int32_t)xr[j] < zero_point) col[j * W] |= bit;
    }
}

void bb_gemm_xnor_ref(const bb_weights *w, const uint64_t *xbits, size_t n, int32_t *c,
                      size_t ldc) {
    const size_t M = (size_t)w->rows, K = (size_t)w->k, W = bb_binary_words(K);
    for (size_t m = 0; m < M; m++) {
        const uint8_t *wrow = w->codes + m * (size_t)w->row_bytes;
        for (size_t j = 0; j < n; j++) {
            int32_t pop = 0;
            for (size_t q = 0; q < W; q++)
                pop += __builtin_popcountll(bb__load_u64(wrow + 8 * q) ^ xbits[j * W + q]);
            c[m * ldc + j] = (int32_t)K - 2 * pop;
        }
    }
}

/* ---- fixed point (gemmlowp) ---- */

int32_t bb_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

int32_t bb_rounding_divide_by_pot(int32_t x, int32_t exponent) {
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t bb_multiply_by_quantized_multiplier(int32_t x, int32_t mult, int32_t shift) {
    const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const int32_t shifted = (int32_t)((uint32_t)x << left);
    return bb_rounding_divide_by_pot(bb_srdhm(shifted, mult), right);
}

/* Bounds are intersected with the output type's range [tlo, thi]. */
static inline int32_t requant_one(int32_t acc, size_t m, const bb_requant_params *p,
                                  int32_t tlo, int32_t thi) {
    const int32_t b = p->bias ? p->bias[m] : 0;
    const int32_t v = (int32_t)((uint32_t)acc + (uint32_t)b);
    int32_t y = bb_multiply_by_quantized_multiplier(v, p->multiplier[m], p->shift[m]);
    y = (int32_t)((uint32_t)y + (uint32_t)p->out_zero_point);
    const int32_t lo = p->qmin > tlo ? p->qmin : tlo, hi = p->qmax < thi ? p->qmax : thi;
    if (y > hi) y = hi;
    if (y < lo) y = lo;
    return y;
}

void bb_requantize_u8_ref(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                          const bb_requant_params *p, uint8_t *out, size_t ldo) {
    for (size_t m = 0; m < rows; m++)
        for (size_t j = 0; j < cols; j++)
            out[m * ldo + j] = (uint8_t)requant_one(acc[m * lda + j], m, p, 0, 255);
}

void bb_requantize_s8_ref(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                          const bb_requant_params *p, int8_t *out, size_t ldo) {
    for (size_t m = 0; m < rows; m++)
        for (size_t j = 0; j < cols; j++)
            out[m * ldo + j] = (int8_t)requant_one(acc[m * lda + j], m, p, -128, 127);
}

void bb_add_u8_ref(const uint8_t *a, const uint8_t *b, size_t n, const bb_add_params *p,
                   uint8_t *out) {
    const int32_t lo = p->qmin > 0 ? p->qmin : 0, hi = p->qmax < 255 ? p->qmax : 255;
    const int64_t round = p->shift > 0 ? (int64_t)1 << (p->shift - 1) : 0;
    for (size_t i = 0; i < n; i++) {
        /* int64: no overflow whatever the parameters; with bb_add_params_init's (multipliers
           <= 32767, uint8 zero points) every value fits int32, as the SIMD paths assume */
        const int64_t v = (int64_t)p->a_mult * ((int32_t)a[i] - p->a_zero_point) +
                          (int64_t)p->b_mult * ((int32_t)b[i] - p->b_zero_point);
        int64_t y = ((v + round) >> p->shift) + p->out_zero_point; /* arithmetic shift: floor */
        if (y > hi) y = hi;
        if (y < lo) y = lo;
        out[i] = (uint8_t)y;
    }
}

void bb_im2col_u8_ref(const uint8_t *x, size_t c, size_t h, size_t w, size_t kh, size_t kw,
                      size_t sh, size_t sw, size_t ph, size_t pw, size_t dh, size_t dw,
                      uint8_t pad_value, uint8_t *out, size_t ldo) {
    const size_t oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
    const size_t ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    for (size_t ci = 0; ci < c; ci++)
        for (size_t i = 0; i < kh; i++)
            for (size_t j = 0; j < kw; j++) {
                uint8_t *orow = out + ((ci * kh + i) * kw + j) * ldo;
                for (size_t oy = 0; oy < oh; oy++)
                    for (size_t ox = 0; ox < ow; ox++) {
                        const long iy = (long)(oy * sh + i * dh) - (long)ph;
                        const long ix = (long)(ox * sw + j * dw) - (long)pw;
                        orow[oy * ow + ox] =
                            (iy < 0 || ix < 0 || iy >= (long)h || ix >= (long)w)
                                ? pad_value
                                : x[(ci * h + (size_t)iy) * w + (size_t)ix];
                    }
            }
}
