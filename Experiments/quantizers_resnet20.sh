#!/usr/bin/env bash
# Regenerates results/quantizers_resnet20.csv: each weight quantizer × bits (activations float
# and 8-bit), per-channel, MSE clipping for the uniform kinds, first/last layers 8-bit,
# statistics correction on, 512 seeded calibration images from the training split, top-1 on
# the 10 000 CIFAR-10 test images. Also renders the Markdown table the README quotes
# (results/quantizers_resnet20.md).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product quantizer-sweep >/dev/null
mkdir -p results
.build/release/quantizer-sweep ../shared/models/resnet20_cifar10.onnx ../shared/data/cifar10 results/quantizers_resnet20.csv "$@"
python3 Experiments/quantizer_table.py results/quantizers_resnet20.csv > results/quantizers_resnet20.md.tmp
mv results/quantizers_resnet20.md.tmp results/quantizers_resnet20.md
