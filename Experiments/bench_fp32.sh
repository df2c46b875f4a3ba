#!/usr/bin/env bash
# One run, release mode, 2 threads: BitBudget FP32 vs onnxruntime FP32 images/s on ResNet-20
# at batch 1 and 256, and their ratio. Writes results/bench_fp32_resnet20.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
source Experiments/common.bash
MODEL=${MODEL:-$M}
SECONDS_PER=${SECONDS_PER:-5}
require_shared "$MODEL"
build_release bitbudget
out=$(mktemp)
{
  echo "# command: Experiments/bench_fp32.sh  ($(host_line))"
  .build/release/bitbudget bench "$MODEL" --batch 1 256 --seconds "$SECONDS_PER" --threads 2
  python3 Experiments/ort_bench.py "$MODEL" --threads 2 --batch 1 256 --seconds "$SECONDS_PER"
} | tee "$out"
for b in 1 256; do
  bb=$(grep "bitbudget fp32 batch=$b " "$out" | sed -E 's/.*: ([0-9.]+) img.*/\1/')
  ort=$(grep "onnxruntime fp32 batch=$b " "$out" | sed -E 's/.*: ([0-9.]+) img.*/\1/')
  python3 -c "print(f'ratio bitbudget/onnxruntime batch=$b: {$bb/$ort:.2f}')" | tee -a "$out"
done
mkdir -p results && mv "$out" results/bench_fp32_resnet20.txt
