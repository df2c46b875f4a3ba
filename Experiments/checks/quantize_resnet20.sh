#!/usr/bin/env bash
# Issue acceptance (quantizer/simulation): ResNet-20 on the full CIFAR-10 test set.
#  - 8-bit per-channel weights / 8-bit activations: top-1 drop ≤ 0.3 points vs float;
#  - uniform 3-bit per-channel weights (first/last 8-bit, 8-bit activations) with statistics
#    correction: ≥ 88.0%.
set -euo pipefail
source "$(dirname "$0")/preamble.bash" "$@"
require_shared "$M" "$D/test_batch.bin" "$D/data_batch_1.bin"
run() { "$BIN" quantize "$M" --data "$SHARED/data/cifar10" "$@"; }
out8=$(run --uniform 8/8); echo "$out8" | grep -E "^(float|quantized|corrected) "
out3=$(run --uniform 3/8); echo "$out3" | grep -E "^(float|quantized|corrected) "
python3 - "$out8" "$out3" <<'PY'
import re, sys
def pct(text, tag):
    return float(re.search(rf"^{tag}\s+top-1: ([0-9.]+)%", text, re.M).group(1))
o8, o3 = sys.argv[1], sys.argv[2]
drop8 = pct(o8, "float") - pct(o8, "corrected")
acc3 = pct(o3, "corrected")
print(f"8/8 drop {drop8:.2f} pts (limit 0.30); 3-bit corrected {acc3:.2f}% (need ≥ 88.0)")
sys.exit(0 if drop8 <= 0.30 and acc3 >= 88.0 else 1)
PY
