#!/usr/bin/env bash
# Training throughput (images/s, forward + backward + SGD step) of the default Fashion-MNIST
# CNN and of ResNet-20 on CIFAR-10, one short epoch each at the given thread count.
# Usage: Experiments/train_bench.sh [threads]   (run from the repository root)
# Writes results/train-bench/bench_<threads>threads.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
source Experiments/common.bash
THREADS=${1:-2}
SCRATCH=${SCRATCH:-.build-train}
[ -n "${SKIP_BUILD:-}" ] || swift build --scratch-path "$SCRATCH" -c release --product bitbudget >/dev/null
BB="$SCRATCH/release/bitbudget"
out=$(mktemp)
trap 'rm -f "$out" /tmp/bench_default.* /tmp/bench_r20.*' EXIT
{
echo "# command: Experiments/train_bench.sh $THREADS  ($(host_line))"
echo -n "vgg-tiny (default model), Fashion-MNIST 28x28, batch 128, 10240 images: "
"$BB" train --arch vgg-tiny --epochs 1 --limit 10240 --log-every 0 --no-test --threads "$THREADS" \
    --out /tmp/bench_default.onnx | grep -o '[0-9]* img/s' | tail -1
if [ -f "$SHARED/models/resnet20_cifar10.onnx" ]; then
  echo -n "ResNet-20 (fine-tune), CIFAR-10 32x32, batch 128, 2560 images: "
  "$BB" train --init "$SHARED/models/resnet20_cifar10.onnx" --data "$SHARED/data/cifar10" --lr 0.001 \
      --epochs 1 --limit 2560 --log-every 0 --no-test --threads "$THREADS" --out /tmp/bench_r20.onnx \
      | grep -o '[0-9]* img/s' | tail -1
else
  echo "ResNet-20: skipped, $SHARED/models/resnet20_cifar10.onnx is missing"
fi
} | tee "$out"
mkdir -p results/train-bench && mv "$out" "results/train-bench/bench_${THREADS}threads.txt"
