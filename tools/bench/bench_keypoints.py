#!/usr/bin/env python3
"""Keypoint agreement: `labelqa agree` on two COCO person-keypoint files against pycocotools'
computeOks in numpy (its per-image OKS matrix, vectorised over keypoints, then scipy's optimal
assignment at OKS >= 0.5, which is what labelqa's matching does), at COCO val2017's person density
(about 11,000 annotated people with 17 keypoints on 5,000 images) scaled up 20 times by default.
Prints wall time, peak memory and the ratio, and checks that both find the same matched pairs and
mean OKS.

Usage: bench_keypoints.py BUILD_DIR [SCALE]   (default 20: 100,000 images, about 220,000 people per file)
"""
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import measure  # noqa: E402

NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
         "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]


def generate(seed, images, people):
    """Two annotators' COCO files: people spread over images, the second annotator's keypoints
    jittered, some flags changed, 5% of people missed and a few extra."""
    rng = random.Random(seed)
    a, b = [], []
    for k in range(people):
        img = rng.randrange(1, images + 1)
        w, h = rng.uniform(30, 200), rng.uniform(60, 400)
        x0, y0 = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
        kp, kp2 = [], []
        for _ in range(17):
            v = rng.choice((0, 1, 2, 2, 2))
            x, y = round(x0 + rng.uniform(0, w), 2), round(y0 + rng.uniform(0, h), 2)
            kp += [x, y, v] if v else [0, 0, 0]
            v2 = v if rng.random() < 0.9 else rng.choice((0, 1, 2))
            j = 0.04 * h
            kp2 += [round(x + rng.uniform(-j, j), 2), round(y + rng.uniform(-j, j), 2), v2] if v2 else [0, 0, 0]
        box = [round(x0, 2), round(y0, 2), round(w, 2), round(h, 2)]
        area = round(w * h * 0.6, 2)
        a.append({"id": k + 1, "image_id": img, "category_id": 1, "bbox": box, "area": area, "iscrowd": 0, "keypoints": kp,
                  "num_keypoints": sum(1 for v in kp[2::3] if v)})
        if rng.random() < 0.95:
            b.append({"id": k + 1, "image_id": img, "category_id": 1, "bbox": box, "area": area, "iscrowd": 0, "keypoints": kp2,
                      "num_keypoints": sum(1 for v in kp2[2::3] if v)})
    imgs = [{"id": i, "file_name": f"{i:012d}.jpg", "width": 640, "height": 480} for i in range(1, images + 1)]
    cats = [{"id": 1, "name": "person", "keypoints": NAMES, "skeleton": [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13]]}]
    return ({"images": imgs, "categories": cats, "annotations": a}, {"images": imgs, "categories": cats, "annotations": b})


def numpy_oks(path_a, path_b):
    """pycocotools' computeOks per image (gt = a), then the optimal one-to-one matching at OKS >= 0.5:
    (matched pairs, mean OKS of matched pairs)."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    sigmas = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10.0
    variances = (sigmas * 2) ** 2
    by_image = {}
    for side, path in ((0, path_a), (1, path_b)):
        with open(path) as f:
            for ann in json.load(f)["annotations"]:
                by_image.setdefault(ann["image_id"], ([], []))[side].append(ann)
    matched, total = 0, 0.0
    for gts, dts in by_image.values():
        if not gts or not dts:
            continue
        d = np.array([x["keypoints"] for x in dts], dtype=float)
        xd, yd = d[:, 0::3], d[:, 1::3]
        ious = np.zeros((len(gts), len(dts)))
        for j, gt in enumerate(gts):
            g = np.array(gt["keypoints"], dtype=float)
            xg, yg, vg = g[0::3], g[1::3], g[2::3]
            k1 = np.count_nonzero(vg > 0)
            bb = gt["bbox"]
            x0, x1, y0, y1 = bb[0] - bb[2], bb[0] + bb[2] * 2, bb[1] - bb[3], bb[1] + bb[3] * 2
            if k1 > 0:
                dx, dy = xd - xg, yd - yg
            else:
                dx = np.maximum(0, x0 - xd) + np.maximum(0, xd - x1)
                dy = np.maximum(0, y0 - yd) + np.maximum(0, yd - y1)
            e = (dx ** 2 + dy ** 2) / variances / (gt["area"] + np.spacing(1)) / 2
            if k1 > 0:
                e = e[:, vg > 0]
            ious[j] = np.sum(np.exp(-e), axis=1) / e.shape[1]
        score = np.where(ious >= 0.5, ious, 0)
        rows, cols = linear_sum_assignment(-score)
        ok = score[rows, cols] > 0
        matched += int(ok.sum())
        total += float(score[rows, cols][ok].sum())
    return matched, total / matched


def main():
    build = sys.argv[1]
    scale = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    binary = os.path.join(build, "labelqa")
    work = tempfile.mkdtemp(prefix="labelqa-bench-keypoints-")
    a, b = generate(1, 5000 * scale, 11000 * scale)
    pa, pb = os.path.join(work, "a.json"), os.path.join(work, "b.json")
    for p, d in ((pa, a), (pb, b)):
        with open(p, "w") as f:
            json.dump(d, f)
    people = len(a["annotations"]) + len(b["annotations"])
    del a, b
    print(f"{5000 * scale} images, {people} annotated people with 17 keypoints in two files ({(os.path.getsize(pa) + os.path.getsize(pb)) / 1e6:.0f} MB)")
    out = os.path.join(work, "r.json")
    rows = []
    for flags, label in ((["--bootstrap", "0"], "labelqa agree, no intervals"), ([], "labelqa agree, 1000 bootstrap replicates")):
        wall, rss = measure([binary, "agree", pa, pb, "--json", out, "-q", *flags])
        rows.append((label, wall, rss))
    with open(out) as f:
        kp = json.load(f)["keypoints"]["overall"]
    result = os.path.join(work, "numpy.txt")
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); import bench_keypoints as b; "
            f"open({result!r}, 'w').write(' '.join(map(str, b.numpy_oks({pa!r}, {pb!r}))))")
    wall, rss = measure([sys.executable, "-c", code])
    with open(result) as f:
        n, mean = f.read().split()
    rows.append(("numpy computeOks + scipy assignment", wall, rss))
    base = rows[-1][1]
    print(f"{'':44}{'wall s':>8}{'peak MB':>9}{'speed-up':>10}")
    for label, w, r in rows:
        print(f"{label:44}{w:8.2f}{r:9.0f}{base / w:9.1f}x")
    print(f"matched pairs labelqa {kp['objects']} numpy {n}; mean OKS labelqa {kp['mean_oks']['value']:.12f} numpy {float(mean):.12f}")


if __name__ == "__main__":
    main()
