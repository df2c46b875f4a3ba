/*
 * ckernels.h -- BitBudget's integer inference kernels (C, single-threaded, reentrant).
 *
 * Every kernel has a scalar reference (`*_ref`) that DEFINES its semantics and a
 * dispatched entry point that picks the fastest compiled path the CPU supports
 * (AVX-512 VNNI, AVX2, or the scalar reference).  All paths are bit-exact with the
 * reference.  Nothing here needs AVX2 at compile time: SIMD code is compiled per
 * function with __attribute__((target(...))) and selected at run time.
 *
 * Conventions used throughout
 *   - Activations are uint8 codes with one per-tensor zero-point zx: real = sx*(x - zx).
 *   - GEMM shape: C[M x N] = W[M x K] . X[K x N].  W rows are output channels, X is the
 *     im2col matrix (row r = (ci*KH + i)*KW + j, column = output pixel), N contiguous.
 *     C row m is therefore output channel m in NCHW order for one image.
 *   - Weights are packed along K in blocks of BB_BLOCK = 64 weights per output row
 *     (layouts below and in Sources/Engine/README.md).
 *   - "Signed-domain" weight value w_s: the int8 value the kernels multiply with.
 *     INT b formats: w_s in [-2^(b-1), 2^(b-1)-1]; real weight = scale*(w_s - zs) with
 *     zs = zero_point - 2^(b-1) (asymmetric) or zs = 0 (symmetric, zero_points == NULL).
 *     TERNARY: w_s in {-1,0,+1}, BINARY: w_s in {-1,+1}; zs = 0.
 *
 * Layouts (one block = 64 consecutive weights of one row along K; rows are padded to a
 * whole number of blocks, padding positions hold w_s = zs for INT formats and 0 bits for
 * TERNARY/BINARY):
 *   INT8          64 bytes: byte i = w_s[i] as int8 (two's complement).
 *   INT2..INT7    8*b bytes, built from sub-fields of the offset code u = w_s + 2^(b-1)
 *                 (u in [0, 2^b-1]), lowest field first, each field a "segment":
 *                   if b&4: 32 bytes "nibbles": byte j = u[j] bits 0-3 | u[j+32] bits 0-3 << 4
 *                   if b&2: 16 bytes "crumbs":  byte j = sum_{t<4} ((u[j+16t] >> o) & 3) << 2t
 *                   if b&1:  8 bytes "plane":   uint64 LE, bit i = (u[i] >> o) & 1
 *                 where o is the bit offset of the field (0, then +4 after nibbles,
 *                 +2 after crumbs).  So b=4: nibbles; b=2: crumbs; b=3: crumbs+plane;
 *                 b=5: nibbles+plane; b=6: nibbles+crumbs; b=7: nibbles+crumbs+plane.
 *   TERNARY       16 bytes: uint64 LE nonzero mask (bit i = w_s[i] != 0), then uint64 LE
 *                 sign mask (bit i = w_s[i] < 0).
 *   BINARY        8 bytes: uint64 LE sign word, bit i = 1 iff w_s[i] = -1.
 *   Stored bytes = rows * blocks(K) * bytes_per_block + 4*rows (float scales)
 *                  + 4*rows (int32 zero-points, asymmetric INT only).
 */
#ifndef BITBUDGET_CKERNELS_H
#define BITBUDGET_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ dispatch ---- */

enum {
    BB_LEVEL_SCALAR = 0,      /* portable C reference */
    BB_LEVEL_AVX2 = 1,        /* AVX2 + FMA (+POPCNT) */
    BB_LEVEL_AVX512VNNI = 2,  /* AVX-512 F/BW/VL + VNNI */
};

/* Best level this CPU supports (and this build compiled). */
int bb_cpu_max_level(void);
/* Active level. Initially min(bb_cpu_max_level(), BITBUDGET_KERNELS env var:
   "scalar" | "avx2" | "vnni" | "auto"). */
int bb_get_level(void);
/* Requests a level; it is clamped to bb_cpu_max_level(). Returns the level now active.
   Process-wide: meant for tests and benchmarks, not for concurrent switching. */
int bb_set_level(int level);
/* "scalar", "avx2", "avx512vnni" */
const char *bb_level_name(int level);

/* ------------------------------------------------------------- weight formats ---- */

#define BB_BLOCK 64

enum {
    BB_FMT_INT2 = 2, BB_FMT_INT3 = 3, BB_FMT_INT4 = 4, BB_FMT_INT5 = 5,
    BB_FMT_INT6 = 6, BB_FMT_INT7 = 7, BB_FMT_INT8 = 8,
    BB_FMT_TERNARY = 16,
    BB_FMT_BINARY = 17,
};

/* A read-only view of packed weights. Buffers are owned by the caller. */
typedef struct bb_weights {
    int32_t format;              /* BB_FMT_* */
    int32_t rows;                /* M: output channels */
    int32_t k;                   /* K: reduction length (unpadded) */
    int32_t row_bytes;           /* bb_row_bytes(format, k) */
    const uint8_t *codes;        /* rows * row_bytes */
    const float *scales;         /* rows; not read by the integer kernels */
    const int32_t *zero_points;  /* rows (unsigned-code domain, INT formats only) or NULL */
} bb_weights;

int bb_format_is_valid(int32_t format);
/* Bytes of one 64-weight block: 8*b for INT b, 16 ternary, 8 binary (0 if invalid). */
size_t bb_block_bytes(int32_t format);
/* Bytes of one packed row: ceil(k/64) * bb_block_bytes(format). */
size_t bb_row_bytes(int32_t format, size_t k);
/* Range of valid signed-domain values for the format. */
int32_t bb_format_min_value(int32_t format);
int32_t bb_format_max_value(int32_t format);

/* Packs rows*k signed-domain values (row-major) into out (rows*bb_row_bytes bytes).
   zero_points (unsigned domain, may be NULL) only decide the padding value of INT rows.
   Returns 0, or -1 if a value is outside the format's range (out is then unspecified). */
int bb_pack(int32_t format, size_t rows, size_t k, const int8_t *values,
            const int32_t *zero_points, uint8_t *out);
/* Inverse of bb_pack: writes rows*k signed-domain values. */
void bb_unpack(int32_t format, size_t rows, size_t k, const uint8_t *codes, int8_t *out);

/* --------------------------------------------------------------------- GEMMs ---- */

/* General GEMM, any format:
     c[m*ldc + j] = sum_{k<K} (x[k*ldx + j] - zx) * (w_s[m][k] - zs[m])
   for m < rows, j < n; int32 results, exact while K*255*255 < 2^31 (K <= 32768).
   Fast paths: unpacks W once per call to an int8 strip, packs X in panels of 256 columns;
   AVX2: VPMADDUBSW with int16 accumulation for b <= 7 (no saturation by construction),
   VPMADDWD on int16 for b = 8; AVX-512 VNNI: VPDPBUSD. */
void bb_gemm_u8(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                int32_t x_zero_point, int32_t *c, size_t ldc);
void bb_gemm_u8_ref(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                    int32_t x_zero_point, int32_t *c, size_t ldc);

/* A weight operand prepared once for repeated GEMMs/convolutions: a private copy of the
   packed weights plus, when the active level is a SIMD one, everything bb_gemm_u8 would
   otherwise rebuild on every call (the unpacked int8/int16 weight strip, the row sums
   R[m], the signed zero points). The engine runs every layer once per image, so doing
   this O(M*K) work once per layer instead of once per image matters for small images.
   The plan remembers the level it was built for; called at another level (tests switch
   levels process-wide) it falls back to the unprepared kernels of the active level, so the
   result never depends on the plan. Returns NULL if an allocation fails. */
typedef struct bb_gemm_plan bb_gemm_plan;
bb_gemm_plan *bb_gemm_plan_create(const bb_weights *w);
void bb_gemm_plan_free(bb_gemm_plan *plan);
/* Same result as bb_gemm_u8 on the plan's weights. */
void bb_gemm_u8_planned(const bb_gemm_plan *plan, const uint8_t *x, size_t n, size_t ldx,
                        int32_t x_zero_point, int32_t *c, size_t ldc);

/* One CHW image convolved as a GEMM: geometry of bb_im2col_u8 (K = c*kh*kw must equal
   the weights' k). */
typedef struct bb_conv_geom {
    size_t c, h, w;     /* input channels, height, width */
    size_t kh, kw;      /* kernel */
    size_t sh, sw;      /* stride */
    size_t ph, pw;      /* symmetric padding */
    size_t dh, dw;      /* dilation */
} bb_conv_geom;
size_t bb_conv_out_h(const bb_conv_geom *g);
size_t bb_conv_out_w(const bb_conv_geom *g);
/* Definition: bb_im2col_u8_ref(x, ..., pad_value = x_zero_point) into X[K x oh*ow], then
   bb_gemm_u8_ref(w, X, oh*ow, oh*ow, x_zero_point, c, ldc). */
void bb_conv_u8_ref(const bb_weights *w, const bb_conv_geom *g, const uint8_t *x,
                    int32_t x_zero_point, int32_t *c, size_t ldc);
/* Fast path, same result: no im2col matrix is written. The image is copied once into a
   zero-point-padded buffer and each GEMM panel is packed straight from it (8 output pixels
   of a row and 4 consecutive k per SSE transpose; strides 1 and 2 vectorized, anything else
   gathered). scratch: bb_conv_u8_scratch_bytes bytes, 64-byte aligned, or NULL (allocated
   per call). 0 <= x_zero_point <= 255.
   Only output pixels p0 <= p < p1 are computed (c[m*ldc + p]; the rest of c is untouched),
   so one image can be split over threads by columns (each with its own scratch and state).
   state: NULL, or bb_conv_u8_state_bytes bytes (64-byte aligned, zeroed before first use)
   kept by the caller for one layer: it remembers the padded buffer's border and the row
   offsets, so later calls with the same geometry and zero point only copy the image's
   interior (the per-row border stores cost ~8% of the engine's time). */
size_t bb_conv_u8_state_bytes(const bb_conv_geom *g);
size_t bb_conv_u8_scratch_bytes(const bb_gemm_plan *plan, const bb_conv_geom *g);
void bb_conv_u8(const bb_gemm_plan *plan, const bb_conv_geom *g, const uint8_t *x,
                int32_t x_zero_point, size_t p0, size_t p1, int32_t *c, size_t ldc,
                void *state, void *scratch);

/* Convolution fused with requantization, for layers whose int32 sums are only ever
   requantized to uint8. Definition: bb_conv_u8_ref, then bb_requantize_u8_ref (rows = output
   channels, columns = output pixels); only pixels p0 <= p < p1 are written,
   out[m*ldo + p].
   Fast path (conv_cl.c) once bb_gemm_plan_prepare_conv accepted the geometry: output
   channels in the vector lanes. The image is transposed once into a zero-point-padded HWC
   copy (C*H*W bytes instead of K*N bytes of GEMM panels) and each 4-pixel x 16-channel
   tile is requantized in registers. Otherwise bb_conv_u8 into acc (rows x lda int32,
   lda >= p1) and bb_requantize_u8 (acc is not touched on the fast path).
   state / scratch: bb_conv_requant_state_bytes / bb_conv_requant_scratch_bytes bytes,
   64-byte aligned, state zeroed before first use (or NULL: allocated per call); the same
   contract as bb_conv_u8's. */
/* Builds the plan's channels-last strip for geometry g: returns 1 if bb_conv_requant_u8 will
   take the fast path for g (AVX2 level, weights without zero points, K = c*kh*kw), else 0.
   Not thread-safe: call before the plan is shared. A plan serves one geometry's (c, kh, kw). */
int bb_gemm_plan_prepare_conv(bb_gemm_plan *plan, const bb_conv_geom *g);
struct bb_requant_params; /* below, with the other requantization entry points */
size_t bb_conv_requant_state_bytes(const bb_gemm_plan *plan, const bb_conv_geom *g);
size_t bb_conv_requant_scratch_bytes(const bb_gemm_plan *plan, const bb_conv_geom *g);
void bb_conv_requant_u8(const bb_gemm_plan *plan, const bb_conv_geom *g, const uint8_t *x,
                        int32_t x_zero_point, size_t p0, size_t p1, const struct bb_requant_params *rq,
                        uint8_t *out, size_t ldo, int32_t *acc, size_t lda, void *state,
                        void *scratch);

/* Integer Winograd F(2x2, 3x3) inside bb_conv_requant_u8's fast path (conv_wino.c): for a
   3x3, stride-1, undilated convolution with C a multiple of 16 (C <= 1024), a plan of 8- or 7-bit weights (the formats whose direct tiles multiply at VPMADDWD's
   rate) prepared for it computes each 2x2 output tile from transformed int16 weights and inputs
   with 16 instead of 36 multiplies per input channel; the int32 sums are exactly the direct
   ones (bounds in conv_wino.c), so the codes are too. Enabled unless BITBUDGET_WINOGRAD=0;
   bb_set_winograd switches it process-wide (tests and benchmarks; returns the previous state). */
int bb_winograd_enabled(void);
int bb_set_winograd(int on);
/* 1 if bb_conv_requant_u8 with this plan and geometry will take the Winograd path now. */
int bb_conv_requant_uses_winograd(const bb_gemm_plan *plan, const bb_conv_geom *g);

/* Ternary GEMM without multiplies (format must be BB_FMT_TERNARY). Same result as
   bb_gemm_u8 on the same weights. Reference: add x where w=+1, subtract where w=-1.
   AVX2: conditional negate (VPSIGNW) + add on int16, flushed to int32 every 128 k. */
void bb_gemm_ternary_u8(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                        int32_t x_zero_point, int32_t *c, size_t ldc);
void bb_gemm_ternary_u8_ref(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                            int32_t x_zero_point, int32_t *c, size_t ldc);

/* Binary activations: 64-bit words per pixel along K, bit = 1 means -1. */
size_t bb_binary_words(size_t k);   /* ceil(k/64) */
/* Binarizes X[K x N] (im2col layout): bit (k) of pixel j is 1 iff x[k][j] < zero_point,
   i.e. the real value is negative (0 maps to +1). out: n rows of bb_binary_words(k)
   words; padding bits are 0. */
void bb_pack_binary_activations_u8(const uint8_t *x, size_t k, size_t n, size_t ldx,
                                   int32_t zero_point, uint64_t *out);
/* XNOR-popcount GEMM (format must be BB_FMT_BINARY):
     c[m*ldc + j] = K - 2*popcount(W_m XOR X_j)  = sum_k w[m][k]*a[j][k], both in {-1,+1}.
   Padding bits must be 0 in both operands (bb_pack / the binarizer guarantee it). */
void bb_gemm_xnor(const bb_weights *w, const uint64_t *xbits, size_t n, int32_t *c, size_t ldc);
void bb_gemm_xnor_ref(const bb_weights *w, const uint64_t *xbits, size_t n, int32_t *c,
                      size_t ldc);

/* ------------------------------------------------------------ requantization ---- */

/* gemmlowp/TFLite fixed point. Decomposes real > 0 as real ~= mult * 2^(shift-31),
   mult in [2^30, 2^31-1] (Q31 mantissa, rounded half away from zero by llround; a
   mantissa that rounds to 2^31 becomes 2^30 with shift+1). real == 0 gives (0, 0);
   real < 2^-32 (shift < -31) flushes to (0, 0). Returns 0, or -1 if real is negative,
   not finite, or needs shift > 30. */
int bb_quantize_multiplier(double real, int32_t *mult, int32_t *shift);
/* SaturatingRoundingDoublingHighMul: gemmlowp's formula
     (a*b + (a*b >= 0 ? 2^30 : 1 - 2^30)) / 2^31, truncating division; INT32_MAX for
   a == b == INT32_MIN.  This equals floor((a*b + 2^30) / 2^31): ties round toward +inf. */
int32_t bb_srdhm(int32_t a, int32_t b);
/* RoundingDivideByPOT: x / 2^exponent (0 <= exponent <= 31), rounding to nearest,
   ties away from zero. */
int32_t bb_rounding_divide_by_pot(int32_t x, int32_t exponent);
/* MultiplyByQuantizedMultiplier: RDBPOT(SRDHM(x * 2^max(shift,0), mult), max(-shift,0)).
   The left shift wraps modulo 2^32. */
int32_t bb_multiply_by_quantized_multiplier(int32_t x, int32_t mult, int32_t shift);

/* Per-row (= per output channel) requantization of an int32 accumulator matrix:
     y = clamp(out_zero_point + MBQM(acc + bias[m], multiplier[m], shift[m]), qmin, qmax)
   bias may be NULL (0); acc + bias wraps modulo 2^32; the bounds are intersected with the
   output type's range. Fused ReLU: qmin = out_zero_point. */
typedef struct bb_requant_params {
    const int32_t *bias;        /* rows or NULL; pre-scaled by S_w[m]*S_x */
    const int32_t *multiplier;  /* rows */
    const int32_t *shift;       /* rows */
    int32_t out_zero_point;
    int32_t qmin, qmax;         /* intersected with [0,255] (u8) or [-128,127] (s8) */
} bb_requant_params;

void bb_requantize_u8(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                      const bb_requant_params *p, uint8_t *out, size_t ldo);
void bb_requantize_u8_ref(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                          const bb_requant_params *p, uint8_t *out, size_t ldo);
void bb_requantize_s8(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                      const bb_requant_params *p, int8_t *out, size_t ldo);
void bb_requantize_s8_ref(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                          const bb_requant_params *p, int8_t *out, size_t ldo);

/* ------------------------------------------------------------- elementwise ---- */

/* Quantized Add of two uint8 tensors with different scales, one multiply-add per element:
     y = clamp(out_zp + RoundShift(a_mult*(a - za) + b_mult*(b - zb), shift), qmin, qmax)
   RoundShift(v, s) = floor((v + 2^(s-1)) / 2^s) for s >= 1 (ties toward +inf), v for s = 0.
   a_mult/2^shift ~= sa/so and b_mult/2^shift ~= sb/so with both multipliers in [0, 32767]
   (shift the largest in [0, 30] that keeps them there): a 15-bit mantissa for the larger
   ratio, so the pre-rounding value is within 255*ratio*2^-15 codes of the real one. Why not
   TFLite's three double-rounding MBQMs: on int16 pairs this is one VPMADDWD per 8
   elements, and the simulator runs the same scalar definition (bb_add_u8_ref), so
   engine and simulation agree exactly either way. The sum fits int32: 2*32767*255 + 2^29. */
typedef struct bb_add_params {
    int32_t a_zero_point, b_zero_point, out_zero_point;
    int32_t a_mult, b_mult, shift;
    int32_t qmin, qmax;
} bb_add_params;

/* Returns 0, or -1 if a scale is not positive/finite or sa/so or sb/so >= 32767.5. */
int bb_add_params_init(bb_add_params *p, double a_scale, int32_t a_zero_point,
                       double b_scale, int32_t b_zero_point, double out_scale,
                       int32_t out_zero_point, int32_t qmin, int32_t qmax);
void bb_add_u8(const uint8_t *a, const uint8_t *b, size_t n, const bb_add_params *p,
               uint8_t *out);
void bb_add_u8_ref(const uint8_t *a, const uint8_t *b, size_t n, const bb_add_params *p,
                   uint8_t *out);

/* Integer average pooling of one uint8 CHW image; the output keeps the input's scale
   and zero-point.  out[c][oy][ox] = (S + cnt/2) / cnt, S = sum of the in-bounds
   elements of the window, cnt = their number (padding is excluded from both):
   round half up (= half away from zero, S >= 0). oh = (h + 2*ph - kh)/sh + 1. */
void bb_avgpool_u8(const uint8_t *x, size_t c, size_t h, size_t w, size_t kh, size_t kw,
                   size_t sh, size_t sw, size_t ph, size_t pw, uint8_t *out);

/* Integer max pooling of one uint8 CHW image; the output keeps the input's scale and
   zero-point (max commutes with the increasing map code -> scale*(code - zp), so it is
   exact). out[c][oy][ox] = max of the in-bounds elements of the window rows
   oy*sh - pt ... + kh - 1, columns ox*sw - pl ... + kw - 1: padding never wins (ONNX's
   -inf padding). The caller gives oh, ow, so ceil_mode and asymmetric end padding need no
   special case here; a window with no in-bounds element (padding >= kernel, which callers
   reject) gives 0. */
void bb_maxpool_u8(const uint8_t *x, size_t c, size_t h, size_t w, size_t kh, size_t kw,
                   size_t sh, size_t sw, size_t pt, size_t pl, size_t oh, size_t ow, uint8_t *out);

/* im2col of one CHW image of 8-bit codes (uint8 or int8: bytes are copied):
   out[r*ldo + p], r = (ci*kh + i)*kw + j, p = oy*ow + ox, value x[ci][iy][ix] with
   iy = oy*sh - ph + i*dh, ix = ox*sw - pw + j*dw, or pad_value (the zero-point!)
   outside the image. oh = (h + 2ph - dh(kh-1) - 1)/sh + 1 (same for ow). */
void bb_im2col_u8(const uint8_t *x, size_t c, size_t h, size_t w, size_t kh, size_t kw,
                  size_t sh, size_t sw, size_t ph, size_t pw, size_t dh, size_t dw,
                  uint8_t pad_value, uint8_t *out, size_t ldo);
void bb_im2col_u8_ref(const uint8_t *x, size_t c, size_t h, size_t w, size_t kh, size_t kw,
                      size_t sh, size_t sw, size_t ph, size_t pw, size_t dh, size_t dw,
                      uint8_t pad_value, uint8_t *out, size_t ldo);

/* ------------------------------------------------------------ thread team ---- */

/* A caller plus `threads - 1` persistent helper threads that split one small job: the
   engine's batch-1 convolutions take 20-60 us each, and a fresh fork/join per layer (GCD)
   cost more than the second core gained. Helpers spin briefly (a few tens of
   microseconds) waiting for the next job, then sleep on a condition variable.
   bb_team_run(t, parts, fn, ctx) calls fn(ctx, p) once for every p < parts, on the caller
   and the helpers, and returns when all calls have returned. One job at a time per team:
   a team must not be run from two threads at once, nor from inside its own job. */
typedef struct bb_team bb_team;
typedef void (*bb_task_fn)(void *ctx, size_t part);
bb_team *bb_team_create(int threads);   /* NULL if a thread cannot be started */
int bb_team_threads(const bb_team *t);
void bb_team_run(bb_team *t, size_t parts, bb_task_fn fn, void *ctx);
void bb_team_free(bb_team *t);          /* stops and joins the helpers */

#ifdef __cplusplus
}
#endif
#endif /* BITBUDGET_CKERNELS_H */
