#!/usr/bin/env bash
# Regenerates results/search_resnet20/ALLOCATOR/BUDGET/ for ResNet-20 / CIFAR-10: the four
# allocators (dp, greedy, bsq, uniform) at 2.5, 3, 4, 5 and 6 average weight bits, with the
# plots. Defaults in force: candidates 2,3,4,5,6,8 bits (uniform symmetric, per-channel, MSE
# clipping), first/last 8-bit, 8-bit activations, KL sensitivity (the default) on 512 seeded
# training images, --refine 4 on 1000 held-out training images, statistics correction on.
# The first allocator named (dp by default) also measures --frontier-points 8 (8 frontier plans +
# the 6 uniform baselines on the 10 000 test images, for frontier.csv/.svg and the README table);
# the others run with --frontier-points 0 (their frontier.svg shows the chosen plan only), which
# keeps the whole script near an hour on 2 cores (FIRST_POINTS=0: no frontier measurements at
# all). Each allocator's log goes to results/search_resnet20/ALLOCATOR.log; the tables the
# README quotes go to results/search_resnet20/table.md (Experiments/search_table.py).
# Usage: Experiments/search_resnet20.sh [ALLOCATOR...]   (default: dp greedy bsq uniform)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
swift build -c release --product bitbudget >/dev/null
allocators=("$@")
[ ${#allocators[@]} -gt 0 ] || allocators=(dp greedy bsq uniform)
mkdir -p results/search_resnet20
points=${FIRST_POINTS:-8}
for a in "${allocators[@]}"; do
  .build/release/bitbudget search "$SHARED/models/resnet20_cifar10.onnx" --data "$SHARED/data/cifar10" \
    --budget 2.5bits,3bits,4bits,5bits,6bits --allocator "$a" --refine 4 --frontier-points $points \
    --out "results/search_resnet20/$a" | tee "results/search_resnet20/$a.log.tmp"
  mv "results/search_resnet20/$a.log.tmp" "results/search_resnet20/$a.log"
  points=0
done
grep -H "^top-1" results/search_resnet20/*.log
python3 Experiments/search_table.py results/search_resnet20 > results/search_resnet20/table.md
