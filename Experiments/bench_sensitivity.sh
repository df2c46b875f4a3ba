#!/usr/bin/env bash
# Sensitivity-analysis timing, release build: ResNet-20 / CIFAR-10, every searched layer × 6
# bit-widths {2,3,4,5,6,8}, metric $METRIC (default kl, search's default), statistics correction on, 2 threads — the old full-pass
# path (--exact-reference) vs the float-prefix reuse path, plus the largest |Δ|/|score| between
# their sensitivity.csv files. Writes results/bench_sensitivity.txt.
#   CALIB=1000 (new path)  EXACT_CALIB=1000 (old path; 0 skips it)  CHUNK=128  METRIC=kl
#   REPEAT=1 (runs of the new path at CALIB, one after another: the spread between runs of the
#   same binary on this VM is ±10%, so one number alone says little)
set -euo pipefail
cd "$(dirname "$0")/.."
source Experiments/common.bash
CALIB=${CALIB:-1000}; EXACT_CALIB=${EXACT_CALIB:-$CALIB}; CHUNK=${CHUNK:-128}; METRIC=${METRIC:-kl}; REPEAT=${REPEAT:-1}
require_shared "$M" "$D/test_batch.bin" "$D/data_batch_1.bin"
build_release bitbudget
BIN=.build/release/bitbudget
tmp=$(mktemp -d)
out=$tmp/report.txt
run() {  # label calib extra-args...
  local label=$1 calib=$2; shift 2
  local dir=$tmp/$label-$calib
  echo "# $label, --calib $calib: uptime before: $(uptime | sed 's/.*load/load/')"
  local cmd=("$BIN" search "$M" --data "$D" --budget 3bits --bits 2,3,4,5,6,8 --metric "$METRIC"
             --calib "$calib" --limit 100 --threads 2 --sensitivity-chunk "$CHUNK" --out "$dir" "$@")
  echo "\$ ${cmd[*]}"
  "${cmd[@]}" | grep -E "^(sensitivity|top-1)"
}
{
  echo "# command: Experiments/bench_sensitivity.sh CALIB=$CALIB EXACT_CALIB=$EXACT_CALIB CHUNK=$CHUNK METRIC=$METRIC REPEAT=$REPEAT ($(host_line))"
  for ((k = 1; k <= REPEAT; k++)); do run new "$CALIB"; done
  if [ "$EXACT_CALIB" != 0 ]; then
    [ "$EXACT_CALIB" != "$CALIB" ] && run new "$EXACT_CALIB"
    run exact "$EXACT_CALIB" --exact-reference
    python3 - "$tmp/new-$EXACT_CALIB/sensitivity.csv" "$tmp/exact-$EXACT_CALIB/sensitivity.csv" <<'PY'
import csv, sys
a, b = (list(csv.reader(open(p))) for p in sys.argv[1:3])
worst = 0.0
for ra, rb in zip(a[1:], b[1:]):
    for x, y in zip(ra[4:], rb[4:]):
        x, y = float(x), float(y)
        worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-300))
print(f"largest relative difference new vs exact sensitivity.csv: {worst:.3g}")
PY
  fi
  echo "# uptime after: $(uptime | sed 's/.*load/load/')"
} | tee "$out"
mkdir -p results && mv "$out" results/bench_sensitivity.txt
