#!/usr/bin/env python3
"""Runs `labelqa agree` on tool exports (tests/data/formats, shared samples).

Usage: test_formats.py LABELQA_BINARY SOURCE_DIR
Expected numbers are derived by hand in the comments from the fixtures' definitions.
"""
import json
import os
import sys
import tempfile

BINARY, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import close, expect, metric_ok, run  # noqa: E402

harness.BINARY = BINARY
LS = os.path.join(SRC, "tests", "data", "formats", "label_studio")
SAMPLES = os.path.join(SRC, "..", "shared", "samples")
TMP = tempfile.mkdtemp(prefix="labelqa-formats-")


def report(*args):
    return harness.json_report(TMP, *args)


# Label Studio classification export == the same ratings as CSV (item = task id, annotator =
# completed_by id, label = the choice), rows in the export's order. Annotator 3's annotation of
# task 13 is cancelled and the model prediction of task 10 is left out by default: 14 ratings.
r, ls = report("agree", os.path.join(LS, "classification.json"))
_, table = report("agree", os.path.join(LS, "classification.csv"))
expect("LS classification runs", r.returncode == 0, r.stderr)
expect("LS overall == CSV overall", ls["overall"] == table["overall"], json.dumps([ls["overall"], table["overall"]])[:2000])
expect("LS per_pair == CSV per_pair", ls.get("per_pair") == table.get("per_pair"))
expect("LS counts", ls["summary"]["items"] == 5 and ls["summary"]["ratings"] == 14, json.dumps(ls["summary"]))
expect("LS annotators by completed_by id", ls["summary"]["annotator_names"] == ["1", "2", "3"], json.dumps(ls["summary"]))
reasons = {s["reason"]: s["count"] for s in ls["input"]["skipped"]}
expect("LS skipped: cancelled, prediction, textarea",
       reasons == {"cancelled annotation (was_cancelled)": 1, "prediction (use --include-predictions)": 1,
                   "textarea result (not compared)": 1}, json.dumps(reasons))
expect("CSV input has an empty skipped list", table["input"]["skipped"] == [])
expect("LS metrics well formed", all(metric_ok(m) for m in ls["overall"].values()))
# The same 14 ratings as Label Studio's flat exports: JSON-MIN (one object per annotation, the
# control "sentiment" as a column, annotators by e-mail; one value in the {"choices": [...]} form)
# and the tab-separated CSV export with JSON strings for structured values.
for flat in ["classification_min.json", "classification_export.tsv"]:
    r, fl = report("agree", os.path.join(LS, flat))
    expect(f"LS {flat} overall == CSV overall", r.returncode == 0 and fl["overall"] == table["overall"], r.stderr)
    expect(f"LS {flat}: 14 ratings, annotators by e-mail", fl and fl["summary"]["ratings"] == 14
           and fl["summary"]["annotator_names"][0] == "annotator1@example.org", json.dumps(fl and fl["summary"]))
r = run("agree", os.path.join(LS, "classification_min.json"), "--control", "nope", "-q")
expect("JSON-MIN with an unknown --control: exit 2", r.returncode == 2, r.stderr)
_, pred = report("agree", os.path.join(LS, "classification.json"), "--include-predictions")
expect("--include-predictions adds the model as an annotator", pred["summary"]["annotator_names"] == ["1", "2", "3", "model v1"],
       json.dumps(pred["summary"]))
_, mail = report("agree", os.path.join(LS, "classification.json"), "--annotator-field", "email")
expect("--annotator-field email", mail["summary"]["annotator_names"] == ["1", "2", "annotator3@example.org"],
       json.dumps(mail["summary"]))

# Regions on a 200 x 100 image. Annotator 1: car [20,10,40,20]; a car at x=50%, y=50%, 10% x 20%
# turned 90 degrees about its top-left corner, covering [80,100] x [50,70]; a sign polygon.
# Annotator 2: the same first car, an axis-aligned car at [80,50,20,20] split over a rectangle and
# a labels result sharing one id, and a keypoint (a keypoint object of its own, with nothing to match). So 2
# matches, both IoU 1 (the turned box covers exactly the second box), the sign and the keypoint unmatched:
# f1 = 2*2/(3+3) = 2/3. The sign's per-region choice is its attribute "state".
r, reg = report("agree", os.path.join(LS, "regions.json"))
expect("LS regions run", r.returncode == 0, r.stderr)
o = reg["overall"] if reg else {}
expect("LS regions matched 2, only_a 1, only_b 1", o.get("matched") == 2 and o.get("unmatched_a") == 1 and o.get("unmatched_b") == 1, json.dumps(o))
expect("LS regions f1 2/3", close(o.get("f1", {}).get("value"), 2 / 3), json.dumps(o.get("f1")))
expect("LS rotated box matches its axis-aligned twin (mean IoU 1)", close(o.get("mean_iou", {}).get("value"), 1.0), json.dumps(o.get("mean_iou")))
reasons = {s["reason"]: s["count"] for s in reg["input"]["skipped"]}
expect("LS regions: the keypoint and the per-region choice are read, nothing skipped", reasons == {}, json.dumps(reasons))
r = run("agree", os.path.join(LS, "regions.json"), "--compare", "labels")
expect("--compare labels without classification results: exit 2", r.returncode == 2 and "no classification results" in r.stderr, r.stderr)

# Malformed exports: exit 2 naming file and task.
r = run("agree", os.path.join(LS, "bad", "no_annotations.json"))
expect("task without annotations: exit 2", r.returncode == 2 and "no_annotations.json" in r.stderr and "task 7" in r.stderr
       and "annotations" in r.stderr, r.stderr)
r = run("agree", os.path.join(LS, "bad", "no_original_width.json"))
expect("rectangle without original_width: exit 2", r.returncode == 2 and "task 8" in r.stderr and "original_width" in r.stderr, r.stderr)

# Real exports (facts from samples/README.md).
if harness.samples(SRC, "the real Label Studio exports"):
    cats = os.path.join(SAMPLES, "label-studio", "real-export-cats", "project-1-at-2025-06-19-14-54-b0c66fa7.json")
    r, c = report("agree", cats)
    expect("LS cats export: 14 images, 24 boxes, 1 annotator", r.returncode == 0 and c["summary"]["images"] == 14
           and c["summary"]["objects"] == 24 and c["summary"]["annotators"] == 1, r.stderr + json.dumps(c and c["summary"]))
    yolo = os.path.join(SAMPLES, "label-studio", "sdk-converter-tests", "test_export_yolo", "data.json")
    r, y = report("agree", yolo)
    expect("LS SDK fixture: two annotators of task 1", r.returncode == 0 and y["summary"]["annotators"] == 2, r.stderr)
    leoka = os.path.join(SAMPLES, "label-studio", "multi-annotator-ner", "LEOKA_team_1.json")
    r, n = report("agree", leoka, "--compare", "labels")
    expect("LEOKA taxonomy: 383 ratings by 3 annotators", r.returncode == 0 and n["summary"]["ratings"] == 383
           and n["summary"]["annotators"] == 3, r.stderr)
    # Spans (samples/README.md 1a): 130 tasks, 129 with 3 annotations and 1 with 2; 3260 spans, of
    # which 3 repeat a span of the same annotation exactly (same start, end and label) and count once.
    r, n = report("agree", leoka)
    expect("LEOKA spans: 130 documents, 3 annotators, 389 records", r.returncode == 0 and n["mode"] == "spans"
           and n["summary"]["documents"] == 130 and sum(f["documents"] for f in n["input"]["files"]) == 389, r.stderr)
    expect("LEOKA spans: 3257 distinct spans, 10 labels", n and n["summary"]["spans"] == 3257 and len(n["summary"]["labels"]) == 10,
           json.dumps(n and n["summary"]))
    expect("LEOKA spans: taxonomy left aside and said so", n and any(s["count"] == 383 for s in n["input"]["skipped"]), json.dumps(n and n["input"]))
    expect("LEOKA spans: overlap F1 above exact F1", n and n["overall"]["span_f1_overlap"]["value"] > n["overall"]["span_f1_exact"]["value"])
    ru = os.path.join(SAMPLES, "label-studio", "real-export-ner-ru", "project-14-at-2025-06-25-13-18-72190ffe.json")
    r, n = report("agree", ru)
    # Offsets count code points: "Илоном Маском" is [116, 129), 13 characters but 25 bytes.
    expect("Russian NER export: 7 spans within the text (code points)", r.returncode == 0 and n["summary"]["spans"] == 7, r.stderr)

# CVAT for images (tests/data/formats/cvat/images/a.xml derives the numbers): 3 matched pairs with
# IoU 0.5, 1 (CVAT mask vs polygon) and 1 (box turned 90 degrees about its centre vs its twin).
CV = os.path.join(SRC, "tests", "data", "formats", "cvat")
r, cv = report("agree", os.path.join(CV, "images", "a.xml"), os.path.join(CV, "images", "b.xml"))
o = cv["overall"] if cv else {}
expect("CVAT images: 3 matched, f1 1", r.returncode == 0 and o.get("matched") == 3 and close(o["f1"]["value"], 1.0), r.stderr + json.dumps(o))
expect("CVAT images: mean IoU (0.5 + 1 + 1) / 3", close(o.get("mean_iou", {}).get("value"), 2.5 / 3), json.dumps(o.get("mean_iou")))
expect("CVAT images: cuboid skipped", cv and cv["input"]["skipped"][0]["reason"] == "<cuboid> shapes (not read)"
       and cv["input"]["skipped"][0]["count"] == 1, json.dumps(cv and cv["input"]))
# Tags as labels: img1 day/day, img2 night/day: percent agreement 1/2.
r, tags = report("agree", os.path.join(CV, "images", "a.xml"), os.path.join(CV, "images", "b.xml"), "--compare", "labels")
expect("CVAT tags: percent agreement 0.5", r.returncode == 0 and close(tags["overall"]["percent_agreement"]["value"], 0.5), r.stderr)

# CVAT for video: the hand-worked two-track example in b.xml's comment.
r, vid = report("agree", os.path.join(CV, "video", "a.xml"), os.path.join(CV, "video", "b.xml"))
t = vid["tracks"]["overall"] if vid else {}
expect("tracks: idf1 0.6", r.returncode == 0 and close(t.get("idf1", {}).get("value"), 0.6), r.stderr + json.dumps(t))
expect("tracks: 2 ID switches, IDTP 6, 5 frames, 10 objects each",
       (t.get("id_switches"), t.get("idtp"), t.get("frames"), t.get("objects_a"), t.get("objects_b")) == (2, 6, 5, 10, 10), json.dumps(t))
expect("tracks: mean track IoU 0.96", close(t.get("mean_track_iou", {}).get("value"), 0.96), json.dumps(t))
expect("tracks: per_pair keys", vid and vid["tracks"]["per_pair"][0]["annotator_a"] == "a", json.dumps(vid and vid["tracks"]))
r, swap = report("agree", os.path.join(CV, "video", "b.xml"), os.path.join(CV, "video", "a.xml"), "--annotators", "b,a")
expect("idf1 is symmetric; ID switches depend on the reference", swap and close(swap["tracks"]["overall"]["idf1"]["value"], 0.6), r.stderr)
r = run("agree", os.path.join(CV, "video", "a.xml"), os.path.join(CV, "video", "b.xml"), "--min", "idf1=0.7", "-q")
expect("--min idf1=0.7 fails the gate", r.returncode == 1, r.stderr)

# A zipped CVAT export (as CVAT downloads it: annotations.xml at the root, deflated) reads like the
# file; a truncated archive is bad input.
import zipfile  # noqa: E402
job = os.path.join(TMP, "job7.zip")
with zipfile.ZipFile(job, "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.write(os.path.join(CV, "images", "b.xml"), "annotations.xml")
    z.writestr("images/img1.jpg", b"not really a jpeg")
r, zp = report("agree", os.path.join(CV, "images", "a.xml"), job)
expect("zipped CVAT export == the file", zp and zp["overall"] == cv["overall"] and zp["summary"]["annotator_names"] == ["a", "job7"],
       r.stderr + json.dumps(zp and zp["summary"]))
bad_zip = os.path.join(TMP, "broken.zip")
open(bad_zip, "wb").write(open(job, "rb").read()[:-30])
r = run("agree", os.path.join(CV, "images", "a.xml"), bad_zip, "--format", "cvat")
expect("truncated zip: exit 2 naming the archive", r.returncode == 2 and "broken.zip" in r.stderr, r.stderr)

# Malformed CVAT exports: exit 2 naming the file, line and image.
for name, needle in [("unclosed.xml", "malformed XML"), ("bad_number.xml", "box.ytl"), ("mask_sum.xml", "mask.rle")]:
    r = run("agree", os.path.join(CV, "bad", name), os.path.join(CV, "images", "b.xml"))
    expect(f"CVAT {name}: exit 2", r.returncode == 2 and name in r.stderr and needle in r.stderr and '"x.jpg"' in r.stderr, r.stderr)

# Real CVAT exports. The cats export holds the same 14 images and 24 boxes as the Label Studio
# export of the same person (samples/README.md 1b): compared across tools, every box matches.
if harness.samples(SRC, "the real CVAT exports"):
    cvat_cats = os.path.join(SAMPLES, "cvat", "images-boxes-cats-same-images-as-label-studio", "annotations.xml")
    r, x = report("agree", cvat_cats, cats)
    o = x["overall"] if x else {}
    expect("CVAT vs Label Studio cats: 14 images, 24 + 24 boxes, all matched", r.returncode == 0 and x["summary"]["images"] == 14
           and o.get("objects_a") == 24 and o.get("objects_b") == 24 and o.get("matched") == 24, r.stderr + json.dumps(o))
    expect("CVAT vs Label Studio cats: boxes differ by a few pixels (0.85 < mean IoU < 1)",
           0.85 < (o.get("mean_iou", {}).get("value") or 0) < 1, json.dumps(o.get("mean_iou")))
    fx = os.path.join(SAMPLES, "cvat", "datumaro-fixtures")
    r, f = report("agree", os.path.join(fx, "for_images", "train.xml"), os.path.join(fx, "for_images", "train.xml"), "--annotators", "x,y")
    reasons = {s["reason"]: s["count"] for s in f["input"]["skipped"]} if f else {}
    # train.xml: img0 a box, a polyline, a skeleton; img1 a polygon, points, a skeleton (skipped are counted per file).
    expect("datumaro train.xml: 6 objects (points, skeletons and the polyline read), nothing skipped", f and f["input"]["files"][0]["objects"] == 6
           and reasons == {}, r.stderr + json.dumps(reasons))
    r, v = report("agree", os.path.join(fx, "for_video", "annotations.xml"), os.path.join(fx, "for_video", "annotations.xml"), "--annotators", "x,y")
    # for_video: frames 10, 13, 16, 19 (start 10, stop 19, step 3); the box track is inside at frame 10 only, the
    # points track at frame 10 only, the skeleton on all 4 frames, the polyline track (keyframe 13, outside at 16) on frame 13 only.
    expect("datumaro video: 4 frames, 1 box, 1 points, 4 skeletons, 1 polyline", v and v["summary"]["images"] == 4 and v["input"]["files"][0]["objects"] == 7
           and v["tracks"]["overall"]["frames"] == 4, r.stderr + json.dumps(v and v["summary"]))

# Folder exports of one 40 x 20 image (tests/data/formats/folders): VOC and LabelMe draw a car
# (4,2)-(14,12) and a person (20,5)-(26,17) (LabelMe as a polygon, plus a point that is skipped);
# YOLO has the person 1 px to the right: IoU 5*12 / (7*12) = 5/7 against either. Mean IoU over the
# 6 matched pairs of 3 annotators = (4 + 2 * 5/7) / 6.
FO = os.path.join(SRC, "tests", "data", "formats", "folders")
r, fo = report("agree", os.path.join(FO, "voc"), os.path.join(FO, "yolo"), os.path.join(FO, "labelme"))
o = fo["overall"] if fo else {}
expect("VOC, YOLO, LabelMe: 6 matched pairs", r.returncode == 0 and o.get("matched") == 6 and o.get("label_mismatch") == 0, r.stderr + json.dumps(o))
expect("VOC, YOLO, LabelMe: mean IoU (4 + 10/7) / 6", close(o.get("mean_iou", {}).get("value"), (4 + 10 / 7) / 6), json.dumps(o.get("mean_iou")))
expect("YOLO image size read from the PNG next to the labels", fo and fo["summary"]["images"] == 1)
expect("LabelMe point read as a keypoint object (nothing skipped)", fo and fo["input"]["skipped"] == [] and fo["keypoints"]["overall"]["objects"] == 0,
       json.dumps(fo and fo["input"]["skipped"]))
r = run("agree", os.path.join(FO, "yolo"), os.path.join(FO, "bad_yolo"), "--image-sizes", os.path.join(FO, "bad_yolo", "sizes.csv"))
expect("YOLO line with 4 numbers: exit 2 naming the file, line and image", r.returncode == 2 and "street.txt:2" in r.stderr
       and '"street"' in r.stderr and "4 numbers" in r.stderr, r.stderr)
r = run("agree", os.path.join(FO, "voc"), os.path.join(FO, "bad_voc.xml"))
expect("VOC with an unclosed tag: exit 2", r.returncode == 2 and "bad_voc.xml:5" in r.stderr and "malformed XML" in r.stderr, r.stderr)
if harness.samples(SRC, "the datumaro VOC sample"):
    voc = os.path.join(SAMPLES, "masks", "datumaro-voc", "Annotations")
    r, v = report("agree", voc, voc, "--annotators", "x,y")
    # 2007_000001.xml: a cat and a person box on a 20 x 10 image; the person's head <part> is skipped.
    expect("datumaro VOC sample: 2 boxes, 1 part skipped", r.returncode == 0 and v["input"]["files"][0]["objects"] == 2
           and v["input"]["skipped"][0]["reason"] == "object parts (<part>)", r.stderr + json.dumps(v and v["input"]))

# Spans: the hand-worked example of docs/spans.md. Doc 1 "Anna met Bob in Paris": a PER Anna, PER
# Bob, LOC Paris; b PER Anna, PER "Bob in", ORG Paris. Doc 2 "Smith works at Acme": both PER Smith,
# ORG Acme. Exact 3 of 5 + 5 spans: F1 0.6; overlap 4: F1 0.8. Tokens (9): kappa 37/55, alpha 37/54.
SP = os.path.join(SRC, "tests", "data", "formats", "spans")
for fmt in ["doccano", "prodigy"]:
    r, sp = report("agree", os.path.join(SP, fmt, "a.jsonl"), os.path.join(SP, fmt, "b.jsonl"))
    o = sp["overall"] if sp else {}
    expect(f"{fmt}: runs as spans", r.returncode == 0 and sp["mode"] == "spans", r.stderr)
    expect(f"{fmt}: span_f1_exact 0.6, span_f1_overlap 0.8", close(o.get("span_f1_exact", {}).get("value"), 0.6)
           and close(o.get("span_f1_overlap", {}).get("value"), 0.8), json.dumps(o))
    expect(f"{fmt}: token_kappa 37/55, token_alpha 37/54", close(o.get("token_kappa", {}).get("value"), 37 / 55)
           and close(o.get("token_alpha", {}).get("value"), 37 / 54), json.dumps(o))
    per = {row["label"]: row for row in sp["per_label"]} if sp else {}
    expect(f"{fmt}: per label PER exact 2/3 overlap 1, LOC 0, ORG 2/3",
           close(per["PER"]["span_f1_exact"]["value"], 2 / 3) and close(per["PER"]["span_f1_overlap"]["value"], 1.0)
           and close(per["LOC"]["span_f1_exact"]["value"], 0.0) and close(per["ORG"]["span_f1_overlap"]["value"], 2 / 3), json.dumps(per))
    expect(f"{fmt}: per_pair per_label rows", sp and len(sp["per_pair"][0]["per_label"]) == 3)
_, sp = report("agree", os.path.join(SP, "prodigy", "a.jsonl"), os.path.join(SP, "prodigy", "b.jsonl"))
expect("prodigy: rejected answer skipped and counted", sp and sp["input"]["skipped"] == [
    {"count": 1, "file": os.path.join(SP, "prodigy", "b.jsonl"), "reason": "Prodigy answer reject or ignore"}], json.dumps(sp and sp["input"]))
r = run("agree", os.path.join(SP, "doccano", "a.jsonl"), os.path.join(SP, "bad", "b_text.jsonl"))
expect("matched record with other text: exit 2 naming both files and the line", r.returncode == 2 and "b_text.jsonl:2" in r.stderr
       and "a.jsonl line 2" in r.stderr, r.stderr)
r = run("agree", os.path.join(SP, "doccano", "a.jsonl"), os.path.join(SP, "bad", "b_offsets.jsonl"))
expect("span beyond the text: exit 2", r.returncode == 2 and "b_offsets.jsonl:1" in r.stderr and "does not lie in the text" in r.stderr, r.stderr)
r = run("agree", os.path.join(SP, "doccano", "a.jsonl"), os.path.join(SP, "doccano", "b.jsonl"), "--min", "span_f1_exact=0.7", "-q")
expect("--min span_f1_exact=0.7 fails the gate", r.returncode == 1, r.stderr)

# Input hygiene (tests/data/formats/hygiene, made by make_hygiene.py from files of this repository):
# a UTF-8 byte order mark and gzip compression change nothing but the file names.
HY = os.path.join(SRC, "tests", "data", "formats", "hygiene")


def scores(d):
    """A report without what names its inputs."""
    d = dict(d)
    for k in ("input", "summary"):
        d.pop(k, None)
    return json.dumps(d, sort_keys=True)


COCO_EX = os.path.join(SRC, "examples", "coco")
for variant in ("bom_alice.json", "alice.json.gz"):
    r0, plain = report("agree", os.path.join(COCO_EX, "alice.json"), os.path.join(COCO_EX, "bob.json"), "--annotators", "alice,bob")
    r, got = report("agree", os.path.join(HY, variant), os.path.join(COCO_EX, "bob.json"), "--annotators", "alice,bob")
    expect(f"COCO {variant}: the same scores as the plain file", r.returncode == 0 and plain and got and scores(got) == scores(plain), r.stderr)
for variant, original in (("bom_classification.json", os.path.join(LS, "classification.json")),
                          ("classification.json.gz", os.path.join(LS, "classification.json")),
                          ("bom_sentiment.csv", os.path.join(SRC, "examples", "sentiment.csv")),
                          ("sentiment.csv.gz", os.path.join(SRC, "examples", "sentiment.csv"))):
    r0, plain = report("agree", original)
    r, got = report("agree", os.path.join(HY, variant))
    expect(f"{variant}: the same scores as the plain file", r.returncode == 0 and plain and got and scores(got) == scores(plain), r.stderr)
r0, plain = report("agree", os.path.join(SRC, "tests", "data", "formats", "cvat", "images", "a.xml"), os.path.join(SRC, "tests", "data", "formats", "cvat", "images", "b.xml"), "--annotators", "a,b")
r, got = report("agree", os.path.join(HY, "bom_a.xml"), os.path.join(SRC, "tests", "data", "formats", "cvat", "images", "b.xml"), "--annotators", "a,b")
expect("CVAT XML with a byte order mark: the same scores", r.returncode == 0 and plain and got and scores(got) == scores(plain), r.stderr)
r0, plain = report("agree", os.path.join(SP, "doccano", "a.jsonl"), os.path.join(SP, "doccano", "b.jsonl"), "--annotators", "a,b")
r, got = report("agree", os.path.join(HY, "bom_doccano.jsonl"), os.path.join(SP, "doccano", "b.jsonl"), "--annotators", "a,b")
expect("doccano with a byte order mark: still doccano, the same scores", r.returncode == 0 and plain and got and scores(got) == scores(plain), r.stderr)
r = run("agree", os.path.join(HY, "alice.json.gz"), os.path.join(COCO_EX, "bob.json"), "--json", "-", "-q")
names = json.loads(r.stdout)["summary"]["annotator_names"] if r.returncode == 0 else []
expect("alice.json.gz is annotator alice", names == ["alice", "bob"], str(names) + r.stderr)
r = run("agree", os.path.join(HY, "truncated.json.gz"), os.path.join(COCO_EX, "bob.json"))
expect("a truncated .gz: exit 2 naming the file", r.returncode == 2 and "truncated.json.gz" in r.stderr and "gzip" in r.stderr, r.stderr)
# A format named against the content, and a folder where files are expected, say what they are.
r = run("agree", os.path.join(COCO_EX, "alice.json"), os.path.join(COCO_EX, "bob.json"), "--format", "cvat")
expect("--format cvat on COCO: the file looks like a COCO file", r.returncode == 2 and "alice.json looks like a COCO file, not a CVAT export" in r.stderr, r.stderr)
r = run("agree", os.path.join(LS, "classification.json"), "--format", "coco")
expect("--format coco on Label Studio: says what it looks like", r.returncode == 2 and "looks like a Label Studio JSON export" in r.stderr, r.stderr)
r = run("agree", COCO_EX)
expect("a folder of COCO files: give the files", r.returncode == 2 and "a folder holding 2 COCO files" in r.stderr, r.stderr)

sys.exit(harness.summary())
