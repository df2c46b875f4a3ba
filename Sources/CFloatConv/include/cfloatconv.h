/* cfloatconv.h -- direct FP32 convolution for TensorMath (one image, NCHW).
 *
 * Why not im2col + sgemm: the CNNs BitBudget analyzes have few output channels (ResNet-20:
 * 16-64), so sgemm's M is tiny, and im2col writes a C*kh*kw x OH*OW matrix per image that
 * OpenBLAS then re-packs before using each column only M times. Here the weights are packed
 * once per call into panels of 16 output channels and the input is read in place (after one
 * zero-padded copy), so every input value loaded feeds 16 multiply-adds.
 *
 * Layout:
 *   packed weights  [ceil(cout/16)][K][16], K = cin*kh*kw in ONNX order (c, ky, kx); output
 *                   channels past cout are zero.
 *   padded input    [cin][hp][wp]: the image with its pads (and zeros) materialized, so every
 *                   tap of every output pixel is in bounds.
 *   tap offsets     K ints: offset of tap (c, ky, kx) from an output pixel's top-left input.
 *   tiles           output pixels in NCHW plane order, 6 per tile (the last one partial);
 *                   a tile computes 16 channels x 6 pixels in 12 AVX2 accumulators.
 * Rounding: one fused multiply-add per tap in K order, then + bias, then the activation; the
 * portable kernel uses fmaf, so it and the AVX2 kernel give the same bits (tested).
 */
#ifndef BITBUDGET_CFLOATCONV_H
#define BITBUDGET_CFLOATCONV_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int cin, h, w;          /* input image */
    int cout, kh, kw;       /* weights [cout][cin][kh][kw] */
    int sh, sw, dh, dw;     /* strides, dilations */
    int pt, pl;             /* top / left pads (bottom / right follow from oh, ow) */
    int oh, ow;             /* output size */
} bb_convf_shape;

enum { BB_CONVF_TILE = 6, BB_CONVF_BLOCK = 16 };
enum { BB_CONVF_ACT_NONE = 0, BB_CONVF_ACT_RELU = 1, BB_CONVF_ACT_CLIP = 2 };

/* 1 when the AVX2+FMA kernel runs on this CPU (and is not disabled), else 0. */
int bb_convf_simd_available(void);
/* Forces the portable kernel (0) or allows the SIMD one (1); returns the level now in use. */
int bb_convf_set_simd(int enabled);

size_t bb_convf_packed_floats(const bb_convf_shape *s);
size_t bb_convf_padded_floats(const bb_convf_shape *s);
int bb_convf_tiles(const bb_convf_shape *s);

void bb_convf_pack_weights(const bb_convf_shape *s, const float *w, float *packed);
void bb_convf_offsets(const bb_convf_shape *s, int *offsets);
void bb_convf_pad_input(const bb_convf_shape *s, const float *x, float *xp);

/* Output tiles [tile0, tile1) of every channel: y[c*oh*ow + pixel] (y is the image's output). */
void bb_convf_run(const bb_convf_shape *s, const float *xp, const float *packed, const int *offsets,
                  const float *bias, int act, float lo, float hi, float *y, int tile0, int tile1);

/* ---- Winograd F(4x4, 3x3) for 3x3, stride-1, undilated convolutions ----------------------
 * 36 multiplies per 4x4 outputs and input channel instead of 144 (4x fewer; F(2x2, 3x3), used
 * before, saved 2.25x and needed 16 transformed values per 4 outputs instead of 36 per 16).
 * Matrices of Lavin & Gray (2016), points 0, +-1, +-2, inf. Per image:
 *   weights: U = G g G^T per (k, c), packed [xi][k/16][c][16] (once per call);
 *   input:  the image zero-padded to (4*th+2) x (4*tw+4), every 6x6 window (step 4) transformed,
 *           V = B^T d B, stored [xi][c][tile] (xi = 0..35, th x tw tiles in NCHW order; the xi
 *           planes are 32 floats further apart than their size, against cache-set aliasing);
 *   gemm:   for each xi, M[tile][xi][k] = sum_c U[xi][k][c] V[xi][c][tile] with the same
 *           16-channel x 6-tile register blocking as the direct kernel (4 tiles for the last
 *           group when it has at most 4: an 8x8 output is 2x2 tiles);
 *   output: Y = A^T m A (4x4 per tile) + bias, then the activation, into the NCHW output.
 * AVX2 paths: the weight transform 8 output channels at a time (gathered); the input transform
 * 8 (then 4) tiles of a tile row at a time (16-byte loads, in-lane 4x4 transposes), or, for
 * images less than 4 tiles wide, 8 consecutive tiles of V gathered; the output transform
 * 2 tiles x 8 channels at a time (8x8 transposes into rows of 8 pixels).
 * Rounding: the transforms' multiplications and additions in the order written in winograd.c
 * (no contraction into FMAs), one FMA per input channel in c order inside the GEMM, then + bias;
 * the portable code does exactly the same operations, so both paths give the same bits
 * (tested). Results differ from the direct kernel by float rounding (the larger interpolation
 * points cost about one decimal digit against F(2x2, 3x3); tests bound it); each image's
 * result does not depend on the batch or the thread split. */
enum { BB_CONVW_XI = 36 }; /* transform-domain planes (6 x 6) */
int bb_convw_applies(const bb_convf_shape *s);
size_t bb_convw_packed_floats(const bb_convf_shape *s);
size_t bb_convw_padded_floats(const bb_convf_shape *s);
size_t bb_convw_v_floats(const bb_convf_shape *s);
size_t bb_convw_m_floats(const bb_convf_shape *s);
/* U for input channels [c0, c1) (ranges are independent). */
void bb_convw_pack_weights(const bb_convf_shape *s, const float *w, float *packed, int c0, int c1);
/* Tile rows (th): the output transform's unit of work. */
int bb_convw_tile_rows(const bb_convf_shape *s);
/* Pads and transforms input channels [c0, c1) of one image: xp (padded scratch), v (V).
   Channel ranges are independent, so one image's channels may be split over threads. */
void bb_convw_input(const bb_convf_shape *s, const float *x, float *xp, float *v, int c0, int c1);
/* M for xi in [xi0, xi1). */
void bb_convw_gemm(const bb_convf_shape *s, const float *v, const float *packed, float *m, int xi0, int xi1);
/* Output transform of tile rows [ty0, ty1) (all channels); ranges are independent. */
void bb_convw_output(const bb_convf_shape *s, const float *m, const float *bias, int act, float lo, float hi, float *y,
                     int ty0, int ty1);

#ifdef __cplusplus
}
#endif
#endif
