#!/usr/bin/env python3
"""Benchmark of labelqa.mask against pycocotools.mask, side by side on the same generated data:
encode, decode, area, toBbox, merge, iou and frPyObjects (polygons), each checked to give the same
results before it is timed.

pycocotools is not a Debian package: the comparison runs where it can be imported (PYTHONPATH, or
pip); without it, labelqa alone is timed.

Usage: bench_mask_py.py BUILD_DIR"""
import os
import sys
import time

import numpy as np


def best(fn, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def main():
    sys.path.insert(0, os.path.join(os.path.abspath(sys.argv[1]), "python"))
    from labelqa import mask as lq
    try:
        from pycocotools import mask as pc
    except ImportError:
        pc = None
        print("pycocotools is not importable here: labelqa.mask is timed alone")
    rng = np.random.default_rng(3)
    H, W = 480, 640
    polygons = []
    for _ in range(2000):
        cx, cy, r = rng.uniform(60, W - 60), rng.uniform(60, H - 60), rng.uniform(10, 55)
        k = int(rng.integers(12, 40))
        t = np.sort(rng.uniform(0, 2 * np.pi, k))
        rr = r * rng.uniform(0.7, 1.0, k)
        polygons.append([float(v) for xy in zip(cx + rr * np.cos(t), cy + rr * np.sin(t)) for v in xy])
    rles = lq.frPyObjects(polygons, H, W)
    masks = np.asfortranarray(lq.decode(rles[:200]))
    dt, gt = rles[:300], rles[300:600]
    crowd = [0] * len(gt)
    cases = [
        ("frPyObjects: 2,000 polygons", lambda m: m.frPyObjects(polygons, H, W)),
        ("encode: 200 masks of 480x640", lambda m: m.encode(masks)),
        ("decode: 200 masks", lambda m: m.decode(rles[:200])),
        ("area: 2,000 RLEs", lambda m: m.area(rles)),
        ("toBbox: 2,000 RLEs", lambda m: m.toBbox(rles)),
        ("merge: 2,000 RLEs", lambda m: m.merge(rles)),
        ("iou: 300 x 300 RLEs", lambda m: m.iou(dt, gt, crowd)),
    ]
    print(f"{'operation':<32}{'labelqa':>10}{'pycocotools':>13}{'speed-up':>10}  same results")
    for name, fn in cases:
        t_lq, out_lq = best(lambda: fn(lq))
        if pc is None:
            print(f"{name:<32}{t_lq * 1000:>8.1f}ms")
            continue
        t_pc, out_pc = best(lambda: fn(pc))
        print(f"{name:<32}{t_lq * 1000:>8.1f}ms{t_pc * 1000:>11.1f}ms{t_pc / t_lq:>9.1f}x  {same(out_lq, out_pc)}")


if __name__ == "__main__":
    main()
