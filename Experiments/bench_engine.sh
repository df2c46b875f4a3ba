#!/usr/bin/env bash
# One run, release mode, 2 threads, ResNet-20 / CIFAR-10, batch 256 and batch 1: images/s of
#   BitBudget's integer engine (uniform 8/8, 7/8, 4/8, the committed mixed plan; 7-bit weights
#   are the saturation-free VPMADDUBSW choice on AVX2, the analogue of onnxruntime's
#   reduce_range),
#   BitBudget FP32 (OpenBLAS), onnxruntime FP32, and onnxruntime's fastest int8 configuration
#   (quant_pre_process + quantize_static QDQ, uint8 activations, per-channel int8 weights;
#   Experiments/ort_int8.py), plus each one's top-1 on the 10 000 test images,
# then the kernel micro-benchmark (int GEMM and XNOR vs cblas_sgemm on ResNet-20's shapes).
# Engine images/s is measured by `bitbudget run` over the evaluation (batch 256: all 10 000
# images; batch 1: the first $B1_IMAGES images), time spent inside the engine only.
# Writes results/bench_engine_resnet20.txt (or $OUT, e.g. for a machine with other kernels).
set -euo pipefail
cd "$(dirname "$0")/.."
source Experiments/common.bash
B1_IMAGES=${B1_IMAGES:-3000}
SECONDS_PER=${SECONDS_PER:-5}
require_shared "$M" "$D/test_batch.bin" "$D/data_batch_1.bin"
build_release bitbudget kernel-bench
BIN=.build/release/bitbudget
INT8=$(mktemp --suffix=.onnx)
out=$(mktemp)
trap 'rm -f "$INT8" "$out"' EXIT
# RATIOS_FROM=LOG: skip the measurements, (re)compute only the ratios from a log this script wrote.
if [ -n "${RATIOS_FROM:-}" ]; then grep -v "^ratio " "$RATIOS_FROM" > "$out"; else
{
  echo "# command: Experiments/bench_engine.sh  ($(host_line))"
  for plan in "--uniform 8/8" "--uniform 7/8" "--uniform 4/8" "--plan Experiments/plans/resnet20_mixed.json"; do
    echo "## engine $plan"
    "$BIN" run "$M" --data "$D" $plan --threads 2 --batch 256 2>/dev/null | grep -E "^(weight bytes|engine)" | sed "s|^|batch=256 |"
    "$BIN" run "$M" --data "$D" $plan --threads 2 --batch 1 --limit "$B1_IMAGES" 2>/dev/null | grep -E "^engine" | sed "s|^|batch=1 ($B1_IMAGES images) |"
  done
  echo "## BitBudget FP32"
  "$BIN" bench "$M" --batch 1 256 --seconds "$SECONDS_PER" --threads 2
  echo "## onnxruntime FP32"
  python3 Experiments/ort_bench.py "$M" --threads 2 --batch 1 256 --seconds "$SECONDS_PER"
  python3 Experiments/ort_eval.py "$M" --data "$D" 2>/dev/null | grep "^top-1"
  echo "## onnxruntime int8 (QDQ, uint8 activations, per-channel int8 weights)"
  python3 Experiments/ort_int8.py "$M" --data "$D" --out "$INT8"
  python3 Experiments/ort_bench.py "$INT8" --threads 2 --batch 1 256 --seconds "$SECONDS_PER" --precision int8
  python3 Experiments/ort_eval.py "$INT8" --data "$D" 2>/dev/null | grep "^top-1"
  echo "## kernels (one thread, best of interleaved rounds)"
  .build/release/kernel-bench
} 2>&1 | tee "$out"
fi
num() { grep -E "$1" "$out" | head -1 | sed -E 's/.* ([0-9.]+) (img|images)\/s.*/\1/'; }
{
  for b in 256 1; do
    ort8=$(num "onnxruntime int8 batch=$b ")
    for plan in "uniform 8/8" "uniform 7/8" "uniform 4/8" "plan"; do
      e=$(grep -A4 -E "^## engine --$plan" "$out" | grep -E "^batch=$b .*engine +top-1" | sed -E 's/.* ([0-9.]+) images\/s.*/\1/')
      python3 -c "print(f'ratio engine ($plan) / onnxruntime int8, batch=$b: {$e/$ort8:.2f}')"
    done
  done
} | tee -a "$out"
OUT=${OUT:-results/bench_engine_resnet20.txt}
mkdir -p "$(dirname "$OUT")" && cp "$out" "$OUT"
