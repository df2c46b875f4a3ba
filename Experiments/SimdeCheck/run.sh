#!/bin/sh
# Emulated check of the AVX-512 VNNI kernel: needs SIMDe headers (Debian: libsimde-dev)
# and runs on any x86-64 with AVX2 (the other kernel files are built normally).
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
S="$ROOT/Sources/CKernels"
OUT=${TMPDIR:-/tmp}/bitbudget-simde-check
mkdir -p "$OUT"
CC=${CC:-clang}
for f in dispatch pack reference eltwise gemm_driver kernels_avx2 xnor_avx512 requant_avx512; do
  "$CC" -O2 -I"$S/include" -I"$S" -c "$S/$f.c" -o "$OUT/$f.o"
done
"$CC" -O1 -Wno-psabi -DBB_EMULATE_AVX512 -I"$S/include" -I"$S" -c "$S/kernels_avx512.c" -o "$OUT/kernels_avx512.o"
"$CC" -O2 -I"$S/include" -I"$S" "$(dirname "$0")/check.c" "$OUT"/*.o -o "$OUT/check" -lm
"$OUT/check"
