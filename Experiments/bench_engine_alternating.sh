#!/usr/bin/env bash
# Engine vs onnxruntime int8 at batch 256, in ROUNDS alternating rounds (default 3): each round
# times onnxruntime's int8 model (Experiments/ort_int8.py: QDQ, uint8 activations, per-channel
# int8 weights) and then every engine plan with `bitbudget bench --seconds $SECONDS_PER`, so a
# slow spell of the shared machine hits both sides of a ratio. 8/8 is also run with
# BITBUDGET_WINOGRAD=0 (the direct channels-last tiles) for the Winograd A/B.
# Prints each round's images/s and ratios, then the median ratio per plan.
# Writes results/bench_engine_alternating.txt (or $OUT). Needs the release `bitbudget` (SKIP_BUILD=1 to
# use the one already built) and `pip install onnx onnxruntime`.
set -euo pipefail
cd "$(dirname "$0")/.."
source Experiments/common.bash
ROUNDS=${ROUNDS:-3}
SECONDS_PER=${SECONDS_PER:-5}
require_shared "$M" "$D/test_batch.bin" "$D/data_batch_1.bin"
build_release bitbudget
BIN=.build/release/bitbudget
INT8=$(mktemp --suffix=.onnx)
out=$(mktemp)
trap 'rm -f "$INT8" "$out"' EXIT
python3 Experiments/ort_int8.py "$M" --data "$D" --out "$INT8" >/dev/null
plans=("--uniform 8/8" "--uniform 7/8" "--uniform 4/8" "--plan Experiments/plans/resnet20_mixed.json")
{
  echo "# command: Experiments/bench_engine_alternating.sh  (ROUNDS=$ROUNDS SECONDS_PER=$SECONDS_PER; $(host_line))"
  for r in $(seq 1 "$ROUNDS"); do
    echo "round $r onnxruntime-int8 $(python3 Experiments/ort_bench.py "$INT8" --threads 2 --batch 256 --seconds "$SECONDS_PER" --precision int8 | sed -E 's/.* ([0-9.]+) img\/s.*/\1/')"
    for p in "${plans[@]}"; do
      v=$("$BIN" bench "$M" --data "$D" $p --batch 256 --seconds "$SECONDS_PER" --threads 2 2>/dev/null | grep "img/s" | sed -E 's/.*: ([0-9.]+) img\/s.*/\1/')
      echo "round $r engine${p// /_} $v"
    done
    v=$(BITBUDGET_WINOGRAD=0 "$BIN" bench "$M" --data "$D" --uniform 8/8 --batch 256 --seconds "$SECONDS_PER" --threads 2 2>/dev/null | grep "img/s" | sed -E 's/.*: ([0-9.]+) img\/s.*/\1/')
    echo "round $r engine--uniform_8/8_(BITBUDGET_WINOGRAD=0) $v"
  done
} | tee "$out"
python3 - "$out" <<'PY' | tee -a "$out"
import collections, statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.startswith("round ")]
ort = {r[1]: float(r[3]) for r in rows if r[2] == "onnxruntime-int8"}
ratios = collections.defaultdict(list)
for r in rows:
    if r[2] != "onnxruntime-int8":
        ratios[r[2]].append(float(r[3]) / ort[r[1]])
for name, v in ratios.items():
    print(f"ratio {name} / onnxruntime int8, batch=256: rounds {' '.join(f'{x:.2f}' for x in v)}; median {statistics.median(v):.2f}")
PY
OUT=${OUT:-results/bench_engine_alternating.txt}
mkdir -p "$(dirname "$OUT")" && cp "$out" "$OUT"
