/* cpu_throughput: the two figures the engine README quotes about this CPU -- the clock
   (a chain of dependent scalar adds, one per cycle) and how many VPMADDUBSW / VPMADDWD /
   VPADDW the core retires per cycle (8 independent chains each, so latency does not bound
   them). Not part of the package; run with Experiments/CPUThroughput/run.sh. */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHAINS8(op)                                                                              \
    __asm__ volatile(op " %8,%0,%0\n\t" op " %8,%1,%1\n\t" op " %8,%2,%2\n\t" op " %8,%3,%3\n\t" \
                     op " %8,%4,%4\n\t" op " %8,%5,%5\n\t" op " %8,%6,%6\n\t" op " %8,%7,%7"      \
                     : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6),     \
                       "+x"(a7)                                                                 \
                     : "x"(w))

__attribute__((target("avx2"))) int main(void) {
    const long adds = 1000000000, iters = 200000000;
    long x = 1;
    double t0 = now();
    for (long i = 0; i < adds / 4; i++)
        __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
    const double ghz = adds / (now() - t0) / 1e9;
    printf("clock: %.2f GHz (dependent adds)\n", ghz);
    __m256i a0 = _mm256_set1_epi8(1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    const __m256i w = _mm256_set1_epi8(2);
    const char *names[3] = {"vpmaddubsw", "vpmaddwd", "vpaddw"};
    for (int k = 0; k < 3; k++) {
        t0 = now();
        for (long i = 0; i < iters; i++) {
            if (k == 0) CHAINS8("vpmaddubsw");
            else if (k == 1) CHAINS8("vpmaddwd");
            else CHAINS8("vpaddw");
        }
        const double per_ns = 8.0 * iters / (now() - t0) / 1e9;
        printf("%-10s ymm: %.2f per ns, %.2f per cycle\n", names[k], per_ns, per_ns / ghz);
    }
    int o[8];
    _mm256_storeu_si256((__m256i *)o, _mm256_add_epi32(a0, a7));
    return (int)((o[0] + x) & 1);
}
