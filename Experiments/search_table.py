#!/usr/bin/env python3
"""Markdown tables from the outputs Experiments/search_resnet20.sh wrote.

Reads results/search_resnet20/ALLOCATOR/BUDGET/{frontier.csv,engine.json} and prints
  1. one row per budget: each allocator's chosen plan (average bits, simulator top-1 on the
     evaluation split, integer-engine top-1) — the numbers `bitbudget search` printed;
  2. the uniform baselines measured in the same runs (same for every allocator);
  3. the measured frontier points of the dp run (size vs top-1), the data behind frontier.svg.
Only measured values are printed; a cell the run did not measure is "–".

Usage: python3 Experiments/search_table.py [results/search_resnet20] > results/search_resnet20/table.md
"""
import csv
import json
import os
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "results/search_resnet20"
ALLOCATORS = ["dp", "greedy", "bsq", "uniform"]


def budgets(alloc):
    d = os.path.join(ROOT, alloc)
    if not os.path.isdir(d):
        return []
    names = [b for b in os.listdir(d) if os.path.isfile(os.path.join(d, b, "frontier.csv"))]
    return sorted(names, key=lambda b: float(b.replace("bits", "")))


def rows(alloc, budget):
    with open(os.path.join(ROOT, alloc, budget, "frontier.csv"), newline="") as f:
        return list(csv.DictReader(f))


def engine(alloc, budget):
    try:
        with open(os.path.join(ROOT, alloc, budget, "engine.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def main():
    present = [a for a in ALLOCATORS if budgets(a)]
    if not present:
        sys.exit(f"{ROOT}: no ALLOCATOR/BUDGET/frontier.csv found (run Experiments/search_resnet20.sh first)")
    all_budgets = sorted({b for a in present for b in budgets(a)}, key=lambda b: float(b.replace("bits", "")))

    print("Chosen plan per allocator and budget: average weight bits, top-1 on the 10 000 test images "
          "(simulator / integer engine).\n")
    print("| budget | " + " | ".join(present) + " |")
    print("|---|" + "---|" * len(present))
    for b in all_budgets:
        cells = []
        for a in present:
            if b not in budgets(a):
                cells.append("–")
                continue
            chosen = [r for r in rows(a, b) if r["kind"] == "chosen"]
            if not chosen:
                cells.append("–")
                continue
            c = chosen[0]
            e = engine(a, b)
            eng = f"{e['top1_percent']:.2f}" if "top1_percent" in e else "–"
            cells.append(f"{float(c['average_bits']):.3f} b: {c['top1_percent']} / {eng}")
        print(f"| {b} | " + " | ".join(cells) + " |")

    uni = {}
    for a in present:
        for b in budgets(a):
            for r in rows(a, b):
                if r["kind"] == "uniform" and r["top1_percent"]:
                    uni[r["label"]] = (float(r["average_bits"]), r["packed_bytes"], r["top1_percent"])
    if uni:
        print("\nUniform baselines (every searched layer at one width; first/last 8-bit):\n")
        print("| plan | average bits | packed bytes | top-1 |")
        print("|---|---|---|---|")
        for label, (bits, size, top1) in sorted(uni.items(), key=lambda kv: kv[1][0]):
            print(f"| {label} | {bits:.3f} | {size} | {top1}% |")

    if "dp" in present:
        pts = {}
        for b in budgets("dp"):
            for r in rows("dp", b):
                if r["kind"] == "frontier" and r["top1_percent"]:
                    pts[r["label"]] = (float(r["average_bits"]), r["packed_bytes"], float(r["predicted_score"]), r["top1_percent"])
        if pts:
            print("\nMeasured dp frontier points (additive-model optimum at each size):\n")
            print("| point | average bits | packed bytes | predicted score | top-1 |")
            print("|---|---|---|---|---|")
            for label, (bits, size, score, top1) in sorted(pts.items(), key=lambda kv: kv[1][0]):
                print(f"| {label} | {bits:.3f} | {size} | {score:.4f} | {top1}% |")


if __name__ == "__main__":
    main()
