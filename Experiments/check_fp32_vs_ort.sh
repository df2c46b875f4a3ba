#!/usr/bin/env bash
# BitBudget FP32 vs onnxruntime top-1 on the full test split of each shared CIFAR-10 model,
# side by side; fails when they differ by more than 2 images (issue: foundation acceptance).
# Usage: Experiments/check_fp32_vs_ort.sh [bitbudget binary]   (release build recommended)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release/bitbudget}
SHARED=${SHARED:-../shared}
status=0
printf "%-34s %-28s %-28s %s\n" model bitbudget onnxruntime diff
for m in resnet20_cifar10 resnet32_cifar10 resnet2b_cifar10_vnncomp; do
  f="$SHARED/models/$m.onnx"
  if [ ! -f "$f" ]; then
    if [ "${BITBUDGET_REQUIRE_SHARED:-0}" = 1 ]; then echo "missing $f (BITBUDGET_REQUIRE_SHARED=1)"; exit 1; fi
    echo "skip: $f not found"; continue
  fi
  bb=$("$BIN" eval "$f" --data "$SHARED/data/cifar10" | grep '^top-1:')
  ort=$(python3 Experiments/ort_eval.py "$f" --data "$SHARED/data/cifar10" | grep '^top-1:')
  a=$(sed -E 's/.*\(([0-9]+)\/.*/\1/' <<<"$bb"); b=$(sed -E 's/.*\(([0-9]+)\/.*/\1/' <<<"$ort")
  d=$(( a > b ? a - b : b - a ))
  printf "%-34s %-28s %-28s %d\n" "$m" "$bb" "$ort" "$d"
  [ "$d" -le 2 ] || status=1
done
exit $status
