#!/usr/bin/env python3
"""Throughput of onnxruntime (CPU, FP32) on an ONNX classifier.

For each batch size, runs random normal inputs through the model for about
--seconds after a short warm-up and prints one line per batch size:

  onnxruntime fp32 batch=256 threads=2: 1234.5 img/s

Session: intra_op_num_threads=--threads, inter_op_num_threads=1, sequential
execution, all graph optimisations. A model whose input has a fixed batch
dimension (e.g. 1) can only be run at that batch size; other sizes are skipped
with a note.

Example:
  python3 Experiments/ort_bench.py ../shared/models/resnet20_cifar10.onnx \
      --threads 2 --batch 1 256 --seconds 5 --json bench.json
"""
import argparse
import json
import platform
import sys
import time

import numpy as np
import onnxruntime as ort


def make_session(model, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


def bench(sess, batch, seconds, warmup):
    inp = sess.get_inputs()[0]
    shape = [batch] + [d if isinstance(d, int) else 1 for d in inp.shape[1:]]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    feed = {inp.name: x}
    out = [sess.get_outputs()[0].name]
    t_end = time.perf_counter() + warmup
    while True:
        sess.run(out, feed)
        if time.perf_counter() >= t_end:
            break
    runs, lat = 0, []
    t0 = time.perf_counter()
    while True:
        t = time.perf_counter()
        sess.run(out, feed)
        lat.append(time.perf_counter() - t)
        runs += 1
        if time.perf_counter() - t0 >= seconds:
            break
    elapsed = time.perf_counter() - t0
    lat = np.array(lat)
    return {
        "batch": batch,
        "runs": runs,
        "seconds": elapsed,
        "images_per_s": runs * batch / elapsed,
        "latency_ms_median": float(np.median(lat) * 1e3),
        "latency_ms_p90": float(np.percentile(lat, 90) * 1e3),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 256])
    ap.add_argument("--seconds", type=float, default=5.0, help="timed seconds per batch size")
    ap.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per batch size")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--precision", default="fp32", help="label for the output lines (e.g. int8 for a QDQ model)")
    args = ap.parse_args(argv)

    sess = make_session(args.model, args.threads)
    lead = sess.get_inputs()[0].shape[0]
    results = []
    for b in args.batch:
        if isinstance(lead, int) and b != lead:
            print(f"onnxruntime {args.precision} batch={b} threads={args.threads}: skipped "
                  f"(model input has fixed batch {lead})")
            continue
        r = bench(sess, b, args.seconds, args.warmup)
        results.append(r)
        print(f"onnxruntime {args.precision} batch={b} threads={args.threads}: {r['images_per_s']:.1f} img/s",
              flush=True)
    if args.json:
        doc = {
            "model": args.model,
            "runtime": "onnxruntime",
            "onnxruntime_version": ort.__version__,
            "precision": args.precision,
            "threads": args.threads,
            "inter_op_threads": 1,
            "graph_optimization": "ORT_ENABLE_ALL",
            "machine": platform.machine(),
            "processor": platform.processor(),
            "results": results,
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
