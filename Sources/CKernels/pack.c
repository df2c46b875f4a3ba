/* pack.c -- packed weight formats: sizes, pack, unpack (layouts in ckernels.h). */
#include "internal.h"

int bb_format_is_valid(int32_t format) {
    return (format >= BB_FMT_INT2 && format <= BB_FMT_INT8) || format == BB_FMT_TERNARY ||
           format == BB_FMT_BINARY;
}

size_t bb_block_bytes(int32_t format) {
    if (format >= BB_FMT_INT2 && format <= BB_FMT_INT8) return (size_t)8 * (size_t)format;
    if (format == BB_FMT_TERNARY) return 16;
    if (format == BB_FMT_BINARY) return 8;
    return 0;
}

size_t bb_row_bytes(int32_t format, size_t k) {
    return (k + BB_BLOCK - 1) / BB_BLOCK * bb_block_bytes(format);
}

int32_t bb_format_min_value(int32_t format) {
    if (format >= BB_FMT_INT2 && format <= BB_FMT_INT8) return -(1 << (format - 1));
    return -1;
}

int32_t bb_format_max_value(int32_t format) {
    if (format >= BB_FMT_INT2 && format <= BB_FMT_INT8) return (1 << (format - 1)) - 1;
    return 1;
}

/* One block of 64 offset codes u (INT2..INT7) -> 8*b bytes. */
static void pack_int_block(int bits, const uint8_t *u, uint8_t *p) {
    int o = 0;
    if (bits & 4) {
        for (int j = 0; j < 32; j++)
            p[j] = (uint8_t)(((u[j] >> o) & 15) | (((u[j + 32] >> o) & 15) << 4));
        p += 32;
        o += 4;
    }
    if (bits & 2) {
        for (int j = 0; j < 16; j++) {
            unsigned v = 0;
            for (int t = 0; t < 4; t++) v |= (unsigned)((u[j + 16 * t] >> o) & 3) << (2 * t);
            p[j] = (uint8_t)v;
        }
        p += 16;
        o += 2;
    }
    if (bits & 1) {
        uint64_t word = 0;
        for (int i = 0; i < 64; i++) word |= (uint64_t)((u[i] >> o) & 1) << i;
        bb__store_u64(p, word);
    }
}

static void unpack_int_block(int bits, const uint8_t *p, uint8_t *u) {
    memset(u, 0, 64);
    int o = 0;
    if (bits & 4) {
        for (int j = 0; j < 32; j++) {
            u[j] |= (uint8_t)((p[j] & 15) << o);
            u[j + 32] |= (uint8_t)((p[j] >> 4) << o);
        }
        p += 32;
        o += 4;
    }
    if (bits & 2) {
        for (int j = 0; j < 16; j++)
            for (int t = 0; t < 4; t++) u[j + 16 * t] |= (uint8_t)(((p[j] >> (2 * t)) & 3) << o);
        p += 16;
        o += 2;
    }
    if (bits & 1) {
        uint64_t word = bb__load_u64(p);
        for (int i = 0; i < 64; i++) u[i] |= (uint8_t)(((word >> i) & 1) << o);
    }
}

int bb_pack(int32_t format, size_t rows, size_t k, const int8_t *values,
            const int32_t *zero_points, uint8_t *out) {
    if (!bb_format_is_valid(format)) return -1;
    const size_t nblocks = (k + BB_BLOCK - 1) / BB_BLOCK;
    const size_t bpb = bb_block_bytes(format);
    const int32_t lo = bb_format_min_value(format), hi = bb_format_max_value(format);
    for (size_t m = 0; m < rows; m++) {
        const int8_t *row = values + m * k;
        uint8_t *dst = out + m * nblocks * bpb;
        int32_t pad = 0; /* signed-domain padding value */
        if (format >= BB_FMT_INT2 && format <= BB_FMT_INT8 && zero_points != NULL) {
            int32_t z = zero_points[m];
            if (z < 0 || z > (1 << format) - 1) return -1;
            pad = z - (1 << (format - 1));
        }
        for (size_t bk = 0; bk < nblocks; bk++) {
            int8_t v[BB_BLOCK];
            for (size_t i = 0; i < BB_BLOCK; i++) {
                size_t kk = bk * BB_BLOCK + i;
                int32_t val = kk < k ? row[kk] : pad;
                if (val < lo || val > hi) return -1;
                if (format == BB_FMT_BINARY && val == 0 && kk < k) return -1;
                v[i] = (int8_t)val;
            }
            uint8_t *p = dst + bk * bpb;
            if (format == BB_FMT_INT8) {
                memcpy(p, v, 64);
            } else if (format >= BB_FMT_INT2 && format <= BB_FMT_INT7) {
                uint8_t u[BB_BLOCK];
                for (int i = 0; i < BB_BLOCK; i++) u[i] = (uint8_t)(v[i] + (1 << (format - 1)));
                pack_int_block(format, u, p);
            } else if (format == BB_FMT_TERNARY) {
                uint64_t nz = 0, sg = 0;
                for (int i = 0; i < BB_BLOCK; i++) {
                    nz |= (uint64_t)(v[i] != 0) << i;
                    sg |= (uint64_t)(v[i] < 0) << i;
                }
                bb__store_u64(p, nz);
                bb__store_u64(p + 8, sg);
            } else if (format == BB_FMT_BINARY) {
                uint64_t sg = 0;
                for (int i = 0; i < BB_BLOCK; i++) sg |= (uint64_t)(v[i] < 0) << i;
                bb__store_u64(p, sg);
            }
        }
    }
    return 0;
}

void bb_unpack(int32_t format, size_t rows, size_t k, const uint8_t *codes, int8_t *out) {
    const size_t nblocks = (k + BB_BLOCK - 1) / BB_BLOCK;
    const size_t bpb = bb_block_bytes(format);
    for (size_t m = 0; m < rows; m++) {
        const uint8_t *src = codes + m * nblocks * bpb;
        int8_t *row = out + m * k;
        for (size_t bk = 0; bk < nblocks; bk++) {
            const uint8_t *p = src + bk * bpb;
            int8_t v[BB_BLOCK];
            if (format == BB_FMT_INT8) {
                memcpy(v, p, 64);
            } else if (format >= BB_FMT_INT2 && format <= BB_FMT_INT7) {
                uint8_t u[BB_BLOCK];
                unpack_int_block(format, p, u);
                for (int i = 0; i < BB_BLOCK; i++) v[i] = (int8_t)(u[i] - (1 << (format - 1)));
            } else if (format == BB_FMT_TERNARY) {
                uint64_t nz = bb__load_u64(p), sg = bb__load_u64(p + 8);
                for (int i = 0; i < BB_BLOCK; i++)
                    v[i] = (int8_t)(((nz >> i) & 1) ? (((sg >> i) & 1) ? -1 : 1) : 0);
            } else if (format == BB_FMT_BINARY) {
                uint64_t sg = bb__load_u64(p);
                for (int i = 0; i < BB_BLOCK; i++) v[i] = (int8_t)(((sg >> i) & 1) ? -1 : 1);
            } else {
                memset(v, 0, sizeof v);
            }
            size_t cnt = bb__min(BB_BLOCK, k - bk * BB_BLOCK);
            memcpy(row + bk * BB_BLOCK, v, cnt);
        }
    }
}

int8_t *bb__unpack_all(const bb_weights *w, int32_t *rowsum) {
    const size_t M = (size_t)w->rows, K = (size_t)w->k;
    int8_t *v = (int8_t *)bb__alloc(M * K);
    bb_unpack(w->format, M, K, w->codes, v);
    if (rowsum != NULL) {
        for (size_t m = 0; m < M; m++) {
            int32_t zs = bb__zs(w, m), s = 0;
            for (size_t kk = 0; kk < K; kk++) s += v[m * K + kk] - zs;
            rowsum[m] = s;
        }
    }
    return v;
}
