#!/usr/bin/env python3
"""Writes examples/report/: a seeded image-classification batch of 1,000 images labelled by five
annotators with timestamps (ratings.csv) and gold labels for 120 of them (gold.csv). One annotator
confuses fox with dog, one drifts (accuracy 0.93 -> 0.68 from their 500th image on).
Usage: make_report_example.py [OUT_DIR]"""
import csv
import os
import random
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "examples", "report")
rng = random.Random(8)
classes = ["bird", "cat", "dog", "fox", "horse", "rabbit"]
weights = [0.2, 0.25, 0.25, 0.1, 0.1, 0.1]
n = 1000
truth = rng.choices(classes, weights, k=n)
annotators = {"amara": 0.94, "bruno": 0.9, "chen": 0.93, "dmitri": 0.91, "esme": 0.88}
rows = []
for name, acc in annotators.items():
    t = 1767258000 + rng.randint(0, 3000)  # 2026-01-01 09:00Z
    for i in range(n):
        p = acc
        if name == "chen" and i >= 500:
            p = 0.68
        true = truth[i]
        if name == "esme" and true == "fox" and rng.random() < 0.6:
            label = "dog"
        elif rng.random() < p:
            label = true
        else:
            label = rng.choice([c for c in classes if c != true])
        t += rng.randint(20, 70)
        if i % 150 == 149:
            t += 3600 * 14  # overnight
        stamp = f"{t}"
        rows.append((f"img_{i:04d}.jpg", name, label, stamp))
rows.sort(key=lambda r: (int(r[3]), r[1]))
with open(os.path.join(out, "ratings.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["item", "annotator", "label", "timestamp"])
    for item, name, label, t in rows:
        t = int(t)
        import datetime
        w.writerow([item, name, label, datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")])
gold = sorted(rng.sample(range(n), 120))
with open(os.path.join(out, "gold.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["item", "label"])
    for i in gold:
        w.writerow([f"img_{i:04d}.jpg", truth[i]])
