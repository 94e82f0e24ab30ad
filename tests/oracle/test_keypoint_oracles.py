#!/usr/bin/env python3
"""Keypoint agreement of `labelqa agree` on COCO person keypoints against an independent numpy
implementation of pycocotools' COCOeval.computeOks (gt = the pair's first annotator): generated
people with every visibility combination, people whose reference labels no keypoint (the box rule),
and unlabelled keypoints with coordinates on the other side (which OKS must ignore).

- every matched pair's OKS (the --matches list) equals numpy's to 1e-12;
- each image's matching is a maximum-weight one-to-one assignment over OKS >= 0.5 (scipy);
- PCK, missed/extra keypoints and mean distances per keypoint equal a direct count;
- agreement on the visibility flags of matched keypoints equals sklearn's Cohen kappa.

Usage: test_keypoint_oracles.py LABELQA_BINARY
"""
import csv
import json
import os
import random
import sys
import tempfile

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import cohen_kappa_score

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import harness  # noqa: E402
from harness import expect  # noqa: E402

harness.BINARY = os.path.abspath(sys.argv[1])
TMP = tempfile.mkdtemp(prefix="labelqa-keypoints-")
NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
         "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10.0
PCK = 0.2


def compute_oks(gt, dt):
    """pycocotools' computeOks for one gt/dt pair (gt: dict with keypoints, bbox, area)."""
    variances = (SIGMAS * 2) ** 2
    g = np.array(gt["keypoints"], dtype=float)
    xg, yg, vg = g[0::3], g[1::3], g[2::3]
    k1 = np.count_nonzero(vg > 0)
    bb = gt["bbox"]
    x0, x1 = bb[0] - bb[2], bb[0] + bb[2] * 2
    y0, y1 = bb[1] - bb[3], bb[1] + bb[3] * 2
    d = np.array(dt["keypoints"], dtype=float)
    xd, yd = d[0::3], d[1::3]
    if k1 > 0:
        dx, dy = xd - xg, yd - yg
    else:
        z = np.zeros(len(SIGMAS))
        dx = np.max((z, x0 - xd), axis=0) + np.max((z, xd - x1), axis=0)
        dy = np.max((z, y0 - yd), axis=0) + np.max((z, yd - y1), axis=0)
    e = (dx ** 2 + dy ** 2) / variances / (gt["area"] + np.spacing(1)) / 2
    if k1 > 0:
        e = e[vg > 0]
    return np.sum(np.exp(-e)) / e.shape[0]


def person(rng, ann_id, image_id, cx, cy, flags):
    w, h = rng.uniform(30, 120), rng.uniform(60, 240)
    kps = []
    for k in range(17):
        v = flags[k]
        x, y = cx + rng.uniform(-w / 2, w / 2), cy + rng.uniform(-h / 2, h / 2)
        kps += [round(x, 2), round(y, 2), v] if v else [0, 0, 0]
    return {"id": ann_id, "image_id": image_id, "category_id": 1, "bbox": [round(cx - w / 2, 2), round(cy - h / 2, 2), round(w, 2), round(h, 2)],
            "area": round(w * h * rng.uniform(0.4, 0.9), 3), "iscrowd": 0, "keypoints": kps, "num_keypoints": sum(1 for v in flags if v)}


def generate(seed, images=60):
    rng = random.Random(seed)
    a_anns, b_anns = [], []
    combos = [[v] * 17 for v in (0, 1, 2)]  # every flag alike, then random mixes
    for i in range(1, images + 1):
        for p in range(rng.randrange(1, 6)):
            flags = combos.pop() if combos else [rng.choice((0, 1, 2, 2)) for _ in range(17)]
            if rng.random() < 0.1:
                flags = [0] * 17  # the reference labels nothing: pycocotools' box rule
            cx, cy = rng.uniform(100, 540), rng.uniform(100, 380)
            ref = person(rng, len(a_anns) + 1, i, cx, cy, flags)
            a_anns.append(ref)
            if rng.random() < 0.1:
                continue  # the other annotator misses this person
            other = json.loads(json.dumps(ref))
            other["id"] = len(b_anns) + 1
            kp = other["keypoints"]
            for k in range(17):
                flag = rng.choice((0, 1, 2, 2, 2))
                jitter = rng.uniform(0, 0.15) * ref["bbox"][3]
                x = (ref["keypoints"][3 * k] or cx) + rng.uniform(-jitter, jitter)
                y = (ref["keypoints"][3 * k + 1] or cy) + rng.uniform(-jitter, jitter)
                # An unlabelled keypoint keeps coordinates now and then: OKS reads them all the same.
                kp[3 * k:3 * k + 3] = [round(x, 2), round(y, 2), flag] if flag or rng.random() < 0.3 else [0, 0, 0]
            other["num_keypoints"] = sum(1 for k in range(17) if kp[3 * k + 2])
            other["bbox"] = [round(c + rng.uniform(-3, 3), 2) for c in ref["bbox"]]
            other["area"] = round(ref["area"] * rng.uniform(0.8, 1.2), 3)
            b_anns.append(other)
        if rng.random() < 0.2:  # an extra person only the other annotator drew
            b_anns.append(person(rng, len(b_anns) + 1, i, rng.uniform(100, 540), rng.uniform(100, 380), [2] * 17))
    cats = [{"id": 1, "name": "person", "keypoints": NAMES, "skeleton": [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13]]}]
    imgs = [{"id": i, "file_name": f"img{i:03d}.jpg", "width": 640, "height": 480} for i in range(1, images + 1)]
    return ({"images": imgs, "categories": cats, "annotations": a_anns}, {"images": imgs, "categories": cats, "annotations": b_anns})


def main():
    a, b = generate(7)
    for name, data in (("a", a), ("b", b)):
        with open(os.path.join(TMP, f"{name}.json"), "w") as f:
            json.dump(data, f)
    matches = os.path.join(TMP, "m.csv")
    r, rep = harness.json_report(TMP, "agree", os.path.join(TMP, "a.json"), os.path.join(TMP, "b.json"), "--matches", matches)
    expect("agree on keypoints runs", r.returncode == 0, r.stderr)
    if rep is None:
        return harness.summary()
    by_id = {"a": {x["id"]: x for x in a["annotations"]}, "b": {x["id"]: x for x in b["annotations"]}}
    rows = list(csv.DictReader(open(matches)))
    matched = [(int(x["id_a"]), int(x["id_b"]), float(x["iou"])) for x in rows if x["id_a"] and x["id_b"]]
    worst = max(abs(v - compute_oks(by_id["a"][i], by_id["b"][j])) for i, j, v in matched)
    expect("every matched pair's OKS equals computeOks to 1e-12", worst <= 1e-12, f"largest difference {worst}")
    zero = [(i, j) for i, j, _ in matched if not any(by_id["a"][i]["keypoints"][2::3])]
    expect("matched pairs include references with no labelled keypoint", len(zero) >= 3, str(len(zero)))

    # The matching: per image, a maximum-weight assignment over OKS >= 0.5.
    total_oks, total_matched = 0.0, 0
    for img in a["images"]:
        ga = [x for x in a["annotations"] if x["image_id"] == img["id"]]
        gb = [x for x in b["annotations"] if x["image_id"] == img["id"]]
        if not ga or not gb:
            continue
        score = np.array([[compute_oks(x, y) for y in gb] for x in ga])
        score[score < 0.5] = 0
        rr, cc = linear_sum_assignment(-score)
        total_matched += int(np.count_nonzero(score[rr, cc] > 0))
        total_oks += float(score[rr, cc].sum())
    got = rep["keypoints"]["overall"]
    expect("matched keypoint objects", got["objects"] == total_matched == len(matched), f"{got['objects']} {total_matched} {len(matched)}")
    expect("mean OKS", harness.close(got["mean_oks"]["value"], total_oks / total_matched, 1e-12), f"{got['mean_oks']['value']} vs {total_oks / total_matched}")

    # Per keypoint: PCK, misses, extras and distances over the matched pairs.
    per = {k["keypoint"]: k for k in rep["keypoints"]["per_class"][0]["per_keypoint"]}
    flags_a, flags_b = [], []
    for k, name in enumerate(NAMES):
        labelled = both = within = missed = extra = 0
        dist = 0.0
        for i, j, _ in matched:
            g, d = by_id["a"][i], by_id["b"][j]
            vg, vd = g["keypoints"][3 * k + 2], d["keypoints"][3 * k + 2]
            flags_a.append(vg)
            flags_b.append(vd)
            if vg > 0:
                labelled += 1
                if vd > 0:
                    both += 1
                    dd = float(np.hypot(d["keypoints"][3 * k] - g["keypoints"][3 * k], d["keypoints"][3 * k + 1] - g["keypoints"][3 * k + 1]))
                    dist += dd
                    within += dd <= PCK * float(np.hypot(g["bbox"][2], g["bbox"][3]))
                else:
                    missed += 1
            elif vd > 0:
                extra += 1
        row = per[name]
        expect(f"{name}: labelled, both, missed, extra", (row["keypoints_labelled"], row["keypoints_both"], row["keypoints_missed"], row["keypoints_extra"]) ==
               (labelled, both, missed, extra), f"{row} vs {(labelled, both, missed, extra)}")
        expect(f"{name}: PCK", harness.close(row["pck"]["value"], within / labelled, 1e-12), f"{row['pck']['value']} vs {within / labelled}")
        expect(f"{name}: mean distance", harness.close(row["mean_distance"]["value"], dist / both, 1e-9), f"{row['mean_distance']['value']} vs {dist / both}")
    kappa = cohen_kappa_score(flags_a, flags_b)
    got_kappa = rep["keypoints"]["visibility"]["cohen_kappa"]["value"]
    expect("visibility flags: Cohen's kappa equals sklearn's", harness.close(got_kappa, kappa, 1e-9), f"{got_kappa} vs {kappa}")
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
