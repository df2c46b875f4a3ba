#!/usr/bin/env bash
# Times the AVX2 XNOR GEMM alone on one shape (default: kernel-bench's M=64 K=576 N=1024),
# best of ROUNDS x 5 calls on the thread CPU clock, after checking it against the reference:
#   Experiments/XNORBench/run.sh [--against REV] [M K N [ROUNDS]]
# --against REV links REV's bb__gemm_xnor_avx2 (its kernels_avx2.c and headers, symbols
# renamed) into the same binary and times the two interleaved, printing this / other.
# The binary stays in .build-xnorbench/ (ignored by git), so that
#   perf record .build-xnorbench/xnor-bench 64 576 1024 3000
# profiles the kernel without the rest of kernel-bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=""
if [ "${1:-}" = "--against" ]; then rev=$2; shift 2; fi
M=${1:-64} K=${2:-576} N=${3:-1024} ROUNDS=${4:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inc="-I Sources/CKernels/include -I Sources/CKernels"
objs=""
if [ -n "$rev" ]; then
  mkdir -p "$tmp/old/include"
  for f in kernels_avx2.c internal.h include/ckernels.h; do git show "$rev:Sources/CKernels/$f" > "$tmp/old/$f"; done
  clang -O2 -c -I "$tmp/old/include" -I "$tmp/old" "$tmp/old/kernels_avx2.c" -o "$tmp/old.o"
  defs=$(nm "$tmp/old.o" | awk '$2=="T"{printf "-D%s=old_%s ", $3, $3}')
  clang -O2 -c $defs -I "$tmp/old/include" -I "$tmp/old" "$tmp/old/kernels_avx2.c" -o "$tmp/old.o"
  objs="$tmp/old.o -DAB"
fi
mkdir -p .build-xnorbench
clang -O2 -g $inc Experiments/XNORBench/main.c Sources/CKernels/*.c $objs -o .build-xnorbench/xnor-bench -lm -lpthread
.build-xnorbench/xnor-bench "$M" "$K" "$N" "$ROUNDS"
