#!/usr/bin/env bash
# A/B timing of the 1000-image ResNet-20 sensitivity analysis (as bench_sensitivity.sh: every
# searched layer × {2,3,4,5,6,8} bits, KL, statistics correction, 2 threads) for two release
# binaries, run alternately ROUNDS times so both see the same machine load. Prints each run's
# `sensitivity analysis:` line; the caller redirects to results/.
#   Experiments/bench_sensitivity_ab.sh A_LABEL A_BINARY B_LABEL B_BINARY [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
source Experiments/common.bash
[ $# -ge 4 ] || { echo "usage: $0 A_LABEL A_BINARY B_LABEL B_BINARY [ROUNDS]" >&2; exit 2; }
ROUNDS=${5:-3}
require_shared "$M" "$D/test_batch.bin" "$D/data_batch_1.bin"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# command: Experiments/bench_sensitivity_ab.sh $* ($(host_line))"
for ((r = 1; r <= ROUNDS; r++)); do
  for side in A B; do
    if [ $side = A ]; then label=$1 bin=$2; else label=$3 bin=$4; fi
    t=$("$bin" search "$M" --data "$D" --budget 3bits --bits 2,3,4,5,6,8 --metric kl --calib 1000 \
        --limit 100 --threads 2 --refine 0 --frontier-points 0 --no-engine --out "$tmp/$side" | grep "^sensitivity analysis")
    echo "round $r  $label: $t   ($(uptime | sed 's/.*load/load/'))"
  done
done
