#!/usr/bin/env bash
# The integer engine on ResNet-20 / CIFAR-10 (all 10 000 test images, release build):
# uniform 8/8, 7/8, 4/8 and the committed mixed plan (Experiments/plans/resnet20_mixed.json,
# from `bitbudget search --budget 3bits`), each with --parity (engine vs the simulator's
# engine-parity mode) and --profile. Writes results/engine_resnet20/engine_resnet20.log.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/bitbudget}
SHARED=${SHARED:-../shared}
M="$SHARED/models/resnet20_cifar10.onnx"
D="$SHARED/data/cifar10"
OUT=results/engine_resnet20
mkdir -p "$OUT"
LOG="$OUT/engine_resnet20.log"
{
  echo "# $(date -u +%FT%TZ)  $(git rev-parse --short HEAD)  $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
  for args in "--uniform 8/8" "--uniform 7/8" "--uniform 4/8" "--plan Experiments/plans/resnet20_mixed.json"; do
    echo "## bitbudget run resnet20_cifar10.onnx --data cifar10 $args --parity --profile"
    /usr/bin/time -f "wall %e s" "$BIN" run "$M" --data "$D" $args --parity --profile --threads 2 2>&1
  done
} | tee "$LOG"
