#!/usr/bin/env python3
"""Benchmark of lenient COCO reading in `labelqa validate`: a file whose every annotation has one
problem (a category_id naming no category), so every annotation becomes a located finding. Each
finding names its line: the reader asks the file's line index (found once, then a binary search
per finding) instead of counting newlines from the start of the file for each one. The clean file
of the same shape is timed beside it. Target: under 1 s for 40,000 problems.
Usage: bench_lenient.py BUILD_DIR [WORK_DIR] [ANNOTATIONS]"""
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import measure  # noqa: E402


def write_coco(path, annotations, bad):
    rng = random.Random(7)
    images = [{"id": i + 1, "file_name": f"img{i:06d}.jpg", "width": 640, "height": 480} for i in range(annotations // 8)]
    anns = []
    for k in range(annotations):
        x, y = rng.uniform(0, 500), rng.uniform(0, 380)
        anns.append({"id": k + 1, "image_id": k // 8 + 1, "category_id": 99 if bad else 1 + k % 3,
                     "bbox": [round(x, 2), round(y, 2), 40, 30], "area": 1200, "iscrowd": 0})
    cats = [{"id": c, "name": n} for c, n in ((1, "cat"), (2, "dog"), (3, "bird"))]
    with open(path, "w") as f:  # one key per line, as exports pretty-printed by Python are
        json.dump({"images": images, "annotations": anns, "categories": cats}, f, indent=1)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    work = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(build, "bench-lenient"))
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 40000
    os.makedirs(work, exist_ok=True)
    labelqa = os.path.join(build, "labelqa")
    for name, bad in (("clean", False), ("one_problem_each", True)):
        path = os.path.join(work, f"{name}.json")
        if not os.path.exists(path):
            write_coco(path, n, bad)
        out = os.path.join(work, f"{name}.findings.json")
        runs = [measure([labelqa, "validate", path, "-q", "--json", out], ok=(0, 1), stderr=subprocess.DEVNULL) for _ in range(3)]
        wall, rss = min(r[0] for r in runs), max(r[1] for r in runs)
        findings = json.load(open(out))["summary"]["findings"]
        print(f"labelqa validate {name}.json ({n:,} annotations, {os.path.getsize(path) / 1e6:.1f} MB): "
              f"{wall:.2f} s, peak RSS {rss:.0f} MB, {findings:,} findings")


if __name__ == "__main__":
    main()
