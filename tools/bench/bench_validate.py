#!/usr/bin/env python3
"""Benchmark of `labelqa validate` on generated deliveries:
(a) COCO files of about 500 MB, images of 1024x768 holding polygons and RLE masks: validation beside
    loading the same file alone (`labelqa agree FILE`, which reads it into the model and stops); the
    target is validation within 2x the load. Two densities:
    - COCO's own: 7.3 objects per image on average (COCO val2017: 36,781 objects on 5,000 images),
      105,000 images;
    - a stress case: 20 to 32 objects per image, 30,000 images, where nearly every object overlaps
      another and must be compared in pixels.
(b) 20,000 semantic PNG masks of 1024x768: validation beside a libspng decode-only loop.
Prints wall time, peak RSS and the ratios. Each validation writes its findings to a report that
does not exist yet (the previous run's is removed first, untimed): replacing a 100 MB file costs
the file system tens of milliseconds that are not validation's.
Usage: bench_validate.py BUILD_DIR [WORK_DIR] [MASKS]"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import measure  # noqa: E402

# (name, images, mean objects per image or 0 for 20 to 32)
COCO_FILES = [("coco-density", 105000, 7.3), ("dense", 30000, 0)]


def best_of(cmd, n=3, ok=(0, 1), fresh=None):
    """Best wall time and highest peak RSS of n runs. `fresh`: a report the command writes, removed
    before each run (untimed), so that no run pays for deleting the previous run's report."""
    runs = []
    for _ in range(n):
        if fresh and os.path.exists(fresh):
            os.remove(fresh)
        runs.append(measure(cmd, ok=ok))
    return min(r[0] for r in runs), max(r[1] for r in runs)


def bench_coco(build, work, name, images, objects):
    labelqa = os.path.join(build, "labelqa")
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    coco = os.path.join(folder, "ann1.json")
    if not os.path.exists(coco):
        subprocess.run([os.path.join(build, "labelqa_bench_gen_coco"), folder, str(images), "7", str(objects)], check=True)
    size = os.path.getsize(coco) / 1e6
    print(f"(a) COCO, {name}: {images:,} images, {name}/ann1.json {size:.0f} MB")
    load, load_rss = best_of([labelqa, "agree", coco, "-q"], ok=(0,))
    report = os.path.join(folder, "findings.json")
    val, val_rss = best_of([labelqa, "validate", coco, "-q", "--json", report], fresh=report)
    val1, val1_rss = best_of([labelqa, "validate", coco, "-q", "--threads", "1", "--json", report], fresh=report)
    print(f"  labelqa agree ann1.json (load alone)      {load:7.2f} s  peak RSS {load_rss:6.0f} MB")
    print(f"  labelqa validate ann1.json (2 threads)    {val:7.2f} s  peak RSS {val_rss:6.0f} MB   -> {val / load:.2f}x the load")
    print(f"  labelqa validate ann1.json --threads 1    {val1:7.2f} s  peak RSS {val1_rss:6.0f} MB")


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    work = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(build, "bench-validate"))
    masks = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    os.makedirs(work, exist_ok=True)
    labelqa = os.path.join(build, "labelqa")
    for name, images, objects in COCO_FILES:
        bench_coco(build, work, name, images, objects)

    helper = os.path.join(build, "labelqa_bench_masks")
    d1 = os.path.join(work, "ann1")
    if not (os.path.isdir(d1) and len(os.listdir(d1)) == masks):
        subprocess.run([helper, "gen", work, str(masks)], check=True)
    print(f"(b) masks: {masks:,} semantic 8-bit PNGs of 1024x768")
    floor, floor_rss = best_of([helper, "decode", d1, d1], n=1, ok=(0,))
    masks_report = os.path.join(work, "masks.json")
    mval, mval_rss = best_of([labelqa, "validate", d1, "-q", "--json", masks_report], n=1, fresh=masks_report)
    print(f"  libspng decode-only loop, each mask twice {floor:7.2f} s  peak RSS {floor_rss:6.0f} MB")
    print(f"  labelqa validate ann1/ (2 threads)        {mval:7.2f} s  peak RSS {mval_rss:6.0f} MB   -> {mval / (floor / 2):.2f}x one decode")


if __name__ == "__main__":
    main()
