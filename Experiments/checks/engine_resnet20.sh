#!/usr/bin/env bash
# Issue acceptance (integer engine, #6): ResNet-20 on the full CIFAR-10 test set, uniform 8/8,
# 7/8 and 4/8 (first/last 8-bit, statistics correction) on `bitbudget run --parity` (8/8 and 7/8
# take the integer Winograd tiles for the 3x3 stride-1 layers, 4/8 the direct ones):
#  - at most 2 of 10 000 images' predictions differ between the engine and the simulator's
#    engine-parity mode;
#  - the engine's packed weight bytes equal the predicted (PackedSize) bytes;
#  - the run took the path it is meant to check (`--profile` names it per step): at the AVX2
#    kernel level the 16 3x3 stride-1 convolutions on the integer Winograd tiles for 8/8 and 7/8,
#    none for 4/8.
set -euo pipefail
source "$(dirname "$0")/preamble.bash" "$@"
require_shared "$M" "$D/test_batch.bin" "$D/data_batch_1.bin"
status=0
for u in 8/8 7/8 4/8; do
  out=$("$BIN" run "$M" --data "$SHARED/data/cifar10" --uniform "$u" --parity --profile)
  echo "$out" | grep -E "^(weight bytes|engine|simulator|parity|top-1)" | sed "s|^|$u  |"
  python3 - "$out" "$u" <<'PY' || status=1
import re, sys
out, u = sys.argv[1], sys.argv[2]
differ = int(re.search(r"^parity: (\d+) of (\d+) images", out, re.M).group(1))
eng, pred = map(int, re.search(r"^weight bytes: (\d+) packed by the engine, (\d+) predicted", out, re.M).groups())
# the AVX2 kernel level takes the Winograd tiles for 8- and 7-bit weights (other levels never)
level = re.search(r"kernels: (\w+)", out).group(1)
wino, want = len(re.findall(r", winograd ", out)), (16 if u in ("8/8", "7/8") and level == "avx2" else 0)
ok = differ <= 2 and eng == pred and wino == want
print(f"{u}: {differ} differing images (limit 2), engine bytes {eng} vs predicted {pred}, "
      f"{wino} Winograd convolutions (want {want}): {'ok' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
done
exit $status
