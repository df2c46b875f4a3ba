#!/usr/bin/env bash
# Bad input never crashes (brief: "never a crash or a trap"): Experiments/fuzz_models.py runs
# 64 seeded mutants of each fixture model and of the shared ResNets through eval, quantize,
# run, info, search, bench and train --init. Each run must exit 0, or exit 1 with one `Error: `
# line; a signal, another status, a multi-line error or a hang fails the check. Same seed,
# same mutants: a failure replays with the command it prints (findings under .build-fuzz/).
set -euo pipefail
source "$(dirname "$0")/preamble.bash" "$@"
require_shared "$M" "$SHARED/models/resnet2b_cifar10_vnncomp.onnx"
python3 Experiments/fuzz_models.py --bin "$BIN" --count 64 --mutations 3 --seed 1 \
  Tests/Fixtures/net_engine_tiny.onnx Tests/ModelIRTests/Fixtures/net_torchvision.onnx \
  Tests/ModelIRTests/Fixtures/net_residual.onnx Tests/ModelIRTests/Fixtures/net_mobilenet_block.onnx \
  Tests/ModelIRTests/Fixtures/net_option_a.onnx Tests/ModelIRTests/Fixtures/net_fixed_batch.onnx \
  "$M" "$SHARED/models/resnet2b_cifar10_vnncomp.onnx"
