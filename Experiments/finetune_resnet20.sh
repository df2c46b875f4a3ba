#!/usr/bin/env bash
# Fine-tunes the pretrained CIFAR-10 ResNet-20 for one epoch at a small learning rate
# and evaluates it before and after, with BitBudget and onnxruntime, then compares the two
# models image by image (Experiments/paired_compare.py: discordant pairs, McNemar p-value).
# Env: LR (default 0.001), WD (weight decay, default 1e-4), BN (train = batch statistics with
# running statistics updated, the default; frozen = running statistics kept, BN scale/bias
# still trained), BNM (BN momentum for the running statistics, default 0.1; 0 keeps the
# pretrained running statistics while training still normalizes with batch statistics),
# SEED (shuffling/augmentation seed, default 1), PBN (PreciseBN: re-estimate the BN running statistics
# from this many augmented training images after the epoch; default: off, or all 50 000 with SWA),
# SCHED (LR schedule: cosine, the default, or constant), NESTEROV (1, the default, or 0 for plain
# momentum), SWA (stochastic weight averaging over the epoch's steps: 1 on, default 0 off).
# Run from the repository root; needs ../shared (models + CIFAR-10).
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build-train}
SHARED=${SHARED:-../shared}
MODEL_OUT=${MODEL_OUT:-/tmp/resnet20_finetuned.onnx}   # 1 MB; not committed
LR=${LR:-0.001}
WD=${WD:-1e-4}
BN=${BN:-train}
BNM=${BNM:-0.1}
SEED=${SEED:-1}
PBN=${PBN:-}
SCHED=${SCHED:-cosine}
NESTEROV=${NESTEROV:-1}
SWA=${SWA:-0}
TAG="lr$LR"
[ "$WD" = "1e-4" ] || TAG="$TAG-wd$WD"
[ "$BN" = "train" ] || TAG="$TAG-bn$BN"
[ "$BNM" = "0.1" ] || TAG="$TAG-bnm$BNM"
[ "$SEED" = "1" ] || TAG="$TAG-seed$SEED"
[ -z "$PBN" ] || TAG="$TAG-pbn$PBN"
[ "$SCHED" = "cosine" ] || TAG="$TAG-$SCHED"
[ "$NESTEROV" = "1" ] || TAG="$TAG-plainmomentum"
[ "$SWA" = "0" ] || TAG="$TAG-swa"
EXTRA=()
[ -z "$PBN" ] || EXTRA+=(--precise-bn "$PBN")
[ "$NESTEROV" = "1" ] || EXTRA+=(--no-nesterov)
[ "$SWA" = "0" ] || EXTRA+=(--swa-epochs 1)
[ -n "${SKIP_BUILD:-}" ] || swift build --scratch-path "$SCRATCH" -c release --product bitbudget >/dev/null
BB="$SCRATCH/release/bitbudget"
OUT=results/finetune-resnet20
mkdir -p "$OUT"
{
echo "== before: bitbudget eval (lr $LR $SCHED, nesterov $NESTEROV, weight decay $WD, bn $BN, swa $SWA)"
"$BB" eval "$SHARED/models/resnet20_cifar10.onnx" --data "$SHARED/data/cifar10" --threads 2
echo "== fine-tune"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M KB" \
"$BB" train --init "$SHARED/models/resnet20_cifar10.onnx" --data "$SHARED/data/cifar10" \
    --epochs 1 --batch 128 --lr "$LR" --schedule "$SCHED" --momentum 0.9 --weight-decay "$WD" --bn "$BN" --bn-momentum "$BNM" \
    --augment --pad 4 --seed "$SEED" "${EXTRA[@]}" --threads 2 --log-every 50 --no-test --out "$MODEL_OUT"
rm -f "${MODEL_OUT%.onnx}".ckpt.*
echo "== after: bitbudget eval"
"$BB" eval "$MODEL_OUT" --data "$SHARED/data/cifar10" --threads 2
echo "== after: onnxruntime"
python3 Experiments/ort_eval.py "$MODEL_OUT" --data "$SHARED/data/cifar10" --split test
echo "== pretrained vs fine-tuned, image by image (onnxruntime)"
python3 Experiments/paired_compare.py "$SHARED/models/resnet20_cifar10.onnx" "$MODEL_OUT" --data "$SHARED/data/cifar10"
} 2>&1 | tee "$OUT/finetune_$TAG.log"
