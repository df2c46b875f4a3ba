#!/usr/bin/env python3
"""Paired comparison of two ONNX classifiers on the same images (onnxruntime, CPU).

Top-1 of two models that differ by a few images says little on its own: what matters is how
many images each gets right that the other gets wrong. This prints both top-1 counts, the
discordant pairs (b: only the first model right, c: only the second right), McNemar's exact
two-sided p-value for "both models have the same accuracy" (binomial test of min(b, c) on
b + c trials at 1/2), and a 95% confidence interval for the accuracy difference
(second - first) from the paired normal approximation.

Normalisation and data reading are ort_eval.py's.

Example:
  python3 Experiments/paired_compare.py ../shared/models/resnet20_cifar10.onnx \
      /tmp/resnet20_finetuned.onnx --data ../shared/data/cifar10
"""
import argparse
import math
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ort_eval import load_dataset, normalisation  # noqa: E402


def predictions(path, images, args):
    model = onnx.load(path, load_external_data=False)
    mean, std, _ = normalisation(model, images.shape[1], args)
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    inp, out = sess.get_inputs()[0], sess.get_outputs()[0].name
    batch = inp.shape[0] if isinstance(inp.shape[0], int) else args.batch
    preds = []
    for s in range(0, images.shape[0], batch):
        x = images[s:s + batch].astype(np.float32) / 255.0
        x = (x - mean[None, :, None, None]) / std[None, :, None, None]
        preds.append(sess.run([out], {inp.name: x.astype(np.float32)})[0].reshape(x.shape[0], -1).argmax(axis=1))
    return np.concatenate(preds)


def mcnemar_exact(b, c):
    """Two-sided exact p-value: 2·P(X ≤ min(b, c)), X ~ Binomial(b + c, 1/2), capped at 1."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("first", help="reference model (e.g. the pretrained one)")
    ap.add_argument("second", help="model compared with it (e.g. the fine-tuned one)")
    ap.add_argument("--data", required=True, help="dataset directory")
    ap.add_argument("--split", choices=["test", "train"], default="test")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--mean", help="comma-separated per-channel mean (if not in metadata)")
    ap.add_argument("--std", help="comma-separated per-channel std (if not in metadata)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    images, labels, kind = load_dataset(args.data, args.split)
    n = labels.shape[0]
    r1 = predictions(args.first, images, args) == labels
    r2 = predictions(args.second, images, args) == labels
    b = int((r1 & ~r2).sum())
    c = int((~r1 & r2).sum())
    d = (c - b) / n
    se = math.sqrt(max(b + c - (c - b) ** 2 / n, 0.0)) / n
    print(f"paired: {kind} {args.split}, {n} images")
    print(f"first:  {100.0 * r1.sum() / n:.2f}% ({int(r1.sum())}/{n})  {args.first}")
    print(f"second: {100.0 * r2.sum() / n:.2f}% ({int(r2.sum())}/{n})  {args.second}")
    print(f"discordant: {b} right only in the first, {c} right only in the second; "
          f"{int((r1 & r2).sum())} right in both, {int((~r1 & ~r2).sum())} wrong in both")
    print(f"difference (second - first): {100 * d:+.2f} points, 95% CI [{100 * (d - 1.96 * se):+.2f}, "
          f"{100 * (d + 1.96 * se):+.2f}]; McNemar exact p = {mcnemar_exact(b, c):.3f}")


if __name__ == "__main__":
    main()
