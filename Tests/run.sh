#!/usr/bin/env bash
# BitBudget's test command (the README's second set-up command; .ci/run runs exactly this).
# 1. installs the system and Python packages the tests need, 2. runs the debug unit-test suite,
# 3. builds release and runs the real-data checks against onnxruntime on ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
if ! dpkg -s libopenblas-dev zlib1g-dev dataset-fashion-mnist >/dev/null 2>&1; then
  $SUDO apt-get update -q && $SUDO apt-get install -y -q libopenblas-dev zlib1g-dev dataset-fashion-mnist
fi
python3 -c "import numpy, onnx, onnxruntime" 2>/dev/null || python3 -m pip install -q numpy onnx onnxruntime

passed=0; failed=0
step() {  # step NAME COMMAND...
  local name=$1; shift
  echo "== $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; fi
}
step "debug build" swift build --build-tests
step "unit and integration tests (debug)" swift test --skip-build
step "release build" swift build -c release
step "FP32 top-1 vs onnxruntime (full CIFAR-10 test split)" Experiments/check_fp32_vs_ort.sh .build/release/bitbudget
for f in Experiments/checks/*.sh; do
  [ -e "$f" ] && step "$(basename "$f" .sh)" "$f" .build/release/bitbudget
done
echo "checks: $passed passed, $failed failed"
[ "$failed" = 0 ]
