#!/usr/bin/env bash
# Trains the embedded default Fashion-MNIST CNN (results/default-model/fashion_cnn.onnx).
# Run from the repository root. Deterministic: same seed and --threads give the same weights.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build-train}
swift build --scratch-path "$SCRATCH" -c release --product bitbudget >/dev/null
BB="$SCRATCH/release/bitbudget"
OUT=results/default-model
mkdir -p "$OUT"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KB" \
"$BB" train --arch vgg-tiny --epochs 6 --batch 128 --lr 0.05 --warmup 0.3 --momentum 0.9 \
    --weight-decay 5e-4 --seed 1 --val 2000 --threads 2 --log-every 100 \
    --out "$OUT/fashion_cnn.onnx" 2>&1 | tee "$OUT/train.log"
rm -f "$OUT"/fashion_cnn.ckpt.*
