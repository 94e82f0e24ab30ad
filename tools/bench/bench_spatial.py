#!/usr/bin/env python3
"""Benchmark of `labelqa agree` on objects (COCO) and semantic masks (PNG), side by side with the
floors and the tools users run today.

(a) COCO: generates a delivery of IMAGES images (default 20,000, ~330 MB per annotator, ~26
    objects per image: polygons and RLE, compressed and uncompressed) from two annotators, then times
      * labelqa loading one file into the core model (`labelqa agree ann1.json`, one annotator: load only)
      * Python `json.load` of the same file (what pycocotools' COCO() does first), a whole process
      * labelqa agree ann1.json ann2.json (matching, all metrics, 1000 bootstrap replicates)
      * a numpy implementation of the same mask IoUs (dense masks, one matrix product per image)
        on a subset of images, scaled to all images
(b) Masks: generates PAIRS pairs (default 20,000) of 1024x768 8-bit PNG class masks, then times
      * a decode-only loop over all PNGs with libspng on all cores (the floor)
      * labelqa agree --masks ann1 ann2
Wall time and peak RSS come from wait4() of each child process.

json.load is timed as a whole process, best of three, like labelqa.

Usage: python3 tools/bench/bench_spatial.py [BUILD_DIR] [--images N] [--pairs N] [--work DIR] [--only coco|masks]
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import measure  # noqa: E402

PY = "/usr/bin/python3"


def best_of(cmd, n=3):
    runs = [measure(cmd) for _ in range(n)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


NUMPY_IOU = r'''
import json, sys, time
import numpy as np
a_path, b_path, subset = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.perf_counter()
A = json.load(open(a_path))
t_load = time.perf_counter() - t0
B = json.load(open(b_path))
H, W = 768, 1024
def mask(ann):
    seg = ann["segmentation"]
    if isinstance(seg, dict):
        counts = seg["counts"]
        if isinstance(counts, str):
            return None  # compressed strings: decoded by pycocotools' C code, not timed here
        vals = np.repeat(np.arange(len(counts)) % 2, counts).astype(bool)
        return vals.reshape(W, H).T
    # Scanline fill, vectorised over edges and rows: pixel centres between pairs of crossings.
    m = np.zeros((H, W), bool)
    for ring in seg:
        px, py = np.asarray(ring[0::2], float), np.asarray(ring[1::2], float)
        qx, qy = np.roll(px, 1), np.roll(py, 1)
        y0, y1 = int(max(0, np.floor(py.min()))), int(min(H, np.ceil(py.max()) + 1))
        rows = np.arange(y0, y1) + 0.5
        r = rows[:, None]
        spans = (py[None, :] > r) != (qy[None, :] > r)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = px[None, :] + (r - py[None, :]) * (qx - px)[None, :] / (qy - py)[None, :]
        xc = np.where(spans, xc, np.inf)
        xc.sort(axis=1)
        k = spans.sum(1).max() if spans.size else 0
        ring_mask = np.zeros((y1 - y0, W + 1), np.int8)
        cols = np.arange(W) + 0.5
        for j in range(0, k, 2):
            a, b = xc[:, j], xc[:, j + 1]
            ok = np.isfinite(a) & np.isfinite(b)
            lo = np.clip(np.searchsorted(cols, a[ok]), 0, W)
            hi = np.clip(np.searchsorted(cols, b[ok]), 0, W)
            rr = np.nonzero(ok)[0]
            np.add.at(ring_mask, (rr, lo), 1)
            np.add.at(ring_mask, (rr, hi), -1)
        m[y0:y1] ^= np.cumsum(ring_mask, axis=1)[:, :W] > 0
    return m
by_img_a, by_img_b = {}, {}
for ann in A["annotations"]:
    by_img_a.setdefault(ann["image_id"], []).append(ann)
for ann in B["annotations"]:
    by_img_b.setdefault(ann["image_id"], []).append(ann)
images = sorted(by_img_a)[:subset]
t0 = time.perf_counter()
objects = 0
for img in images:
    ma = [m for m in map(mask, by_img_a.get(img, [])) if m is not None]
    mb = [m for m in map(mask, by_img_b.get(img, [])) if m is not None]
    objects += len(ma) + len(mb)
    if not ma or not mb:
        continue
    fa = np.stack(ma).reshape(len(ma), -1).astype(np.float32)
    fb = np.stack(mb).reshape(len(mb), -1).astype(np.float32)
    inter = fa @ fb.T
    union = fa.sum(1)[:, None] + fb.sum(1)[None, :] - inter
    iou = inter / np.maximum(union, 1)
t_iou = time.perf_counter() - t0
print(t_load, t_iou, len(images), len(by_img_a), objects)
'''


def coco_bench(build, work, images):
    labelqa = os.path.join(build, "labelqa")
    a, b = os.path.join(work, "ann1.json"), os.path.join(work, "ann2.json")
    if not (os.path.exists(a) and os.path.exists(b)):
        subprocess.run([os.path.join(build, "labelqa_bench_gen_coco"), work, str(images)], check=True)
    size_a, size_b = os.path.getsize(a) / 1e6, os.path.getsize(b) / 1e6
    print(f"(a) COCO: {images:,} images, ann1.json {size_a:.0f} MB, ann2.json {size_b:.0f} MB")
    load, load_rss = best_of([labelqa, "agree", a, "-q"])
    t_json, json_rss = best_of([PY, "-c", "import json, sys; json.load(open(sys.argv[1]))", a])
    agree, agree_rss = best_of([labelqa, "agree", a, b, "-q", "--json", os.path.join(work, "report.json")])
    agree1, _ = measure([labelqa, "agree", a, b, "-q", "--threads", "1"])
    out = subprocess.run([PY, "-c", NUMPY_IOU, a, b, "100"], capture_output=True, text=True, check=True).stdout.split()
    t_iou, n_sub, n_img = float(out[1]), int(out[2]), int(out[3])
    scaled_iou = t_iou * n_img / n_sub
    print(f"  labelqa load ann1.json into the model   {load:7.2f} s  {size_a / load:6.0f} MB/s  peak RSS {load_rss:6.0f} MB")
    print(f"  python json.load(ann1.json)             {t_json:7.2f} s  {size_a / t_json:6.0f} MB/s  peak RSS {json_rss:6.0f} MB"
          f"   -> labelqa {t_json / load:.1f}x faster")
    print(f"  labelqa agree ann1 ann2 (2 threads)     {agree:7.2f} s  peak RSS {agree_rss:6.0f} MB"
          f" = {agree_rss / (size_a + size_b):.2f}x the input")
    print(f"  labelqa agree ann1 ann2 --threads 1     {agree1:7.2f} s")
    print(f"  numpy dense-mask IoU, {n_sub} images scaled x{n_img / n_sub:.0f} (without json.load): {scaled_iou:7.1f} s"
          f"   -> labelqa agree {scaled_iou / agree:.0f}x faster")


def mask_bench(build, work, pairs):
    labelqa, helper = os.path.join(build, "labelqa"), os.path.join(build, "labelqa_bench_masks")
    d1, d2 = os.path.join(work, "ann1"), os.path.join(work, "ann2")
    if not (os.path.isdir(d1) and len(os.listdir(d1)) == pairs):
        subprocess.run([helper, "gen", work, str(pairs)], check=True)
    print(f"(b) masks: {pairs:,} pairs of 1024x768 8-bit PNGs")
    floor, floor_rss = best_of([helper, "decode", d1, d2])
    agree, agree_rss = best_of([labelqa, "agree", "--masks", d1, d2, "-q", "--json", os.path.join(work, "r.json")])
    print(f"  libspng decode-only loop (floor)        {floor:7.2f} s  peak RSS {floor_rss:6.0f} MB")
    print(f"  labelqa agree --masks ann1 ann2         {agree:7.2f} s  peak RSS {agree_rss:6.0f} MB"
          f"   -> {agree / floor:.2f}x the floor")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--images", type=int, default=20000)
    ap.add_argument("--pairs", type=int, default=20000)
    ap.add_argument("--work", default="/tmp/labelqa-bench-spatial")
    ap.add_argument("--only", choices=["coco", "masks"], help="run one of the two benchmarks")
    args = ap.parse_args()
    os.makedirs(os.path.join(args.work, "coco"), exist_ok=True)
    os.makedirs(os.path.join(args.work, "masks"), exist_ok=True)
    print(f"machine: {os.cpu_count()} cores")
    if args.only in (None, "coco"):
        coco_bench(args.build, os.path.join(args.work, "coco"), args.images)
    if args.only in (None, "masks"):
        mask_bench(args.build, os.path.join(args.work, "masks"), args.pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
