/* xnor-bench: the AVX2 XNOR-popcount GEMM (bb__gemm_xnor_avx2) alone on one shape, checked
   against the reference kernel, best of `reps` calls on the thread CPU clock: small enough to
   `perf record`. Built by run.sh, which can also link another revision's kernel (renamed
   old_bb__gemm_xnor_avx2, -DAB) and time the two interleaved in one process. */
#include "ckernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void bb__gemm_xnor_avx2(const bb_weights *w, const uint64_t *xbits, size_t n, int32_t *c, size_t ldc);
#ifdef AB
void old_bb__gemm_xnor_avx2(const bb_weights *w, const uint64_t *xbits, size_t n, int32_t *c, size_t ldc);
#endif
typedef void (*xnor_fn)(const bb_weights *, const uint64_t *, size_t, int32_t *, size_t);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* best of 5 calls, added to *best if lower */
static void time5(xnor_fn f, const bb_weights *w, const uint64_t *x, size_t n, int32_t *c, double *best) {
    for (int k = 0; k < 5; k++) {
        const double t = now();
        f(w, x, n, c, n);
        const double d = now() - t;
        if (d < *best) *best = d;
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: xnor-bench M K N ROUNDS\n");
        return 2;
    }
    const size_t M = strtoul(argv[1], NULL, 10), K = strtoul(argv[2], NULL, 10), N = strtoul(argv[3], NULL, 10);
    const int rounds = atoi(argv[4]);
    const size_t W = bb_binary_words(K), rb = bb_row_bytes(BB_FMT_BINARY, K);
    uint8_t *codes = calloc(M * rb + 1, 1);
    uint64_t *x = calloc(N * W + 1, 8);
    srand(1);
    for (size_t m = 0; m < M; m++)
        for (size_t k = 0; k < K; k++)
            if (rand() & 1) codes[m * rb + k / 8] |= (uint8_t)(1u << (k % 8));
    for (size_t j = 0; j < N; j++)
        for (size_t k = 0; k < K; k++)
            if (rand() & 1) x[j * W + k / 64] |= 1ull << (k % 64);
    const bb_weights w = {BB_FMT_BINARY, (int32_t)M, (int32_t)K, (int32_t)rb, codes, NULL, NULL};
    int32_t *c = malloc(M * N * 4 + 4), *r = malloc(M * N * 4 + 4);
    bb_gemm_xnor_ref(&w, x, N, r, N);
    xnor_fn fns[2] = {bb__gemm_xnor_avx2, NULL};
#ifdef AB
    fns[1] = old_bb__gemm_xnor_avx2;
#endif
    const char *names[2] = {"this tree", "other revision"};
    for (int i = 0; i < 2 && fns[i]; i++) {
        fns[i](&w, x, N, c, N);
        if (memcmp(c, r, M * N * 4) != 0) {
            fprintf(stderr, "xnor-bench: %s differs from the reference kernel\n", names[i]);
            return 1;
        }
    }
    double best[2] = {1e30, 1e30};
    for (int i = 0; i < rounds; i++)
        for (int f = 0; f < 2 && fns[f]; f++) time5(fns[f], &w, x, N, c, &best[f]);
    const double ops = 2.0 * M * N * K;
    printf("M=%zu K=%zu N=%zu: %.1f GOPS (%.3f ms)", M, K, N, ops / best[0] / 1e9, best[0] * 1e3);
    if (fns[1]) printf("; other revision %.1f GOPS; this / other %.3f", ops / best[1] / 1e9, best[1] / best[0]);
    printf("\n");
    return 0;
}
