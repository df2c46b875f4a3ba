/* dispatch.c -- CPU feature detection and the active kernel level. */
#include "internal.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int g_max_level = -1;
static _Atomic int g_level = -1;

static int detect_max_level(void) {
#if BB_X86
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi2");
    if (!avx2) return BB_LEVEL_SCALAR;
    int vnni = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
    return vnni ? BB_LEVEL_AVX512VNNI : BB_LEVEL_AVX2;
#else
    return BB_LEVEL_SCALAR;
#endif
}

int bb_cpu_max_level(void) {
    int m = atomic_load_explicit(&g_max_level, memory_order_relaxed);
    if (m < 0) {
        m = detect_max_level();
        atomic_store_explicit(&g_max_level, m, memory_order_relaxed);
    }
    return m;
}

static int clamp_level(int level) {
    int m = bb_cpu_max_level();
    if (level < BB_LEVEL_SCALAR) level = BB_LEVEL_SCALAR;
    return level > m ? m : level;
}

int bb_get_level(void) {
    int l = atomic_load_explicit(&g_level, memory_order_relaxed);
    if (l >= 0) return l;
    l = bb_cpu_max_level();
    const char *env = getenv("BITBUDGET_KERNELS");
    if (env != NULL) {
        if (strcmp(env, "scalar") == 0 || strcmp(env, "ref") == 0) l = BB_LEVEL_SCALAR;
        else if (strcmp(env, "avx2") == 0) l = clamp_level(BB_LEVEL_AVX2);
        else if (strcmp(env, "vnni") == 0 || strcmp(env, "avx512") == 0 ||
                 strcmp(env, "avx512vnni") == 0) l = clamp_level(BB_LEVEL_AVX512VNNI);
    }
    atomic_store_explicit(&g_level, l, memory_order_relaxed);
    return l;
}

int bb_set_level(int level) {
    int l = clamp_level(level);
    atomic_store_explicit(&g_level, l, memory_order_relaxed);
    return l;
}

const char *bb_level_name(int level) {
    switch (level) {
    case BB_LEVEL_SCALAR: return "scalar";
    case BB_LEVEL_AVX2: return "avx2";
    case BB_LEVEL_AVX512VNNI: return "avx512vnni";
    default: return "unknown";
    }
}

/* ---- dispatched entry points ---- */

void bb_gemm_u8(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                int32_t zx, int32_t *c, size_t ldc) {
#if BB_X86
    switch (bb_get_level()) {
    case BB_LEVEL_AVX512VNNI: bb__gemm_u8_avx512(w, x, n, ldx, zx, c, ldc); return;
    case BB_LEVEL_AVX2: bb__gemm_u8_avx2(w, x, n, ldx, zx, c, ldc); return;
    default: break;
    }
#endif
    bb_gemm_u8_ref(w, x, n, ldx, zx, c, ldc);
}

void bb_gemm_ternary_u8(const bb_weights *w, const uint8_t *x, size_t n, size_t ldx,
                        int32_t zx, int32_t *c, size_t ldc) {
#if BB_X86
    /* The AVX-512 level reuses the AVX2 kernel (AVX-512 CPUs run AVX2 code). */
    if (bb_get_level() >= BB_LEVEL_AVX2) {
        bb__gemm_ternary_u8_avx2(w, x, n, ldx, zx, c, ldc);
        return;
    }
#endif
    bb_gemm_ternary_u8_ref(w, x, n, ldx, zx, c, ldc);
}

void bb_gemm_xnor(const bb_weights *w, const uint64_t *xbits, size_t n, int32_t *c,
                  size_t ldc) {
#if BB_X86
    /* The AVX-512 level takes the BITALG kernel where the CPU has VPOPCNTW (VNNI alone does
       not imply it), else the AVX2 one. */
    if (bb_get_level() >= BB_LEVEL_AVX512VNNI && bb__xnor_avx512_available()) {
        bb__gemm_xnor_avx512(w, xbits, n, c, ldc);
        return;
    }
    if (bb_get_level() >= BB_LEVEL_AVX2) {
        bb__gemm_xnor_avx2(w, xbits, n, c, ldc);
        return;
    }
#endif
    bb_gemm_xnor_ref(w, xbits, n, c, ldc);
}

void bb_requantize_u8(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                      const bb_requant_params *p, uint8_t *out, size_t ldo) {
#if BB_X86
    if (bb_get_level() >= BB_LEVEL_AVX512VNNI) {
        bb__requantize_avx512(acc, rows, cols, lda, p, out, ldo, 0);
        return;
    }
    if (bb_get_level() >= BB_LEVEL_AVX2) {
        bb__requantize_avx2(acc, rows, cols, lda, p, out, ldo, 0);
        return;
    }
#endif
    bb_requantize_u8_ref(acc, rows, cols, lda, p, out, ldo);
}

void bb_requantize_s8(const int32_t *acc, size_t rows, size_t cols, size_t lda,
                      const bb_requant_params *p, int8_t *out, size_t ldo) {
#if BB_X86
    if (bb_get_level() >= BB_LEVEL_AVX512VNNI) {
        bb__requantize_avx512(acc, rows, cols, lda, p, out, ldo, 1);
        return;
    }
    if (bb_get_level() >= BB_LEVEL_AVX2) {
        bb__requantize_avx2(acc, rows, cols, lda, p, out, ldo, 1);
        return;
    }
#endif
    bb_requantize_s8_ref(acc, rows, cols, lda, p, out, ldo);
}

void bb_add_u8(const uint8_t *a, const uint8_t *b, size_t n, const bb_add_params *p,
               uint8_t *out) {
#if BB_X86
    if (bb_get_level() >= BB_LEVEL_AVX2) {
        bb__add_u8_avx2(a, b, n, p, out);
        return;
    }
#endif
    bb_add_u8_ref(a, b, n, p, out);
}
