#!/usr/bin/env python3
"""Runs `labelqa agree` on COCO files and PNG masks (tests/data/agree/{coco,masks}, shared samples).

Usage: test_agree_spatial.py LABELQA_BINARY SOURCE_DIR
Expected numbers come from the fixtures' own definitions (make_coco.py: integer rectangles, whose
pixels are known exactly; make_masks.py: numpy arrays), computed here independently of labelqa.
"""
import csv
import hashlib
import json
import os
import sys
import tempfile

import numpy as np

BINARY, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import close, expect, metric_ok, run  # noqa: E402

harness.BINARY = BINARY
COCO = os.path.join(SRC, "tests", "data", "agree", "coco")
MASKS = os.path.join(SRC, "tests", "data", "agree", "masks")
SAMPLES = os.path.join(SRC, "..", "shared", "samples")
sys.path.insert(0, MASKS)
sys.path.insert(0, COCO)
import make_coco  # noqa: E402
import make_masks  # noqa: E402

SCORE_KEYS = {"objects_a", "objects_b", "matched", "unmatched_a", "unmatched_b", "label_mismatch", "f1", "mean_iou",
              "mean_dice"}


def rect_iou(a, b, b_crowd=False):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    return inter / area_a if b_crowd else inter / (area_a + area_b - inter)


def agree_json(*args):
    r = run("agree", *args, "--json", "-", "-q")
    expect(f"agree {' '.join(os.path.basename(a) for a in args)} exits 0", r.returncode == 0, r.stderr)
    return json.loads(r.stdout) if r.returncode == 0 else None


def test_coco_pair(tmp):
    alice, bob = os.path.join(COCO, "alice.json"), os.path.join(COCO, "bob.json")
    d = agree_json(alice, bob, "--per-image")
    if d is None:
        return
    A = {a[0]: a for a in make_coco.ALICE["annotations"]}
    B = {b[0]: b for b in make_coco.BOB["annotations"]}
    # Expected matches: (alice id, bob id). Alice 4 is a crowd region: an ignore region, as COCOeval
    # treats it. Bob's 103 lies inside it (intersection over 103's own area: 1), so it is neither
    # matched nor missed but ignored; the crowd region itself is no object.
    pairs = {(1, 101): rect_iou(A[1][4], B[101][4]), (2, 102): rect_iou(A[2][4], B[102][4]), (5, 104): rect_iou(A[5][4], B[104][4])}
    ious = list(pairs.values())
    o = d["overall"]
    expect("mode objects", d["mode"] == "objects", d.get("mode"))
    expect("overall keys", SCORE_KEYS <= o.keys(), str(o.keys()))
    expect("overall counts", (o["objects_a"], o["objects_b"], o["matched"], o["unmatched_a"], o["unmatched_b"],
                              o["label_mismatch"], o["ignored"]) == (4, 4, 3, 1, 1, 1, 1), str(o))
    expect("overall f1", close(o["f1"]["value"], 2 * 3 / 8), str(o["f1"]))
    expect("overall mean_iou", close(o["mean_iou"]["value"], sum(ious) / 3), str(o["mean_iou"]))
    expect("overall mean_dice", close(o["mean_dice"]["value"], sum(2 * j / (1 + j) for j in ious) / 3))
    expect("bob 103 lies inside alice's crowd region (crowd IoU 1)", close(rect_iou(B[103][4], A[4][4], b_crowd=True), 1.0))
    expect("f1 has a bootstrap interval", metric_ok(o["f1"]) and o["f1"]["ci_method"] == "bootstrap" and
           o["f1"]["ci_low"] <= o["f1"]["value"] <= o["f1"]["ci_high"], str(o["f1"]))
    cls = {c["class"]: c for c in d["per_class"]}
    expect("classes by name across differing ids", sorted(cls) == ["bird", "cat", "dog"], str(sorted(cls)))
    c = cls["cat"]
    expect("cat counts", (c["objects_a"], c["objects_b"], c["matched"], c["unmatched_a"], c["unmatched_b"],
                          c["label_mismatch"]) == (3, 3, 2, 1, 0, 1), str(c))
    expect("cat f1", close(c["f1"]["value"], 4 / 6))
    expect("cat mean_iou", close(c["mean_iou"]["value"], (pairs[(1, 101)] + pairs[(5, 104)]) / 2))
    g = cls["dog"]
    expect("dog counts", (g["matched"], g["unmatched_a"], g["unmatched_b"], g["label_mismatch"], g["ignored"]) == (0, 0, 0, 1, 1), str(g))
    b = cls["bird"]
    expect("bird: no match, mean_iou null with reason", b["unmatched_b"] == 1 and b["mean_iou"]["value"] is None and
           b["mean_iou"]["undefined_reason"] == "no_matched_objects", str(b))
    p = d["per_pair"]
    expect("one pair", len(p) == 1 and p[0]["annotator_a"] == "alice" and p[0]["annotator_b"] == "bob", str(p))
    expect("differing image lists reported", (p[0]["images"], p[0]["images_only_a"], p[0]["images_only_b"]) == (3, 1, 1),
           str(p[0]))
    expect("warning image_lists_differ", [w["code"] for w in d["warnings"]] == ["image_lists_differ"], str(d["warnings"]))
    imgs = [(r["image"], r["f1"]["value"]) for r in d["per_image"]]
    expect("per_image worst first, empty image last", [i for i, _ in imgs] == ["img2.jpg", "img1.jpg", "img3.jpg"], str(imgs))
    e = d["per_image"][-1]
    expect("empty image: f1 null, reason no_objects", e["f1"]["value"] is None and e["f1"]["undefined_reason"] == "no_objects",
           str(e))
    s = d["summary"]
    expect("summary", (s["images"], s["images_compared"], s["annotators"], s["objects"]) == (5, 3, 2, 12), str(s))
    expect("no per_image without --per-image", "per_image" not in agree_json(alice, bob))

    # --matches: every matched pair and every unmatched object, sorted.
    mpath = os.path.join(tmp, "matches.csv")
    r = run("agree", alice, bob, "--matches", mpath, "-q")
    expect("--matches exits 0", r.returncode == 0, r.stderr)
    rows = list(csv.reader(open(mpath)))
    want = [["image", "annotator_a", "id_a", "class_a", "annotator_b", "id_b", "class_b", "iou"],
            ["img1.jpg", "alice", "1", "cat", "bob", "101", "cat", repr(pairs[(1, 101)])],
            ["img1.jpg", "alice", "2", "dog", "bob", "102", "cat", repr(pairs[(2, 102)])],
            ["img1.jpg", "alice", "3", "cat", "bob", "", "", ""],
            ["img2.jpg", "alice", "5", "cat", "bob", "104", "cat", repr(pairs[(5, 104)])],
            ["img2.jpg", "alice", "", "", "bob", "105", "bird", ""]]
    expect("--matches rows", rows == want, "\n".join(map(str, rows)))

    # CSV report: long format.
    cpath = os.path.join(tmp, "r.csv")
    run("agree", alice, bob, "--csv", cpath, "-q")
    rows = list(csv.DictReader(open(cpath)))
    f1 = [r for r in rows if r["scope"] == "overall" and r["metric"] == "f1"]
    expect("csv overall f1", len(f1) == 1 and close(float(f1[0]["value"]), 0.75), str(f1))
    expect("csv header", list(rows[0].keys()) == ["scope", "class", "annotator_a", "annotator_b", "image", "metric", "value",
                                                  "ci_low", "ci_high", "ci_method", "undefined_reason"])

    # Matching within classes: the dog/cat pair becomes two unmatched objects.
    m = agree_json(alice, bob, "--match-by-class")["overall"]
    expect("--match-by-class", (m["matched"], m["label_mismatch"], m["unmatched_a"], m["unmatched_b"]) == (2, 0, 2, 2), str(m))
    t = agree_json(alice, bob, "--iou-threshold", "0.9")["overall"]
    expect("--iou-threshold 0.9", t["matched"] == sum(1 for j in ious if j >= 0.9), str(t))

    # Text summary.
    r = run("agree", alice, bob)
    expect("text names the worst images and the objects section", "worst images" in r.stdout and
           "krippendorff_alpha" in r.stdout and "img2.jpg" in r.stdout, r.stdout)


def test_objects_section(tmp):
    """The objects section is the categorical coefficients on the clusters, with 'nothing'."""
    alice, bob = os.path.join(COCO, "alice.json"), os.path.join(COCO, "bob.json")
    d = agree_json(alice, bob)
    sec = d["objects"]
    # Alice's crowd region and bob's object inside it are no units.
    units = [("img1#1", "cat", "cat"), ("img1#2", "dog", "cat"), ("img1#3", "cat", "nothing"),
             ("img2#2", "cat", "cat"), ("img2#3", "nothing", "bird")]
    expect("objects units", sec["units"] == 5 and sec["nothing"] == 2, str(sec))
    table = os.path.join(tmp, "clusters.csv")
    with open(table, "w") as f:
        f.write("item,annotator,label\n")
        for u, a, b in units:
            f.write(f"{u},alice,{a}\n{u},bob,{b}\n")
    cat = agree_json(table)["overall"]
    for key in ("krippendorff_alpha", "fleiss_kappa", "gwet_ac1"):
        expect(f"objects {key} = categorical agree on the clusters", close(sec[key]["value"], cat[key]["value"], 1e-12),
               f"{sec[key]} vs {cat[key]}")
    from nltk.metrics.agreement import AnnotationTask
    task = AnnotationTask(data=[(c, u, lab) for u, a, b in units for c, lab in (("alice", a), ("bob", b))])
    expect("objects alpha = nltk", close(sec["krippendorff_alpha"]["value"], task.alpha(), 1e-9))


def test_three_annotators_and_names(tmp):
    alice, bob = os.path.join(COCO, "alice.json"), os.path.join(COCO, "bob.json")
    carol = os.path.join(tmp, "carol.json")
    with open(carol, "w") as f:
        json.dump(make_coco.build(make_coco.ALICE), f)
    d = agree_json(alice, bob, carol)
    expect("three pairs", [(p["annotator_a"], p["annotator_b"]) for p in d["per_pair"]] ==
           [("alice", "bob"), ("alice", "carol"), ("bob", "carol")], str(d["per_pair"]))
    ac = d["per_pair"][1]
    expect("identical deliveries agree fully", ac["f1"]["value"] == 1 and ac["mean_iou"]["value"] == 1 and
           ac["label_mismatch"] == 0, str(ac))
    d = agree_json(alice, bob, "--annotators", "vendor1,vendor2")
    expect("--annotators names", d["summary"]["annotator_names"] == ["vendor1", "vendor2"], str(d["summary"]))
    r = run("agree", alice, alice)
    expect("same stem twice is bad usage", r.returncode == 2 and "--annotators" in r.stderr, r.stderr)
    r = run("agree", alice, bob, "--annotators", "x")
    expect("--annotators count mismatch", r.returncode == 2, r.stderr)


def test_gates():
    alice, bob = os.path.join(COCO, "alice.json"), os.path.join(COCO, "bob.json")
    expect("gate f1 >= 0.5 passes", run("agree", alice, bob, "--min", "f1=0.5", "-q").returncode == 0)
    r = run("agree", alice, bob, "--min", "f1=0.9", "-q")
    expect("gate f1 >= 0.9 fails with exit 1", r.returncode == 1 and "f1" in r.stderr, r.stderr)
    r = run("agree", alice, bob, "--min", "krippendorff_alpha=0.99", "-q")
    expect("gate on the objects section", r.returncode == 1, r.stderr)
    r = run("agree", alice, bob, "--min", "cohen_kappa=0.5", "-q")
    expect("unknown gate metric is exit 2", r.returncode == 2 and "mean_iou" in r.stderr, r.stderr)


def test_bad_coco(tmp):
    bob = os.path.join(COCO, "bob.json")
    cases = {
        "truncated.json": ["truncated.json", "byte", "invalid JSON"],
        "odd_polygon.json": ["odd_polygon.json", "annotation 2 (id 2)", "odd number of coordinates", "byte"],
        "rle_sum.json": ["rle_sum.json", "id 5", "8001", "8000"],
    }
    for name, needles in cases.items():
        path = os.path.join(COCO, "bad", name)
        before = hashlib.sha256(open(path, "rb").read()).hexdigest()
        out = os.path.join(tmp, "never.json")
        r = run("agree", path, bob, "--json", out)
        expect(f"{name}: exit 2", r.returncode == 2, r.stderr)
        expect(f"{name}: message names file and object", all(n in r.stderr for n in needles), r.stderr)
        expect(f"{name}: no report written", not os.path.exists(out))
        expect(f"{name}: input unchanged", hashlib.sha256(open(path, "rb").read()).hexdigest() == before)
    garbage = os.path.join(tmp, "garbage.json")
    for i, text in enumerate(['{"images": 5, "annotations": []}', '{"annotations": [{"id": 1}]}',
                              '{"annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2]}]}',
                              '{"annotations": [{"id":1,"image_id":1,"category_id":1,"segmentation":{"size":[2,2],"counts":"zz"}}]}',
                              '{"annotations": [{"id":1,"image_id":9,"category_id":1,"bbox":[0,0,1,1]}], "images": [], "categories": [{"id":1,"name":"a"}]}',
                              '{"annotations": [], "images": [{"id": 1, "width": -3}]}', '[{"image_id": 1, ']):
        with open(garbage, "w") as f:
            f.write(text)
        r = run("agree", garbage, bob)
        expect(f"malformed COCO {i}: exit 2 with a message", r.returncode == 2 and "garbage.json" in r.stderr, r.stderr)


def test_determinism():
    alice, bob = os.path.join(COCO, "alice.json"), os.path.join(COCO, "bob.json")
    outs = [run("agree", alice, bob, "--per-image", "--json", "-", "--threads", t).stdout for t in ("1", "2", "3")]
    expect("objects: same bytes for 1, 2, 3 threads", outs[0] == outs[1] == outs[2] and outs[0] != "")
    sem = [os.path.join(MASKS, "semantic", "ann1"), os.path.join(MASKS, "semantic", "ann2")]
    outs = [run("agree", "--masks", *sem, "--per-image", "--json", "-", "--threads", t).stdout for t in ("1", "2")]
    expect("masks: same bytes for 1 and 2 threads", outs[0] == outs[1] and outs[0] != "")


def semantic_expected():
    m = make_masks.semantic()
    names = sorted(set(m["ann1"]) & set(m["ann2"]))
    conf = {}
    per_image = {}
    for n in names:
        a, b = m["ann1"][n][0].astype(np.int64), m["ann2"][n][0].astype(np.int64)
        keep = (a != 255) & (b != 255)
        ci = {}
        for va, vb in zip(a[keep].ravel(), b[keep].ravel()):
            conf[(va, vb)] = conf.get((va, vb), 0) + 1
            ci[(va, vb)] = ci.get((va, vb), 0) + 1
        per_image[n] = ci

    def scores(c):
        total = sum(c.values())
        agree = sum(v for (x, y), v in c.items() if x == y)
        vals = sorted({x for x, _ in c} | {y for _, y in c})
        ious, dices = {}, {}
        for k in vals:
            tp = c.get((k, k), 0)
            ra = sum(v for (x, _), v in c.items() if x == k)
            rb = sum(v for (_, y), v in c.items() if y == k)
            ious[k] = tp / (ra + rb - tp)
            dices[k] = 2 * tp / (ra + rb)
        return agree / total, ious, dices

    return scores(conf), {n: scores(c) for n, c in per_image.items()}


def test_semantic_masks(tmp):
    sem = [os.path.join(MASKS, "semantic", "ann1"), os.path.join(MASKS, "semantic", "ann2")]
    d = agree_json("--masks", *sem, "--classes", os.path.join(MASKS, "classes.csv"), "--per-image")
    if d is None:
        return
    (acc, ious, dices), per_image = semantic_expected()
    o = d["overall"]
    expect("mode masks", d["mode"] == "masks")
    expect("pixel_accuracy (8-bit, 16-bit and palette PNGs)", close(o["pixel_accuracy"]["value"], acc), f"{o} {acc}")
    expect("mean_iou over classes present", close(o["mean_iou"]["value"], sum(ious.values()) / len(ious)))
    expect("mean_dice", close(o["mean_dice"]["value"], sum(dices.values()) / len(dices)))
    got = {c["value"]: c for c in d["per_class"]}
    expect("classes seen", sorted(got) == sorted(ious), str(sorted(got)))
    for k, v in ious.items():
        expect(f"class {k} iou", close(got[k]["iou"]["value"], v), str(got.get(k)))
        expect(f"class {k} dice", close(got[k]["dice"]["value"], dices[k]))
    expect("class names from the map", got[1]["class"] == "road", str(got[1]))
    expect("unnamed value reported by number", got[300]["class"] == "300")
    codes = sorted(w["code"] for w in d["warnings"])
    expect("warnings: unknown value, image lists", codes == ["image_lists_differ", "unknown_mask_value"], str(codes))
    p = d["per_pair"][0]
    expect("pair image counts", (p["images"], p["images_only_a"], p["images_only_b"]) == (3, 1, 0), str(p))
    expect("ignored pixels counted", d["summary"]["ignored_pixels"] == 40 + 1, str(d["summary"]))
    order = [r["image"] for r in d["per_image"]]
    want = sorted(per_image, key=lambda n: (sum(per_image[n][1].values()) / len(per_image[n][1]), per_image[n][0]))
    expect("per_image worst first", order == want, f"{order} vs {want}")
    for r in d["per_image"]:
        expect(f"per_image {r['image']} accuracy", close(r["pixel_accuracy"]["value"], per_image[r["image"]][0]))
    expect("intervals on pixel_accuracy", metric_ok(o["pixel_accuracy"]) and o["pixel_accuracy"]["ci_low"] is not None)
    r = run("agree", "--masks", *sem, "--matches", os.path.join(tmp, "m.csv"))
    expect("--matches with semantic masks is bad usage", r.returncode == 2, r.stderr)


def test_instance_masks(tmp):
    dirs = [os.path.join(MASKS, "instances", "ann1"), os.path.join(MASKS, "instances", "ann2")]
    mpath = os.path.join(tmp, "im.csv")
    d = agree_json("--instance-masks", *dirs, "--classes", os.path.join(MASKS, "instance_classes.json"), "--matches", mpath)
    if d is None:
        return
    m = make_masks.instances()
    a, b = m["ann1"]["i.png"][0], m["ann2"]["i.png"][0]

    def iou(v):
        x, y = a == v, b == v
        return (x & y).sum() / (x | y).sum()

    rows = list(csv.reader(open(mpath)))[1:]
    want = [["i.png", "ann1", "24001", "person", "ann2", "24001", "person", repr(iou(24001))],
            ["i.png", "ann1", "24002", "person", "ann2", "", "", ""],
            ["i.png", "ann1", "26001", "car", "ann2", "26001", "car", repr(iou(26001))],
            ["i.png", "ann1", "", "", "ann2", "26002", "car", ""]]
    expect("instance masks: one object per value, class = value / 1000", rows == want, str(rows))
    expect("instance f1", close(d["overall"]["f1"]["value"], 4 / 6), str(d["overall"]))


def test_bad_masks():
    r = run("agree", "--masks", os.path.join(MASKS, "bad_size", "ann1"), os.path.join(MASKS, "bad_size", "ann2"))
    expect("PNG of the wrong size: exit 2 naming both files", r.returncode == 2 and "ann2/x.png" in r.stderr and
           "ann1/x.png" in r.stderr and "39x30" in r.stderr, r.stderr)
    r = run("agree", "--masks", os.path.join(MASKS, "corrupt", "ann1"), os.path.join(MASKS, "corrupt", "ann2"))
    expect("corrupt PNG: exit 2 naming the file", r.returncode == 2 and "ann2/y.png" in r.stderr and "PNG" in r.stderr,
           r.stderr)
    r = run("agree", "--masks", os.path.join(MASKS, "semantic", "ann1"), os.path.join(MASKS, "nope"))
    expect("missing directory: exit 2", r.returncode == 2 and "nope" in r.stderr, r.stderr)
    r = run("agree", "--masks", os.path.join(MASKS, "semantic", "ann1"), os.path.join(MASKS, "semantic", "ann2"),
            "--classes", os.path.join(MASKS, "make_masks.py"))
    expect("bad class map: exit 2", r.returncode == 2 and "make_masks.py" in r.stderr, r.stderr)


def test_examples():
    """examples/ holds copies of two fixtures for new users: they must give the same reports."""
    ex = os.path.join(SRC, "examples")
    for args, fixture in (([os.path.join(ex, "coco", "alice.json"), os.path.join(ex, "coco", "bob.json")],
                           [os.path.join(COCO, "alice.json"), os.path.join(COCO, "bob.json")]),
                          (["--masks", os.path.join(ex, "masks", "ann1"), os.path.join(ex, "masks", "ann2"), "--classes",
                            os.path.join(ex, "masks", "classes.csv")],
                           ["--masks", os.path.join(MASKS, "semantic", "ann1"), os.path.join(MASKS, "semantic", "ann2"),
                            "--classes", os.path.join(MASKS, "classes.csv")])):
        a, b = agree_json(*args), agree_json(*fixture)
        if a and b:
            a.pop("input")
            b.pop("input")
            expect(f"example {os.path.basename(args[-1])} matches its fixture", a == b)


def test_samples():
    """Real exports nobody here wrote."""
    if not harness.samples(SRC, "agree on the real COCO and mask samples"):
        return
    det = os.path.join(SAMPLES, "coco", "panopticapi-sample", "panoptic_coco_detection_format.json")
    d = agree_json(det, det, "--annotators", "a,b")
    if d:
        o = d["overall"]
        # 50 segments, 3 of them crowd regions (ignore regions, as COCOeval treats them): 47 match exactly.
        expect("panoptic detection file against itself: all 47 non-crowd segments match exactly",
               (o["matched"], o["objects_a"], o["f1"]["value"], o["mean_iou"]["value"]) == (47, 47, 1, 1), str(o))
    res = os.path.join(SAMPLES, "coco", "cocoapi-results")
    d = agree_json(os.path.join(res, "instances_val2014_fakebbox100_results.json"),
                   os.path.join(res, "instances_val2014_fakesegm100_results.json"), "--bootstrap", "100")
    if d:
        expect("results files (bare lists): boxes against compressed RLE", d["summary"]["images"] == 99 and
               d["summary"]["objects"] == 1468 and 0 < d["overall"]["mean_iou"]["value"] < 1, str(d["summary"]))
    dat = os.path.join(SAMPLES, "coco", "datumaro-fixtures")
    d = agree_json(os.path.join(dat, "instances_val.json"), os.path.join(dat, "instances_train.json"))
    if d:
        expect("datumaro fixtures: crowd RLE and empty segmentation read", d["summary"]["objects"] == 3, str(d["summary"]))
    mots = os.path.join(SAMPLES, "masks", "datumaro-mots", "instances")
    d = agree_json("--instance-masks", mots, mots, "--annotators", "a,b")
    if d:
        expect("MOTS 16-bit instance ids: 3 objects, all matched", d["overall"]["matched"] == 3, str(d["overall"]))
    city = os.path.join(SAMPLES, "masks", "datumaro-cityscapes")
    d = agree_json("--masks", city, city, "--annotators", "a,b")
    if d:
        expect("Cityscapes 8- and 16-bit masks against themselves", d["overall"]["pixel_accuracy"]["value"] == 1, str(d["overall"]))
    voc = os.path.join(SAMPLES, "masks", "datumaro-voc", "SegmentationClass")
    r = run("agree", "--masks", voc, voc, "--annotators", "a,b")
    expect("RGB masks: exit 2 explaining colour masks", r.returncode == 2 and "RGB" in r.stderr, r.stderr)


def test_class_lists():
    """One class-list reader for every command: value,name CSV, labelme's labels.txt (__ignore__
    first), datumaro's labelmap.txt (name:colour::) and a plain name per line name the same values."""
    masks = os.path.join(SRC, "tests", "data", "agree", "masks")
    pair = [os.path.join(masks, "semantic", "ann1"), os.path.join(masks, "semantic", "ann2")]

    def per_class(classes, command="agree"):
        if command == "agree":
            r = run("agree", "--masks", *pair, "--classes", os.path.join(masks, classes), "--json", "-", "-q")
        else:
            r = run("gold", "--masks", pair[1], "--gold", pair[0], "--classes", os.path.join(masks, classes), "--min-items", "1", "--json", "-", "-q")
        return r, (json.loads(r.stdout) if r.returncode in (0, 1) and r.stdout else {})

    _, want = per_class("classes.csv")
    for name in ("labelme_labels.txt", "datumaro_labelmap.txt", "names.txt"):
        r, got = per_class(name)
        expect(f"agree --classes {name}: the same classes as classes.csv", r.returncode == 0 and got.get("per_class") == want.get("per_class"),
               r.stderr + str([c["class"] for c in got.get("per_class", [])]))
    _, want = per_class("classes.csv", "gold")
    r, got = per_class("labelme_labels.txt", "gold")
    expect("gold --classes labelme labels.txt: the same scores as classes.csv", r.returncode in (0, 1) and got.get("annotators") == want.get("annotators"), r.stderr)


def test_attributes_and_keypoints(tmp):
    """The worked examples of docs/attributes.md, docs/keypoints.md and docs/gold.md."""
    video = os.path.join(SRC, "tests", "data", "formats", "cvat", "video")
    r, d = harness.json_report(tmp, "agree", os.path.join(video, "a.xml"), os.path.join(video, "b.xml"))
    at = {x["attribute"]: x for x in d["attributes"]} if d else {}
    expect("attributes: occluded 10 pairs, 4 differ, agreement 0.6", at.get("occluded", {}).get("items") == 10 and at["occluded"]["differing"] == 4 and
           close(at["occluded"]["percent_agreement"]["value"], 0.6), r.stderr + json.dumps(at.get("occluded")))
    expect("attributes: colour 5 pairs, all red against (none)", at.get("colour", {}).get("differing") == 5 and at["colour"]["values"] == ["(none)", "red"] and
           at["colour"]["confusion"] == [[0, 0], [5, 0]], json.dumps(at.get("colour")))
    # COCO "attributes" as CVAT exports them: booleans, strings, numbers; track_id and keyframe
    # are not attributes (CVAT's quality control leaves them out too).
    def cvat_coco(name, attrs):
        anns = [{"id": k + 1, "image_id": 1, "category_id": 1, "bbox": [10 + 30 * k, 10, 20, 20], "area": 400, "iscrowd": 0,
                 "attributes": dict(a, track_id=k, keyframe=True)} for k, a in enumerate(attrs)]
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            json.dump({"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}], "categories": [{"id": 1, "name": "car"}],
                       "annotations": anns}, f)
        return path
    ca = cvat_coco("attrs_a.json", [{"occluded": False, "colour": "red", "doors": 4}, {"occluded": True, "colour": "blue", "doors": 2}])
    cb = cvat_coco("attrs_b.json", [{"occluded": False, "colour": "red", "doors": 4}, {"occluded": False, "colour": "red", "doors": 2.5}])
    r, d = harness.json_report(tmp, "agree", ca, cb, "--bootstrap", "0")
    at = {x["attribute"]: x for x in d["attributes"]} if d else {}
    expect("COCO attributes: colour, doors and occluded read (not track_id, keyframe); one pair differs in each",
           sorted(at) == ["colour", "doors", "occluded"] and all(at[k]["items"] == 2 and at[k]["differing"] == 1 for k in at) and
           at["doors"]["values"] == ["2", "2.5", "4"] and at["occluded"]["values"] == ["false", "true"], r.stderr + json.dumps(at)[:600])
    kp = os.path.join(SRC, "tests", "data", "keypoints")
    sig = os.path.join(kp, "hand_sigmas.json")
    matches = os.path.join(tmp, "kp.csv")
    r, d = harness.json_report(tmp, "agree", os.path.join(kp, "hand_a.json"), os.path.join(kp, "hand_b.json"), "--sigmas", sig, "--matches", matches)
    oks = [float(x["iou"]) for x in csv.DictReader(open(matches))] if r.returncode == 0 else []
    worst = [(w["keypoint"], w["mean_normalized_distance"]["value"]) for w in d["keypoints"]["worst_keypoints"]] if d else []
    expect("keypoints: worst first, thumb 4 / (10 sqrt 2) then wrist 2 / (10 sqrt 2); index (labelled by one side only) left out",
           [k for k, _ in worst] == ["thumb", "wrist"] and close(worst[0][1], 4 / (10 * 2 ** 0.5), 1e-12) and close(worst[1][1], 2 / (10 * 2 ** 0.5), 1e-12),
           str(worst))
    expect("keypoints: OKS 0.853173855 and 0.593577079 by hand", len(oks) == 2 and abs(oks[0] - 0.853173855190223) < 1e-12 and
           abs(oks[1] - 0.5935770790692109) < 1e-12, r.stderr + str(oks))
    r, g = harness.json_report(tmp, "gold", os.path.join(kp, "hand_b.json"), "--gold", os.path.join(kp, "hand_a.json"), "--sigmas", sig, "--min-items", "1")
    v = g["vendor"] if g else {}
    expect("gold keypoints: oks 0.7234, pck 1/2, miss rate 0", close(v.get("oks", {}).get("value"), (0.853173855190223 + 0.5935770790692109) / 2) and
           close(v["pck"]["value"], 0.5) and close(v["keypoint_miss_rate"]["value"], 0.0), r.stderr + json.dumps(v)[:500])
    expect("gold keypoints: pck[wrist] 1/1, pck[thumb] 0/1 with Wilson intervals", v.get("pck[wrist]", {}).get("value") == 1 and
           v.get("pck[thumb]", {}).get("value") == 0 and v["pck[thumb]"]["ci_method"] == "wilson", json.dumps({k: v.get(k) for k in ("pck[wrist]", "pck[thumb]")}))
    for joint, code in (("wrist", 0), ("thumb", 1)):
        r = run("gold", os.path.join(kp, "hand_b.json"), "--gold", os.path.join(kp, "hand_a.json"), "--sigmas", sig, "--min-items", "1",
                "--min", f"pck[{joint}]=0.5", "-q")
        expect(f"gold rule pck[{joint}]>=0.5: exit {code}", r.returncode == code, r.stdout[-300:] + r.stderr)
    r = run("gold", os.path.join(kp, "hand_b.json"), "--gold", os.path.join(kp, "hand_a.json"), "--sigmas", sig, "--min-items", "1",
            "--min", "keypoint_miss_rate=0.1", "-q")
    expect("gold: a minimum on keypoint_miss_rate (an error rate) is bad usage naming pck", r.returncode == 2 and "pck" in r.stderr, r.stderr)
    r, _ = harness.json_report(tmp, "agree", os.path.join(kp, "hand_a.json"), os.path.join(kp, "hand_b.json"), "--sigmas", os.path.join(kp, "bad_sigmas.json"))
    expect("sigmas naming too few keypoints: exit 2 naming the keypoint", r.returncode == 2 and 'no sigma for keypoint "index"' in r.stderr, r.stderr)

    # docs/spatial.md, "Polylines".
    pl = os.path.join(SRC, "tests", "data", "polylines")
    r, d = harness.json_report(tmp, "agree", os.path.join(pl, "a.xml"), os.path.join(pl, "b.xml"), "--compare-direction", "--matches", matches)
    sims = {x["class_a"]: float(x["iou"]) for x in csv.DictReader(open(matches))} if r.returncode == 0 else {}
    expect("polylines: lane exp(-1/2), kerb exp(-1/8) reversed", close(sims.get("lane"), np.exp(-0.5), 1e-12) and close(sims.get("kerb"), np.exp(-0.125), 1e-12) and
           d["polylines"]["overall"]["reversed"] == 1 and close(d["polylines"]["overall"]["mean_distance"]["value"], 1.5), r.stderr + str(sims))
    r, g = harness.json_report(tmp, "gold", os.path.join(pl, "b.xml"), "--gold", os.path.join(pl, "a.xml"), "--compare-direction", "--min-items", "1")
    types = sorted((c["type"], c["class"]) for c in g["conflicts"]) if g else []
    expect("polylines gold: low_overlap on the lane, mismatching_direction on the kerb", types == [("low_overlap", "lane"), ("mismatching_direction", "kerb")], str(types))
    v = g["vendor"] if g else {}
    expect("polylines gold: line_similarity (exp(-1/2) + exp(-1/8)) / 2, line_distance 1.5 px",
           close(v.get("line_similarity", {}).get("value"), (np.exp(-0.5) + np.exp(-0.125)) / 2, 1e-12) and close(v.get("line_distance", {}).get("value"), 1.5), str(v)[:300])
    r = harness.run("gold", os.path.join(pl, "b.xml"), "--gold", os.path.join(pl, "a.xml"), "--min", "line_distance=2")
    expect("gold: a minimum on line_distance is bad usage naming line_similarity", r.returncode == 2 and "line_similarity" in r.stderr, r.stderr)

    # docs/spatial.md, "Covered objects and groups": the car under the van is covered (nothing of it
    # visible); the wall is drawn under the sign by z_order (later in the file, lower z_order); the
    # car under the tree keeps a quarter visible; the second bag is grouped with the first person.
    rel = os.path.join(SRC, "tests", "data", "relations")
    r, g = harness.json_report(tmp, "gold", os.path.join(rel, "vendor.xml"), "--gold", os.path.join(rel, "gold.xml"), "--min-items", "1")
    found = sorted((c["type"], c["item"], c["class"], c.get("visible"), c.get("group"), c.get("gold_group")) for c in g["conflicts"]) if g else []
    expect("gold: covered_annotation (car under the van, 0 visible) and mismatching_groups (bag of group 2 put in group 7)",
           found == [("covered_annotation", "street.png", "car", 0.0, None, None), ("mismatching_groups", "people.png", "bag", None, 7, 2)],
           r.stderr + str(found))
    r, g = harness.json_report(tmp, "gold", os.path.join(rel, "vendor.xml"), "--gold", os.path.join(rel, "gold.xml"), "--min-items", "1",
                               "--object-visibility-threshold", "0.3")
    visible = sorted(c["visible"] for c in g["conflicts"] if c["type"] == "covered_annotation") if g else []
    expect("gold --object-visibility-threshold 0.3: the car under the tree (0.25 visible) is covered too", visible == [0.0, 0.25], r.stderr + str(visible))
    r, g = harness.json_report(tmp, "gold", os.path.join(rel, "vendor.xml"), "--gold", os.path.join(rel, "gold.xml"), "--min-items", "1",
                               "--object-visibility-threshold", "0")
    expect("gold --object-visibility-threshold 0: no covered_annotation", g is not None and not any(c["type"] == "covered_annotation" for c in g["conflicts"]),
           r.stderr)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_coco_pair(tmp)
        test_objects_section(tmp)
        test_three_annotators_and_names(tmp)
        test_gates()
        test_bad_coco(tmp)
        test_determinism()
        test_semantic_masks(tmp)
        test_instance_masks(tmp)
        test_bad_masks()
        test_class_lists()
        test_examples()
        test_samples()
        test_attributes_and_keypoints(tmp)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
