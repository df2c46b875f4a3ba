#!/usr/bin/env python3
"""Quantizes an ONNX classifier with onnxruntime's fastest int8 CPU configuration.

The peer BitBudget's integer engine is compared against (issue: integer engine):
  1. `quant_pre_process` (symbolic shape inference + ORT graph optimisation, which folds
     BatchNorm into the convolutions);
  2. `quantize_static` in QDQ format, uint8 activations, per-channel int8 weights
     (with signed activations onnxruntime leaves half the convolutions in float), MinMax
     calibration on --calib seeded training images, normalized like `ort_eval.py`.

Writes the quantized model to --out; then `ort_eval.py` measures its accuracy and
`ort_bench.py --precision int8` its speed.

Example:
  python3 Experiments/ort_int8.py ../shared/models/resnet20_cifar10.onnx \
      --data ../shared/data/cifar10 --out /tmp/resnet20_int8.onnx
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ort_eval import load_dataset, normalisation  # noqa: E402


class Reader(CalibrationDataReader):
    def __init__(self, name, batches):
        self.name, self.it = name, iter(batches)

    def get_next(self):
        x = next(self.it, None)
        return None if x is None else {self.name: x}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--data", required=True, help="dataset directory (training split used)")
    ap.add_argument("--calib", type=int, default=512, help="calibration images (seeded draw)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--mean")
    ap.add_argument("--std")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    model = onnx.load(args.model, load_external_data=False)
    images, _, _ = load_dataset(args.data, "train")
    pick = np.random.default_rng(args.seed).permutation(images.shape[0])[:args.calib]
    mean, std, _ = normalisation(model, images.shape[1], args)
    x = images[pick].astype(np.float32) / 255.0
    x = ((x - mean[None, :, None, None]) / std[None, :, None, None]).astype(np.float32)
    batches = [x[s:s + args.batch] for s in range(0, x.shape[0], args.batch)]

    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(args.model, pre, skip_symbolic_shape=False)
        name = onnx.load(pre).graph.input[0].name
        tmp_out = args.out + ".tmp"
        quantize_static(pre, tmp_out, Reader(name, batches), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        per_channel=True)
        # Keep the normalization metadata so ort_eval.py normalizes like the float model.
        q = onnx.load(tmp_out)
        keep = {p.key for p in q.metadata_props}
        for p in model.metadata_props:
            if p.key not in keep:
                q.metadata_props.add(key=p.key, value=p.value)
        onnx.save(q, tmp_out)
        os.replace(tmp_out, args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes): QDQ, uint8 activations, "
          f"per-channel int8 weights, {x.shape[0]} calibration images", file=sys.stderr)


if __name__ == "__main__":
    main()
