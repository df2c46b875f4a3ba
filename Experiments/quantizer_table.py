#!/usr/bin/env python3
"""Renders results/quantizers_resnet20.csv (written by quantizer-sweep) as a Markdown table:
one row per weight quantizer, one column per bit-width, each cell 'top-1 with float
activations / with 8-bit activations'. Usage: quantizer_table.py CSV > TABLE.md"""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
if not rows:
    sys.exit(f"{sys.argv[1]}: no rows")
bits = sorted({int(r["bits"]) for r in rows})
names = list(dict.fromkeys(r["quantizer"] for r in rows))
cell = {(r["quantizer"], int(r["bits"]), r["activation_bits"]): r["top1"] for r in rows}
print(f"Top-1 (%) on {rows[0]['images']} test images, float model {rows[0]['float_top1']}%; "
      "each cell: float activations / 8-bit activations.\n")
print("| weights | " + " | ".join(f"{b} bit" for b in bits) + " |")
print("|---|" + "---|" * len(bits))
for n in names:
    cells = []
    for b in bits:
        f, e = cell.get((n, b, "float")), cell.get((n, b, "8"))
        cells.append("–" if f is None and e is None else f"{f or '–'} / {e or '–'}")
    print(f"| {n} | " + " | ".join(cells) + " |")
