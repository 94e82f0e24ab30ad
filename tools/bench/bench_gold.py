#!/usr/bin/env python3
"""Benchmark of `labelqa gold` on categorical labels, side by side with scikit-learn.

Generates 200,000 items x 5 annotators x 10 classes (1,000,000 ratings, ~17 MB CSV) of which
100,000 items are gold (500,000 gold ratings), then times:
  * labelqa gold, default (Wilson and analytic intervals, 1000 bootstrap replicates for the F1s)
  * labelqa gold --bootstrap 0 (point values and analytic intervals only)
  * scikit-learn computing the same point values (accuracy_score, cohen_kappa_score,
    precision_recall_fscore_support, f1_score macro/weighted, confusion_matrix) per annotator and
    pooled, after pandas-free CSV parsing and a dict join with the gold; no intervals.
Wall time and peak RSS come from wait4() of each child process.

Usage: python3 tools/bench/bench_gold.py [BUILD_DIR]   (BUILD_DIR defaults to build/)
"""
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import measure  # noqa: E402

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
ITEMS, ANNOTATORS, CLASSES = 200_000, 5, 10



PY_REFERENCE = r'''
import csv, sys
import numpy as np
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, f1_score, precision_recall_fscore_support
gold = {}
with open(sys.argv[2]) as f:
    for row in csv.DictReader(f):
        gold[row["item"]] = row["label"]
pairs = {}
with open(sys.argv[1]) as f:
    for row in csv.DictReader(f):
        g = gold.get(row["item"])
        if g is not None:
            t, p = pairs.setdefault(row["annotator"], ([], []))
            t.append(g)
            p.append(row["label"])
pairs["vendor"] = (sum((v[0] for v in pairs.values()), []), sum((v[1] for v in pairs.values()), []))
for t, p in pairs.values():
    t, p = np.array(t), np.array(p)
    accuracy_score(t, p); cohen_kappa_score(t, p); precision_recall_fscore_support(t, p, zero_division=0)
    f1_score(t, p, average="macro", zero_division=0); f1_score(t, p, average="weighted", zero_division=0)
    confusion_matrix(t, p)
'''


def main():
    binary = os.path.join(BUILD, "labelqa")
    rng = random.Random(1)
    classes = [f"c{k}" for k in range(CLASSES)]
    with tempfile.TemporaryDirectory() as tmp:
        delivery, gold = os.path.join(tmp, "delivery.csv"), os.path.join(tmp, "gold.csv")
        with open(delivery, "w") as d, open(gold, "w") as g:
            d.write("item,annotator,label\n")
            g.write("item,label\n")
            for i in range(ITEMS):
                truth = rng.choice(classes)
                if i % 2 == 0:
                    g.write(f"i{i},{truth}\n")
                for a in range(ANNOTATORS):
                    d.write(f"i{i},a{a},{truth if rng.random() < 0.9 else rng.choice(classes)}\n")
        script = os.path.join(tmp, "ref.py")
        with open(script, "w") as f:
            f.write(PY_REFERENCE)
        runs = [("labelqa gold (1000 bootstrap replicates)", [binary, "gold", delivery, "--gold", gold, "-q", "--json", os.path.join(tmp, "a.json")]),
                ("labelqa gold --bootstrap 0", [binary, "gold", delivery, "--gold", gold, "-q", "--bootstrap", "0", "--json", os.path.join(tmp, "b.json")]),
                ("scikit-learn, point values only", ["/usr/bin/python3", script, delivery, gold])]
        results = [(name, *measure(cmd, ok=(0, 1))) for name, cmd in runs]
    ref = results[-1][1]
    print(f"{ITEMS:,} items x {ANNOTATORS} annotators x {CLASSES} classes; {ITEMS // 2:,} gold items")
    print(f"{'run':<42} {'wall s':>8} {'peak MB':>8} {'vs sklearn':>10}")
    for name, wall, mb in results:
        print(f"{name:<42} {wall:>8.2f} {mb:>8.0f} {ref / wall:>9.1f}x")


if __name__ == "__main__":
    main()
