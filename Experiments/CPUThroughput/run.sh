#!/usr/bin/env bash
# Builds and runs cpu_throughput.c (clang from the Swift toolchain; x86-64 with AVX2 only).
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
clang -O2 -o "$out" cpu_throughput.c
"$out"
