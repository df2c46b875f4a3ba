#!/usr/bin/env python3
"""Checks an ONNX file written by BitBudget's exporter with the onnx checker and onnxruntime.

  python3 Experiments/check_export_ort.py results/default-model/fashion_cnn.onnx \
      [--data /usr/share/datasets/fashion-mnist]

Prints the opset, metadata and initializer storage, validates the model (full shape
inference), runs a batch of 8 inputs through onnxruntime and checks that batch 1 and batch 8
give the same logits. With --data it also runs Experiments/ort_eval.py on the test split, so
the top-1 can be compared with `bitbudget eval` on the same file.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--data")
    args = ap.parse_args()
    m = onnx.load(args.model)
    onnx.checker.check_model(m, full_check=True)
    meta = {p.key: p.value for p in m.metadata_props}
    print("opset:", [(o.domain or "ai.onnx", o.version) for o in m.opset_import])
    print("metadata:", meta)
    raw = sum(1 for t in m.graph.initializer if t.raw_data)
    print(f"initializers: {len(m.graph.initializer)} ({raw} as raw_data)")
    sess = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    shape = [8] + [d if isinstance(d, int) else 1 for d in inp.shape[1:]]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y8 = sess.run(None, {inp.name: x})[0]
    y1 = np.concatenate([sess.run(None, {inp.name: x[i:i + 1]})[0] for i in range(8)])
    assert np.all(np.isfinite(y8)), "non-finite logits"
    print(f"onnxruntime: output {y8.shape}, batch-1 vs batch-8 max |diff| {np.abs(y8 - y1).max():.2e}")
    if args.data:
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run([sys.executable, os.path.join(here, "ort_eval.py"), args.model, "--data", args.data], check=True)
    print("OK")


if __name__ == "__main__":
    main()
