#!/usr/bin/env python3
"""Reference evaluation of an ONNX classifier with onnxruntime (CPU).

Reads CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin) or
Fashion-MNIST / MNIST IDX files (optionally gzip'd), normalises each image as
(pixel/255 - mean) / std and reports top-1, top-5 and mean cross-entropy.

mean/std come from, in order: the model's metadata_props "mean"/"std"
(comma-separated), --mean/--std, or defaults (CIFAR-10 statistics for
3-channel data, 0/1 for 1-channel data).

A model whose input batch dimension is a fixed 1 is run one image at a time.

Example:
  python3 Experiments/ort_eval.py ../shared/models/resnet20_cifar10.onnx \
      --data ../shared/data/cifar10 --split test
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2471, 0.2435, 0.2616)


def _open_maybe_gz(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def _find(directory, stem):
    for name in (stem, stem + ".gz"):
        p = os.path.join(directory, name)
        if os.path.exists(p):
            return p
    return None


def read_idx(path):
    with _open_maybe_gz(path) as f:
        buf = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", buf[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, buf[4:4 + 4 * ndim])
    data = np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def load_dataset(directory, split):
    """Returns (images uint8 [N,C,H,W], labels int64 [N], kind)."""
    cifar_test = os.path.join(directory, "test_batch.bin")
    cifar_train = [os.path.join(directory, f"data_batch_{i}.bin") for i in range(1, 6)]
    if os.path.exists(cifar_test) or os.path.exists(cifar_train[0]):
        files = [cifar_test] if split == "test" else cifar_train
        recs = []
        for p in files:
            raw = np.fromfile(p, dtype=np.uint8)
            if raw.size % 3073:
                raise ValueError(f"{p}: size {raw.size} is not a multiple of 3073")
            recs.append(raw.reshape(-1, 3073))
        recs = np.concatenate(recs)
        return recs[:, 1:].reshape(-1, 3, 32, 32), recs[:, 0].astype(np.int64), "cifar10"
    prefix = "t10k" if split == "test" else "train"
    img = _find(directory, f"{prefix}-images-idx3-ubyte")
    lab = _find(directory, f"{prefix}-labels-idx1-ubyte")
    if img and lab:
        images = read_idx(img)
        labels = read_idx(lab).astype(np.int64)
        return images[:, None, :, :], labels, "idx"
    raise FileNotFoundError(f"{directory}: no CIFAR-10 .bin or IDX {prefix}-* files found")


def parse_floats(text):
    return tuple(float(x) for x in text.split(",") if x.strip())


def normalisation(model, channels, args):
    meta = {p.key: p.value for p in model.metadata_props}
    if "mean" in meta and "std" in meta:
        mean, std, src = parse_floats(meta["mean"]), parse_floats(meta["std"]), "model metadata"
    elif args.mean and args.std:
        mean, std, src = parse_floats(args.mean), parse_floats(args.std), "command line"
    elif channels == 3:
        mean, std, src = CIFAR_MEAN, CIFAR_STD, "CIFAR-10 defaults"
    else:
        mean, std, src = (0.0,) * channels, (1.0,) * channels, "identity defaults"
    if len(mean) == 1:
        mean = mean * channels
    if len(std) == 1:
        std = std * channels
    if len(mean) != channels or len(std) != channels:
        raise ValueError(f"mean/std have {len(mean)}/{len(std)} values for {channels} channels")
    return np.array(mean, np.float32), np.array(std, np.float32), src


def log_softmax(z):
    z = z.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--data", required=True, help="dataset directory")
    ap.add_argument("--split", choices=["test", "train"], default="test")
    ap.add_argument("--limit", type=int, default=0, help="evaluate only the first N images")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--mean", help="comma-separated per-channel mean (if not in metadata)")
    ap.add_argument("--std", help="comma-separated per-channel std (if not in metadata)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dump-logits", metavar="FILE.npy", help="save the [N, classes] logits")
    args = ap.parse_args(argv)

    model = onnx.load(args.model, load_external_data=False)
    images, labels, kind = load_dataset(args.data, args.split)
    if args.limit > 0:
        images, labels = images[:args.limit], labels[:args.limit]
    n, c = images.shape[0], images.shape[1]
    mean, std, src = normalisation(model, c, args)

    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    out_name = sess.get_outputs()[0].name
    lead = inp.shape[0] if inp.shape else None
    batch = args.batch
    if isinstance(lead, int):
        batch = lead  # fixed batch dimension (e.g. 1): run that many at a time
    if n % batch and isinstance(lead, int):
        raise ValueError(f"{n} images do not divide into the fixed batch {batch}")

    print(f"model: {args.model}", file=sys.stderr)
    print(f"data: {kind} {args.split} ({n} images, {c} channel(s)); mean={mean.tolist()} "
          f"std={std.tolist()} from {src}; input {inp.name} {inp.shape}; batch {batch}",
          file=sys.stderr)

    t0 = time.perf_counter()
    chunks = []
    for s in range(0, n, batch):
        x = images[s:s + batch].astype(np.float32) / 255.0
        x = (x - mean[None, :, None, None]) / std[None, :, None, None]
        chunks.append(sess.run([out_name], {inp.name: x.astype(np.float32)})[0].reshape(x.shape[0], -1))
    logits = np.concatenate(chunks)
    dt = time.perf_counter() - t0

    top1 = int((logits.argmax(axis=1) == labels).sum())
    k = min(5, logits.shape[1])
    topk = np.argsort(-logits, axis=1, kind="stable")[:, :k]
    top5 = int((topk == labels[:, None]).any(axis=1).sum())
    ce = float(-log_softmax(logits)[np.arange(n), labels].mean())

    print(f"top-1: {100.0 * top1 / n:.2f}% ({top1}/{n})")
    print(f"top-5: {100.0 * top5 / n:.2f}% ({top5}/{n})")
    print(f"mean cross-entropy: {ce:.4f}")
    print(f"time: {dt:.2f} s ({n / dt:.1f} img/s)", file=sys.stderr)
    if args.dump_logits:
        np.save(args.dump_logits, logits.astype(np.float32))
        print(f"logits written to {args.dump_logits} {logits.shape}", file=sys.stderr)


if __name__ == "__main__":
    main()
