/* check.c -- verifies the AVX-512 VNNI GEMM kernel on machines without AVX-512 by
   building kernels_avx512.c against SIMDe's portable implementations of the intrinsics
   (see run.sh). Compares bb__gemm_u8_avx512 with the scalar reference bit for bit. */
#include "internal.h"
#include <stdio.h>

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int main(void) {
    const int sizes[] = {1, 3, 17, 63, 65, 129, 300};
    const int formats[] = {2, 3, 4, 5, 6, 7, 8, BB_FMT_TERNARY, BB_FMT_BINARY};
    int cases = 0, failures = 0;
    for (int fi = 0; fi < 9; fi++) {
        for (int trial = 0; trial < 12; trial++) {
            const int f = formats[fi];
            const int M = sizes[rnd() % 7], N = sizes[rnd() % 7], K = sizes[rnd() % 7];
            const int asym = f <= 8 && (trial & 1);
            const int lo = bb_format_min_value(f), hi = bb_format_max_value(f);
            int8_t *v = malloc((size_t)M * K);
            int32_t *zp = malloc(sizeof(int32_t) * M);
            for (int i = 0; i < M * K; i++) {
                v[i] = (int8_t)(lo + (int)(rnd() % (uint64_t)(hi - lo + 1)));
                if (f == BB_FMT_BINARY) v[i] = (rnd() & 1) ? 1 : -1;
            }
            for (int m = 0; m < M; m++) zp[m] = f <= 8 ? (int32_t)(rnd() % (1u << f)) : 0;
            const size_t rb = bb_row_bytes(f, K);
            uint8_t *codes = malloc(rb * M);
            if (bb_pack(f, M, K, v, asym ? zp : NULL, codes) != 0) { printf("pack failed\n"); return 1; }
            bb_weights w = {f, M, K, (int32_t)rb, codes, NULL, asym ? zp : NULL};
            uint8_t *x = malloc((size_t)K * N);
            for (int i = 0; i < K * N; i++) x[i] = (uint8_t)rnd();
            const int32_t zx = (int32_t)(rnd() % 256);
            int32_t *c0 = malloc(sizeof(int32_t) * M * N), *c1 = malloc(sizeof(int32_t) * M * N);
            bb_gemm_u8_ref(&w, x, N, N, zx, c0, N);
            bb__gemm_u8_avx512(&w, x, N, N, zx, c1, N);
            cases++;
            if (memcmp(c0, c1, sizeof(int32_t) * M * N) != 0) {
                failures++;
                printf("MISMATCH format %d asym %d M=%d N=%d K=%d\n", f, asym, M, N, K);
            }
            free(v); free(zp); free(codes); free(x); free(c0); free(c1);
        }
    }
    printf("%d passed, %d failed\n", cases - failures, failures);
    return failures != 0;
}
