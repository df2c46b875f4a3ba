#!/usr/bin/env python3
"""Structured fuzzing of BitBudget's model import and execution, from the command line.

Takes valid ONNX models, applies one or more seeded semantic mutations to each copy (attribute
values set to 0 / negative / huge / NaN, attributes, inputs, initializers or nodes dropped,
tensor dims or data types changed so they disagree with the bytes, weights set to NaN, ±Inf or
huge values, integer constants such as pads and slice bounds set to extremes, graph shapes
changed, nodes reordered into a cycle or outputs renamed), writes it, and runs a `bitbudget` command on it
(`eval`, `quantize --uniform 4/8`, `run --uniform 8/8 --parity`, `info`, `search`, `bench` and
`train --init`, rotating).

A run must end in one of two ways: exit 0, or exit 1 with exactly one `Error: ` line on
stderr. Anything else is a finding: a signal (a Swift trap or a crash), another exit status,
several lines of error output, or no end within the time limit. One-line errors that do not
name the model file are counted and shown, not failed: some are not about the file (a
training run that diverges on garbage weights, a budget below what the model allows). Findings are
copied to --keep (model + command + output) so each can be replayed by hand.

Example (64 mutants of each model, seed 1):
  python3 Experiments/fuzz_models.py --bin .build/release/bitbudget --count 64 --seed 1 \
      Tests/Fixtures/net_engine_tiny.onnx Tests/ModelIRTests/Fixtures/net_torchvision.onnx
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.numpy_helper
from onnx import TensorProto

INTERESTING = [-(2 ** 31), -7, -1, 0, 1, 2, 3, 5, 64, 65536, 2 ** 31 - 1]
FLOATS = [float("nan"), float("inf"), -1.0, 0.0, 1e30, -1e-30]


def mutate(model, rng):
    """Applies one random mutation in place; returns a short description."""
    try:
        return _mutate(model, rng)
    except ValueError as e:  # an earlier mutation left a tensor numpy cannot read
        return f"not applicable ({e})"


def _mutate(model, rng):
    g = model.graph
    kind = rng.choice(["attr-int", "attr-ints", "attr-float", "attr-drop", "input-drop", "input-rename",
                       "init-dims", "init-type", "init-drop", "init-truncate", "init-value", "graph-shape",
                       "node-drop", "node-swap", "output-rename", "node-dup-output", "opset"])
    nodes = list(g.node)
    if kind.startswith("attr") and nodes:
        n = rng.choice(nodes)
        if not n.attribute:
            return f"{n.name or n.op_type}: no attribute to mutate"
        a = rng.choice(list(n.attribute))
        if kind == "attr-drop":
            n.attribute.remove(a)
            return f"{n.op_type} drop attribute {a.name}"
        if a.type == onnx.AttributeProto.INT:
            a.i = rng.choice(INTERESTING)
            return f"{n.op_type}.{a.name} = {a.i}"
        if a.type == onnx.AttributeProto.INTS and len(a.ints):
            k = rng.randrange(len(a.ints))
            a.ints[k] = rng.choice(INTERESTING)
            if rng.random() < 0.3:
                a.ints.append(rng.choice(INTERESTING))
            return f"{n.op_type}.{a.name} = {list(a.ints)}"
        if a.type == onnx.AttributeProto.FLOAT:
            a.f = rng.choice(FLOATS)
            return f"{n.op_type}.{a.name} = {a.f}"
        return f"{n.op_type}.{a.name}: left as is"
    if kind == "input-drop" and nodes:
        n = rng.choice(nodes)
        if n.input:
            del n.input[rng.randrange(len(n.input))]
        return f"{n.op_type} drop an input"
    if kind == "input-rename" and nodes:
        n = rng.choice(nodes)
        if n.input:
            n.input[rng.randrange(len(n.input))] = rng.choice(["", "nowhere"] + [o for m in nodes for o in m.output])
        return f"{n.op_type} inputs -> {list(n.input)}"
    inits = list(g.initializer)
    if kind.startswith("init") and inits:
        t = rng.choice(inits)
        if kind == "init-dims" and len(t.dims):
            t.dims[rng.randrange(len(t.dims))] = rng.choice([0, 1, 2, 3, 1000, -1])
            return f"initializer {t.name} dims {list(t.dims)}"
        if kind == "init-type":
            t.data_type = rng.choice([TensorProto.INT8, TensorProto.INT64, TensorProto.DOUBLE, TensorProto.FLOAT16,
                                      TensorProto.STRING, 0, 99])
            return f"initializer {t.name} type {t.data_type}"
        if kind == "init-value" and t.data_type in (TensorProto.INT64, TensorProto.INT32):
            a = onnx.numpy_helper.to_array(t).copy()
            if a.size:
                big = [2 ** 62, -(2 ** 62), 2 ** 63 - 1, -(2 ** 63)] if a.dtype == np.int64 else [2 ** 31 - 1, -(2 ** 31)]
                a.flat[rng.randrange(a.size)] = rng.choice(INTERESTING[1:-1] + big)
                t.CopyFrom(onnx.numpy_helper.from_array(a, t.name))
            return f"initializer {t.name} = {a.tolist()}"
        if kind == "init-value" and t.data_type == TensorProto.FLOAT:
            a = onnx.numpy_helper.to_array(t).copy()
            if a.size:
                v = rng.choice(FLOATS + [3e38, -3e38])
                if rng.random() < 0.5:
                    a.flat[rng.randrange(a.size)] = v
                else:
                    with np.errstate(over="ignore"):
                        a = (a * np.float32(rng.choice([1e30, -1e20, 0.0]))).astype(np.float32)
                t.CopyFrom(onnx.numpy_helper.from_array(a.astype(np.float32), t.name))
            return f"initializer {t.name} values changed"
        if kind == "init-truncate" and t.raw_data:
            t.raw_data = t.raw_data[: rng.randrange(len(t.raw_data))]
            return f"initializer {t.name} raw_data cut to {len(t.raw_data)} bytes"
        g.initializer.remove(t)
        return f"drop initializer {t.name}"
    if kind == "graph-shape" and g.input:
        dims = g.input[0].type.tensor_type.shape.dim
        if len(dims):
            d = dims[rng.randrange(len(dims))]
            d.dim_value = rng.choice([0, 1, 2, 5, 7, 1000])
        return "graph input dims " + str([d.dim_value or d.dim_param for d in dims])
    if kind == "node-drop" and nodes:
        n = rng.choice(nodes)
        g.node.remove(n)
        return f"drop node {n.name or n.op_type}"
    if kind == "node-swap" and len(nodes) > 1:
        i, j = rng.sample(range(len(nodes)), 2)
        a, b = onnx.NodeProto(), onnx.NodeProto()
        a.CopyFrom(g.node[i]); b.CopyFrom(g.node[j])
        g.node[i].CopyFrom(b); g.node[j].CopyFrom(a)
        return f"swap nodes {i} and {j}"
    if kind == "output-rename" and g.output:
        g.output[0].name = rng.choice(["nowhere", g.input[0].name if g.input else "x"])
        return f"graph output -> {g.output[0].name}"
    if kind == "node-dup-output" and len(nodes) > 1:
        a, b = rng.sample(nodes, 2)
        if a.output and b.output:
            b.output[0] = a.output[0]
        return f"{b.op_type} output renamed to {a.op_type}'s"
    if kind == "opset" and model.opset_import:
        model.opset_import[0].version = rng.choice([1, 6, 7, 9, 11, 13, 99])
        return f"opset {model.opset_import[0].version}"
    return f"{kind}: not applicable"


def write_npy_dataset(directory, channels, height, width, n=8):
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        np.save(os.path.join(directory, f"{split}_images.npy"),
                rng.integers(0, 256, size=(n, channels, height, width), dtype=np.uint8))
        np.save(os.path.join(directory, f"{split}_labels.npy"), rng.integers(0, 2, size=n).astype(np.int64))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--bin", default=".build/release/bitbudget")
    ap.add_argument("--count", type=int, default=64, help="mutants per model")
    ap.add_argument("--mutations", type=int, default=2, help="at most this many mutations per mutant")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--keep", default=".build-fuzz/findings", help="where findings are copied")
    args = ap.parse_args(argv)

    work = tempfile.mkdtemp(prefix="bitbudget-fuzz-")
    out = os.path.join(work, "out")
    commands = [["eval"], ["quantize", "--uniform", "4/8", "--calib", "4"],
                ["run", "--uniform", "8/8", "--calib", "4", "--parity"], ["info", "--fold-bn"],
                ["search", "--budget", "8bits", "--calib", "4", "--val", "4", "--frontier-points", "0", "--out", out],
                ["bench", "--uniform", "4/8", "--calib", "4", "--batch", "2", "--seconds", "0.01"],
                ["train", "--epochs", "1", "--batch", "4", "--lr", "0.01", "--no-test", "--out", out + ".onnx"]]
    stats = {"ok": 0, "clean error": 0, "unnamed error": 0, "finding": 0}
    findings, unnamed = [], []
    try:
        for path in args.models:
            base = onnx.load(path)
            dims = [d.dim_value for d in base.graph.input[0].type.tensor_type.shape.dim]
            data = os.path.join(work, "data-" + "x".join(map(str, dims[1:])))
            if not os.path.exists(data):
                write_npy_dataset(data, *dims[1:4])
            rng = random.Random(f"{args.seed}:{os.path.basename(path)}")
            for k in range(args.count):
                m = onnx.ModelProto()
                m.CopyFrom(base)
                what = [mutate(m, rng) for _ in range(rng.randint(1, args.mutations))]
                mutant = os.path.join(work, f"{os.path.splitext(os.path.basename(path))[0]}-{k}.onnx")
                with open(mutant, "wb") as f:
                    f.write(m.SerializeToString())
                verb, *rest = commands[k % len(commands)]
                model = ["--init", mutant] if verb == "train" else [mutant]
                data_args = [] if verb == "info" else ["--data", data, "--threads", "1"]
                cmd = [args.bin, verb, *model, *data_args, *rest]
                try:
                    p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                    err = [l for l in p.stderr.splitlines() if l.strip()]
                    if p.returncode == 0:
                        verdict = "ok"
                    elif p.returncode == 1 and len(err) == 1 and err[0].startswith("Error: "):
                        verdict = "clean error" if mutant in err[0] else "unnamed error"
                        if verdict == "unnamed error":
                            unnamed.append(f"{verb}: {'; '.join(what)}: {err[0][:200]}")
                    else:
                        verdict = f"finding: exit {p.returncode}, {len(err)} stderr line(s)"
                    out = p.stdout + p.stderr
                except subprocess.TimeoutExpired:
                    verdict, out = f"finding: no end within {args.timeout:.0f} s", ""
                if verdict.startswith("finding"):
                    stats["finding"] += 1
                    os.makedirs(args.keep, exist_ok=True)
                    kept = os.path.join(args.keep, os.path.basename(mutant))
                    shutil.copy(mutant, kept)
                    with open(kept + ".txt", "w") as f:
                        f.write(" ".join(cmd) + "\n" + "; ".join(what) + "\n" + verdict + "\n" + out)
                    findings.append(f"{kept}: {verdict}: {'; '.join(what)}: {(err[-1] if out and err else '')[:200]}")
                else:
                    stats[verdict] += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"mutants: {sum(stats.values())}, exit 0: {stats['ok']}, one-line errors naming the file: "
          f"{stats['clean error']}, other one-line errors: {stats['unnamed error']}, findings: {stats['finding']}")
    for line in unnamed[:8]:
        print("one-line error without the file: " + line)
    for line in findings:
        print(line)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
