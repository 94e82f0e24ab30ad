#!/usr/bin/env python3
"""Benchmark of `labelqa validate` on generated deliveries:
(a) a COCO file of about 500 MB (30,000 images of 1024x768, ~26 polygons and RLE masks each):
    validation beside loading the same file alone (`labelqa agree FILE`, which reads it into the
    model and stops); the target is validation within 2x the load;
(b) 20,000 semantic PNG masks of 1024x768: validation beside a libspng decode-only loop.
Prints wall time, peak RSS and the ratios. Usage: bench_validate.py BUILD_DIR [WORK_DIR] [IMAGES] [MASKS]"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import measure  # noqa: E402


def best_of(cmd, n=3, ok=(0, 1)):
    runs = [measure(cmd, ok=ok) for _ in range(n)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    work = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(build, "bench-validate"))
    images = int(sys.argv[3]) if len(sys.argv) > 3 else 30000
    masks = int(sys.argv[4]) if len(sys.argv) > 4 else 20000
    os.makedirs(work, exist_ok=True)
    labelqa = os.path.join(build, "labelqa")
    coco = os.path.join(work, "ann1.json")
    if not os.path.exists(coco):
        subprocess.run([os.path.join(build, "labelqa_bench_gen_coco"), work, str(images)], check=True)
    size = os.path.getsize(coco) / 1e6
    print(f"(a) COCO: {images:,} images, ann1.json {size:.0f} MB")
    load, load_rss = best_of([labelqa, "agree", coco, "-q"], ok=(0,))
    report = os.path.join(work, "findings.json")
    val, val_rss = best_of([labelqa, "validate", coco, "-q", "--json", report])
    val1, val1_rss = best_of([labelqa, "validate", coco, "-q", "--threads", "1", "--json", report])
    print(f"  labelqa agree ann1.json (load alone)      {load:7.2f} s  peak RSS {load_rss:6.0f} MB")
    print(f"  labelqa validate ann1.json (2 threads)    {val:7.2f} s  peak RSS {val_rss:6.0f} MB   -> {val / load:.2f}x the load")
    print(f"  labelqa validate ann1.json --threads 1    {val1:7.2f} s  peak RSS {val1_rss:6.0f} MB")

    helper = os.path.join(build, "labelqa_bench_masks")
    d1 = os.path.join(work, "ann1")
    if not (os.path.isdir(d1) and len(os.listdir(d1)) == masks):
        subprocess.run([helper, "gen", work, str(masks)], check=True)
    print(f"(b) masks: {masks:,} semantic 8-bit PNGs of 1024x768")
    floor, floor_rss = best_of([helper, "decode", d1, d1], n=1, ok=(0,))
    mval, mval_rss = best_of([labelqa, "validate", d1, "-q", "--json", os.path.join(work, "masks.json")], n=1)
    print(f"  libspng decode-only loop, each mask twice {floor:7.2f} s  peak RSS {floor_rss:6.0f} MB")
    print(f"  labelqa validate ann1/ (2 threads)        {mval:7.2f} s  peak RSS {mval_rss:6.0f} MB   -> {mval / (floor / 2):.2f}x one decode")


if __name__ == "__main__":
    main()
