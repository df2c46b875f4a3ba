/* xnor_avx512.c -- binary x binary GEMM (XNOR-popcount) with AVX-512 BITALG.

   c[m][j] = K - 2 * popcount(w_m XOR x_j), the definition of bb_gemm_xnor_ref.

   Same 16-bit slices as the AVX2 kernel (kernels_avx2.c), so K is padded to 16 bits, not 64
   (ResNet's K = 9*C), and the same pixel-panel transposition (bb__xnor_panel_avx2 in its raw
   layout: 32 pixels' u16 slices per 512-bit vector). VPOPCNTW counts each 16-bit lane
   directly, which replaces the AVX2 kernel's nibble split and VPSHUFB look-ups: per slice
   and weight row, one VPXORQ (the pre-broadcast weight slice is its memory operand), one
   VPOPCNTW and one VPADDW cover 32 pixels x 16 bits. Counts stay in u16 lanes (K <= 65535;
   larger K takes the reference kernel, as in AVX2).
   Micro-kernel: 8 weight rows x 32 pixels, 8 accumulators; the epilogue widens to int32,
   forms K - 2*pop and stores with a lane mask for a partial last block.

   Dispatched from bb_gemm_xnor at the AVX-512 VNNI level when the CPU also reports
   avx512bitalg (bb__xnor_avx512_available); tested bit-exact against the reference in
   GEMMTests at every level the machine has. */
#include "internal.h"

#if BB_X86
#include <immintrin.h>

#define BB_TARGET_XNOR512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bitalg,avx2,fma,popcnt,bmi2")))

#define X5_PX 32   /* pixels per 512-bit vector */
#define X5_MR 8    /* weight rows per micro-kernel */
#define X5_SLICE 64 /* bytes of one slice of 32 pixels */

int bb__xnor_avx512_available(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bitalg");
    }
    return cached;
}

/* strip[j][r]: weight row m0 + r's slice j broadcast to all 32 u16 lanes (0 for rows >= M). */
BB_TARGET_XNOR512 static void x5_strip(const bb_weights *w, size_t m0, size_t J, __m512i *strip) {
    for (size_t r = 0; r < X5_MR; r++) {
        const size_t m = m0 + r;
        for (size_t j = 0; j < J; j++) {
            const uint16_t v = m < (size_t)w->rows
                                   ? (uint16_t)(bb__load_u64(w->codes + m * (size_t)w->row_bytes + 8 * (j / 4)) >>
                                                (16 * (j % 4)))
                                   : 0;
            strip[j * X5_MR + r] = _mm512_set1_epi16((short)v);
        }
    }
}

/* K - 2 * pop for 32 pixels of one row, stored to dst[0, cv). */
BB_TARGET_XNOR512 static inline void x5_store(__m512i pop, __m512i kv, int32_t *dst, size_t cv) {
    const __m512i lo = _mm512_sub_epi32(kv, _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(pop)), 1));
    const __m512i hi = _mm512_sub_epi32(kv, _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(pop, 1)), 1));
    if (cv == X5_PX) {
        _mm512_storeu_si512(dst, lo);
        _mm512_storeu_si512(dst + 16, hi);
    } else {
        const __mmask16 m0 = cv >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cv) - 1);
        const __mmask16 m1 = cv <= 16 ? (__mmask16)0 : (__mmask16)((1u << (cv - 16)) - 1);
        _mm512_mask_storeu_epi32(dst, m0, lo);
        _mm512_mask_storeu_epi32(dst + 16, m1, hi);
    }
}

/* 8 rows (rv valid) x one 32-pixel block (cv valid) of c. */
BB_TARGET_XNOR512 static void x5_ukr(const __m512i *strip, const uint8_t *panel, size_t J, __m512i kv,
                                     int32_t *c, size_t ldc, size_t rv, size_t cv) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (size_t j = 0; j < J; j++) {
        const __m512i x = _mm512_load_si512((const void *)(panel + j * X5_SLICE));
        const __m512i *ws = strip + j * X5_MR;
        a0 = _mm512_add_epi16(a0, _mm512_popcnt_epi16(_mm512_xor_si512(x, _mm512_load_si512(ws + 0))));
        a1 = _mm512_add_epi16(a1, _mm512_popcnt_epi16(_mm512_xor_si512(x, _mm512_load_si512(ws + 1))));
        a2 = _mm512_add_epi16(a2, _mm512_popcnt_epi16(_mm512_xor_si512(x, _mm512_load_si512(ws + 2))));
        a3 = _mm512_add_epi16(a3, _mm512_popcnt_epi16(_mm512_xor_si512(x, _mm512_load_si512(ws + 3))));
        a4 = _mm512_add_epi16(a4, _mm512_popcnt_epi16(_mm512_xor_si512(x, _mm512_load_si512(ws + 4))));
        a5 = _mm512_add_epi16(a5, _mm512_popcnt_epi16(_mm512_xor_si512(x, _mm512_load_si512(ws + 5))));
        a6 = _mm512_add_epi16(a6, _mm512_popcnt_epi16(_mm512_xor_si512(x, _mm512_load_si512(ws + 6))));
        a7 = _mm512_add_epi16(a7, _mm512_popcnt_epi16(_mm512_xor_si512(x, _mm512_load_si512(ws + 7))));
    }
    const __m512i acc[X5_MR] = {a0, a1, a2, a3, a4, a5, a6, a7};
    for (size_t r = 0; r < rv; r++) x5_store(acc[r], kv, c + r * ldc, cv);
}

BB_TARGET_XNOR512 void bb__gemm_xnor_avx512(const bb_weights *w, const uint64_t *xbits, size_t n,
                                            int32_t *c, size_t ldc) {
    if (bb__xnor_trivial(w, xbits, n, c, ldc)) return;
    const size_t M = (size_t)w->rows, K = (size_t)w->k, W = bb_binary_words(K), J = (K + 15) / 16;
    /* As in AVX2: the pixel panel (NC pixels, a multiple of 32) once per NC pixels; the
       weight strip of one row block (X5_MR * J * 64 bytes) once per panel and block. */
    const size_t NC = bb__xnor_panel_pixels(J, X5_SLICE, X5_PX, n);
    uint8_t *panel = (uint8_t *)bb__alloc(NC / X5_PX * J * X5_SLICE);
    __m512i *strip = (__m512i *)bb__alloc(X5_MR * J * sizeof(__m512i));
    uint64_t *zero = (uint64_t *)bb__alloc(W * sizeof(uint64_t));
    memset(zero, 0, W * sizeof(uint64_t));
    const __m512i kv = _mm512_set1_epi32((int32_t)K);
    for (size_t n0 = 0; n0 < n; n0 += NC) {
        const size_t nc = bb__min(NC, n - n0), ncp = bb__round_up(nc, X5_PX);
        bb__xnor_panel_avx2(xbits, W, J, n0, nc, ncp, zero, panel, 1);
        for (size_t mb = 0; mb < M; mb += X5_MR) {
            const size_t rv = bb__min(X5_MR, M - mb);
            x5_strip(w, mb, J, strip);
            for (size_t pb = 0; pb < ncp; pb += X5_PX)
                x5_ukr(strip, panel + (pb / X5_PX) * J * X5_SLICE, J, kv, c + mb * ldc + n0 + pb, ldc, rv,
                       bb__min(X5_PX, nc - pb));
        }
    }
    free(zero);
    free(strip);
    free(panel);
}

#endif
