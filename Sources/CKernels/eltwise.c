/* eltwise.c -- multiplier decomposition, quantized Add parameters, average and max
   pooling, and the fast im2col (bit-exact with bb_im2col_u8_ref). */
#include "internal.h"
#include <math.h>

int bb_quantize_multiplier(double real, int32_t *mult, int32_t *shift) {
    *mult = 0;
    *shift = 0;
    if (!(real >= 0.0) || !isfinite(real)) return -1;
    if (real == 0.0) return 0;
    int e = 0;
    const double f = frexp(real, &e);            /* real = f * 2^e, f in [0.5, 1) */
    long long q = llround(f * 2147483648.0);     /* round half away from zero */
    if (q == (1LL << 31)) {
        q /= 2;
        e += 1;
    }
    if (e < -31) return 0;                       /* below 2^-32: flush to zero */
    if (e > 30) return -1;
    *mult = (int32_t)q;
    *shift = e;
    return 0;
}

int bb_add_params_init(bb_add_params *p, double a_scale, int32_t a_zero_point,
                       double b_scale, int32_t b_zero_point, double out_scale,
                       int32_t out_zero_point, int32_t qmin, int32_t qmax) {
    memset(p, 0, sizeof *p);
    if (!(a_scale > 0) || !(b_scale > 0) || !(out_scale > 0) || !isfinite(a_scale) ||
        !isfinite(b_scale) || !isfinite(out_scale))
        return -1;
    const double ra = a_scale / out_scale, rb = b_scale / out_scale;
    const double rmax = ra > rb ? ra : rb;
    if (!isfinite(rmax) || rmax >= 32767.5) return -1;
    int s = 0;
    while (s < 30 && rmax * (double)(1 << (s + 1)) < 32767.5) s++;
    p->a_zero_point = a_zero_point;
    p->b_zero_point = b_zero_point;
    p->out_zero_point = out_zero_point;
    p->a_mult = (int32_t)llround(ra * (double)(1 << s)); /* half away from zero */
    p->b_mult = (int32_t)llround(rb * (double)(1 << s));
    p->shift = s;
    p->qmin = qmin;
    p->qmax = qmax;
    return 0;
}

/* The input rows (or columns) [*a, *b) that output position o of a window of size k, stride s
 * and leading pad p covers in an axis of n values: the window clipped to the input, so padding
 * is never read (average pooling does not count it, max pooling never lets it win). */
static inline void bb_pool_window(size_t o, size_t s, size_t p, size_t k, size_t n, long *a, long *b) {
    const long o0 = (long)(o * s) - (long)p;
    *a = o0 < 0 ? 0 : o0;
    *b = o0 + (long)k > (long)n ? (long)n : o0 + (long)k;
}

void bb_avgpool_u8(const uint8_t *x, size_t c, size_t h, size_t w, size_t kh, size_t kw,
                   size_t sh, size_t sw, size_t ph, size_t pw, uint8_t *out) {
    const size_t oh = (h + 2 * ph - kh) / sh + 1, ow = (w + 2 * pw - kw) / sw + 1;
    for (size_t ci = 0; ci < c; ci++) {
        const uint8_t *img = x + ci * h * w;
        for (size_t oy = 0; oy < oh; oy++) {
            long ya, yb;
            bb_pool_window(oy, sh, ph, kh, h, &ya, &yb);
            for (size_t ox = 0; ox < ow; ox++) {
                long xa, xb;
                bb_pool_window(ox, sw, pw, kw, w, &xa, &xb);
                uint32_t sum = 0, cnt = 0;
                for (long iy = ya; iy < yb; iy++)
                    for (long ix = xa; ix < xb; ix++) sum += img[(size_t)iy * w + (size_t)ix];
                cnt = (uint32_t)((yb > ya ? yb - ya : 0) * (xb > xa ? xb - xa : 0));
                out[(ci * oh + oy) * ow + ox] = cnt ? (uint8_t)((sum + cnt / 2) / cnt) : 0;
            }
        }
    }
}

void bb_maxpool_u8(const uint8_t *x, size_t c, size_t h, size_t w, size_t kh, size_t kw,
                   size_t sh, size_t sw, size_t pt, size_t pl, size_t oh, size_t ow, uint8_t *out) {
    for (size_t ci = 0; ci < c; ci++) {
        const uint8_t *img = x + ci * h * w;
        for (size_t oy = 0; oy < oh; oy++) {
            long ya, yb;
            bb_pool_window(oy, sh, pt, kh, h, &ya, &yb);
            for (size_t ox = 0; ox < ow; ox++) {
                long xa, xb;
                bb_pool_window(ox, sw, pl, kw, w, &xa, &xb);
                uint8_t m = 0;
                for (long iy = ya; iy < yb; iy++)
                    for (long ix = xa; ix < xb; ix++) {
                        const uint8_t v = img[(size_t)iy * w + (size_t)ix];
                        if (v > m) m = v;
                    }
                out[(ci * oh + oy) * ow + ox] = m;
            }
        }
    }
}

void bb_im2col_u8(const uint8_t *x, size_t c, size_t h, size_t w, size_t kh, size_t kw,
                  size_t sh, size_t sw, size_t ph, size_t pw, size_t dh, size_t dw,
                  uint8_t pad_value, uint8_t *out, size_t ldo) {
    const size_t oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
    const size_t ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    for (size_t ci = 0; ci < c; ci++)
        for (size_t i = 0; i < kh; i++)
            for (size_t j = 0; j < kw; j++) {
                uint8_t *orow = out + ((ci * kh + i) * kw + j) * ldo;
                /* valid ox: 0 <= ox*sw + j*dw - pw < w */
                const long off = (long)(j * dw) - (long)pw;
                long oxa = off >= 0 ? 0 : (-off + (long)sw - 1) / (long)sw;
                long oxb = (long)w - off <= 0 ? 0 : ((long)w - off + (long)sw - 1) / (long)sw;
                if (oxb > (long)ow) oxb = (long)ow;
                if (oxa > oxb) oxa = oxb;
                for (size_t oy = 0; oy < oh; oy++) {
                    uint8_t *o = orow + oy * ow;
                    const long iy = (long)(oy * sh + i * dh) - (long)ph;
                    if (iy < 0 || iy >= (long)h) {
                        memset(o, pad_value, ow);
                        continue;
                    }
                    const uint8_t *src = x + (ci * h + (size_t)iy) * w;
                    memset(o, pad_value, (size_t)oxa);
                    if (sw == 1) {
                        memcpy(o + oxa, src + oxa + off, (size_t)(oxb - oxa));
                    } else {
                        for (long ox = oxa; ox < oxb; ox++) o[ox] = src[ox * (long)sw + off];
                    }
                    memset(o + oxb, pad_value, ow - (size_t)oxb);
                }
            }
}
