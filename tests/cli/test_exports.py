#!/usr/bin/env python3
"""Real exports read right (tests/data/exports): item identity, annotators per file, crowd regions,
one geometry for every command.

Usage: test_exports.py LABELQA_BINARY SOURCE_DIR
Each fixture is written from the format's documentation; the expected numbers are derived in the
comments from the fixture's definition (tests/data/exports/*/make_*.py).
"""
import json
import os
import sys
import tempfile

BINARY, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import close, expect, run  # noqa: E402

harness.BINARY = BINARY
EX = os.path.join(SRC, "tests", "data", "exports")
ID = os.path.join(EX, "identity")
AN = os.path.join(EX, "annotators")
TMP = tempfile.mkdtemp(prefix="labelqa-exports-")


def report(*args):
    return harness.json_report(TMP, *args)


def images_of(d):
    return sorted(i["image"] for i in d.get("per_image", []))


def warning_codes(d):
    return [w["code"] for w in d["input"]["warnings"]]


# ---- 1. Item identity ----
# A CVAT project export: Train/img0.jpg and Test/img0.jpg are two images (1 and 2 boxes).
r, d = report("agree", os.path.join(ID, "project_a.xml"), os.path.join(ID, "project_b.xml"), "--per-image")
expect("cvat project: two items", d is not None and d["summary"]["images"] == 2, r.stderr)
if d:
    expect("cvat project: qualified names", images_of(d) == ["Test/img0.jpg", "Train/img0.jpg"], images_of(d))
    expect("cvat project: matched by id", d["input"]["items_matched_by"] == "id")
    expect("cvat project: 3 matched pairs", d["overall"]["matched"] == 3, d["overall"])
    expect("cvat project: the shared name is warned", warning_codes(d) == ["ambiguous_item_name"], d["input"]["warnings"])
# Tags per subset are two items too.
r, d = report("agree", os.path.join(ID, "project_a.xml"), os.path.join(ID, "project_b.xml"), "--compare", "labels")
expect("cvat project tags: two items", d is not None and d["summary"]["items"] == 2, r.stderr)
# The same box on Train/img0.jpg and Test/img0.jpg is not a duplicate.
r = run("validate", os.path.join(ID, "project_a.xml"), "--json", "-", "-q")
expect("cvat project: no duplicate finding", r.returncode == 0 and "duplicate" not in r.stdout, r.stdout + r.stderr)
# Tasks made from videos all start at frame_000000.jpg: the task tells them apart.
r, d = report("agree", os.path.join(ID, "video_tasks_a.xml"), os.path.join(ID, "video_tasks_b.xml"), "--per-image")
expect("cvat video tasks: two items", d is not None and images_of(d) == ["task 1/frame_000000.jpg", "task 2/frame_000000.jpg"], d and images_of(d))
# LabelMe train/ and val/ folders each hold img1.jpg.
r, d = report("agree", os.path.join(ID, "labelme_a"), os.path.join(ID, "labelme_b"), "--per-image")
expect("labelme folders: two items", d is not None and images_of(d) == ["train/img1.jpg", "val/img1.jpg"], d and images_of(d))
# Two Label Studio tasks show one image URL: two items, named by the URL's file and the task.
r, d = report("agree", os.path.join(ID, "ls_same_url.json"), "--per-image")
expect("label studio same URL: two items", d is not None and images_of(d) == ["cat.jpg (task 1)", "cat.jpg (task 2)"], d and images_of(d))
if d:
    # Boxes are x 20..60 (task 1) or 120..160 (task 2) against 22..62 / 122..162 in pixels: IoU 38/42.
    expect("label studio same URL: every box matched", d["overall"]["matched"] == 2 and close(d["overall"]["mean_iou"]["value"], 38 / 42, 1e-9), d["overall"])
# --match-items-by name: img0.jpg is ambiguous in both files, so nothing is matched, with a warning.
r, d = report("agree", os.path.join(ID, "project_a.xml"), os.path.join(ID, "project_b.xml"), "--match-items-by", "name")
expect("match by name: ambiguous names kept apart", d is not None and d["input"]["items_matched_by"] == "name" and d["overall"]["matched"] == 0, r.stderr)
if d:
    msgs = " ".join(w["message"] for w in d["input"]["warnings"])
    expect("match by name: the warning names the item and the files", 'item name "img0.jpg" is ambiguous' in msgs and "project_b.xml" in msgs, msgs)
r = run("agree", os.path.join(ID, "project_a.xml"), os.path.join(ID, "project_b.xml"), "--match-items-by", "bogus")
expect("match by: an unknown rule is bad usage", r.returncode == 2, r.stderr)

# ---- 2. Annotators from separate files ----
# Two vendors' Label Studio instances each call their annotator 1: two annotators, with a warning.
VA, VB = os.path.join(AN, "vendor_a.json"), os.path.join(AN, "vendor_b.json")
r, d = report("agree", VA, VB)
expect("two LS files: two annotators", d is not None and [f["annotator"] for f in d["input"]["files"]] == ["vendor_a:1", "vendor_b:1"], r.stderr)
if d:
    expect("two LS files: warned", warning_codes(d) == ["annotator_in_several_files"], d["input"]["warnings"])
    expect("two LS files: 3 matched boxes", d["overall"]["matched"] == 3, d["overall"])
# --annotators renames for Label Studio: one name per file holding one annotator, or OLD=NEW.
r, d = report("agree", VA, VB, "--annotators", "alice,bob", "--compare", "labels")
# quality labels: a = good, good, bad; b = good, bad, bad: 2 of 3 agree, Cohen's kappa (2/3 - 4/9) / (1 - 4/9) = 0.4.
expect("LS --annotators by file", d is not None and [p["annotator_a"] for p in d["per_pair"]] == ["alice"] and close(d["per_pair"][0]["cohen_kappa"]["value"], 0.4), r.stderr)
r, d = report("agree", VA, VB, "--annotators", "vendor_a:1=alice,vendor_b:1=bob", "--compare", "labels")
expect("LS --annotators OLD=NEW", d is not None and [p["annotator_b"] for p in d["per_pair"]] == ["bob"], r.stderr)
r = run("agree", VA, VB, "--annotators", "nobody=alice")
expect("--annotators: an unknown old name is bad usage", r.returncode == 2 and "nobody" in r.stderr, r.stderr)
r = run("agree", os.path.join(ID, "ls_same_url.json"), "--annotators", "alice")
expect("--annotators: a file with two annotators takes no single name", r.returncode == 2 and "holds 2 annotators" in r.stderr, r.stderr)
# OLD=NEW renames the annotators of rating tables and COCO files too.
r, d = report("agree", os.path.join(SRC, "examples", "sentiment.csv"), "--annotators", "ana=first")
expect("table --annotators OLD=NEW", d is not None and "first" in [p["annotator_a"] for p in d["per_pair"]] + [p["annotator_b"] for p in d["per_pair"]], r.stderr)
# Annotations without completed_by are each their own annotator.
r, d = report("agree", os.path.join(AN, "anonymous.json"))
expect("anonymous annotations kept apart", d is not None and len(d["per_pair"]) == 2 and warning_codes(d) == ["anonymous_annotator"], r.stderr)
# gold --gold-annotator: one annotator of the delivery is the gold.
r, d = report("gold", VA, VB, "--gold-annotator", "vendor_a:1", "--compare", "labels")
expect("gold --gold-annotator", d is not None and [a["annotator"] for a in d["annotators"]] == ["vendor_b:1"], r.stderr)
if d:
    expect("gold --gold-annotator: accuracy 2/3", close(d["annotators"][0]["accuracy"]["value"], 2 / 3), d["annotators"][0])
r = run("gold", VA, VB, "--gold-annotator", "nobody")
expect("gold --gold-annotator: unknown annotator is bad input", r.returncode == 2 and "nobody" in r.stderr, r.stderr)

# ---- 3. COCO crowd regions are ignore regions ----
CR = os.path.join(EX, "crowd")
r, d = report("agree", os.path.join(CR, "a.json"), os.path.join(CR, "b.json"))
# Cars match (IoU 1 and 380/420); the crowd regions are no objects; b's person inside a's crowd is ignored.
expect("crowd: only the cars count", d is not None and (d["overall"]["objects_a"], d["overall"]["objects_b"], d["overall"]["matched"],
                                                        d["overall"]["ignored"], d["overall"]["label_mismatch"]) == (2, 2, 2, 1, 0), d and d["overall"])
if d:
    expect("crowd: f1 1", close(d["overall"]["f1"]["value"], 1.0), d["overall"]["f1"])
    expect("crowd: no units for crowd regions", d["objects"]["units"] == 2, d["objects"])
r = run("agree", os.path.join(CR, "a.json"), os.path.join(CR, "b.json"))
expect("crowd: the terminal says what was ignored", "ignored: 1 object" in r.stdout, r.stdout)
r, d = report("gold", os.path.join(CR, "b.json"), "--gold", os.path.join(CR, "a.json"))
expect("crowd: gold raises no conflict", d is not None and d["conflicts"] == [] and d["annotators"][0]["ignored"] == 1, d and d["conflicts"])

# ---- 4. One geometry for every command ----
GE = os.path.join(EX, "geometry")
EXACT, BOXES, EXACT2 = (os.path.join(GE, f) for f in ("exact.json", "boxes.json", "exact2.json"))
r, d = report("agree", EXACT, BOXES)
pixel_iou = d["overall"]["mean_iou"]["value"] if d else None
# The pentagon is 1400 of the box's 1600 square pixels (7/8), give or take the rasterised edge.
expect("agree: polygons by pixels", pixel_iou is not None and 0.85 < pixel_iou < 0.9 and d["summary"]["iou_type"] == "auto", d and d["summary"])
r, d = report("agree", EXACT, BOXES, "--iou-type", "box")
expect("agree --iou-type box", d is not None and close(d["overall"]["mean_iou"]["value"], 1.0), d and d["overall"])
r, d = report("agree", EXACT, BOXES, "--iou-type", "mask")
expect("agree --iou-type mask", d is not None and close(d["overall"]["mean_iou"]["value"], pixel_iou), d and d["overall"])
r, d = report("report", BOXES, "--gold", EXACT)
expect("report against gold: the IoU agree gives", d is not None and close(d["annotators"][0]["mean_iou"], pixel_iou), d and d["annotators"][0])
r, d = report("report", BOXES, EXACT, EXACT2)
if d:
    by = {a["annotator"]: a for a in d["annotators"]}
    # The consensus of two exact pentagons and one box is a pentagon: the box-drawer scores the pixel IoU.
    expect("report against consensus: the IoU agree gives", close(by["boxes"]["mean_iou"], pixel_iou) and close(by["exact"]["mean_iou"], 1.0),
           {k: v["mean_iou"] for k, v in by.items()})
    expect("report names the geometry", d["options"]["iou_type"] == "auto", d["options"])
r, d = report("gold", BOXES, "--gold", EXACT)
expect("gold: the IoU agree gives", d is not None and close(d["annotators"][0]["mean_iou"]["value"], pixel_iou) and d["options"]["iou_type"] == "auto",
       d and d["annotators"][0]["mean_iou"])

# ---- 6. Nothing passes unread ----
UN = os.path.join(EX, "unread")
# doccano: one span runs past its 21-character text, one is given twice.
r = run("validate", os.path.join(UN, "doccano_bad_spans.jsonl"), "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout else None
expect("validate reads doccano", r.returncode == 1 and d is not None and d["summary"]["annotations"] == 4 and d["summary"]["items"] == 2, r.stdout + r.stderr)
if d:
    codes = sorted((f["code"], f["severity"], f["item"]) for f in d["findings"])
    expect("validate: span outside its text, duplicate span", codes == [("duplicate", "warning", "1"), ("out_of_text", "error", "1")], codes)
r = run("validate", os.path.join(SRC, "tests", "data", "formats", "spans", "prodigy", "a.jsonl"), "--format", "prodigy", "-q")
expect("validate --format prodigy", r.returncode == 0, r.stderr)
r = run("validate", os.path.join(SRC, "examples", "coco", "alice.json"), "--format", "cvat")
expect("validate --format contradicting the content", r.returncode == 2 and "looks like a COCO file" in r.stderr, r.stderr)
# A Label Studio audio export: agree compares its time segments, gold scores them.
AUDIO = os.path.join(UN, "ls_audio.json")
r, d = report("agree", AUDIO)
expect("agree: an audio export's segments are compared", d is not None and d["mode"] == "segments" and d["summary"]["segments"] == 2, r.stderr)
r = run("gold", AUDIO, "--gold", AUDIO, "--min-items", "1", "--json", "-", "-q")
d = json.loads(r.stdout) if r.returncode == 0 else None
expect("gold: an audio export against itself scores its segments perfectly", d is not None and d["vendor"]["f1"]["value"] == 1 and
       d["vendor"]["gold_objects"] == 2, r.stderr)
# Video timelinelabels (frame ranges, both ends included) at 25 frames per second, by hand:
# ann Ride [0, 2) s, Kickflip [2, 3) and [4, 5); ben Ride [0, 1.8), Kickflip [2, 3) and frame 126
# [5, 5.04). Ride IoU 0.9 and the first Kickflip 1 match; the rest do not: F1 4/6, mean IoU 0.95.
VIDEO = os.path.join(SRC, "tests", "data", "segments", "ls_video.json")
r, d = report("agree", VIDEO, "--frame-rate", "25", "--bootstrap", "0")
expect("agree: video timelinelabels at 25 fps", d is not None and close(d["overall"]["f1"]["value"], 4 / 6) and close(d["overall"]["mean_iou"]["value"], 0.95) and
       d["summary"]["labels"] == ["Kickflip", "Ride"], r.stderr)
r, d = report("agree", VIDEO, "--bootstrap", "0")
expect("agree: timelinelabels without a frame rate are frame numbers, said in a warning",
       d is not None and any(w["code"] == "frames_without_frame_rate" for w in d["input"]["warnings"]), r.stderr)
r = run("validate", AUDIO, "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout else None
expect("validate checks an audio export's segments", d is not None and d["summary"]["annotations"] == 2 and d["summary"]["skipped"] == [], r.stdout)
# Skipped types are shown by every command: the CVAT fixture holds a cuboid.
CVA, CVB = (os.path.join(SRC, "tests", "data", "formats", "cvat", "images", f) for f in ("a.xml", "b.xml"))
for cmd in (["validate", CVA], ["agree", CVA, CVB], ["gold", CVA, "--gold", CVB], ["report", CVA, CVB]):
    r = run(*cmd)
    expect(f"{cmd[0]}: skipped cuboid on the terminal", "skipped: 1 x <cuboid> shapes" in r.stdout, r.stdout)
r, d = report("report", CVA, CVB)
expect("report: skipped in the JSON", d is not None and any("cuboid" in s["reason"] for s in d["input"]["skipped"]), d and d.get("input"))

# ---- 7. Misread formats ----
MR = os.path.join(EX, "misread")
# Prodigy textcat: the answer is the rating. a: accept reject accept accept; b: accept reject reject accept.
# Agreement 3/4; chance (3/4)(2/4) + (1/4)(2/4) = 1/2; Cohen's kappa (3/4 - 1/2) / (1 - 1/2) = 0.5.
r, d = report("agree", os.path.join(MR, "textcat_a.jsonl"), os.path.join(MR, "textcat_b.jsonl"))
expect("prodigy textcat is categorical", d is not None and d["summary"]["items"] == 4 and close(d["overall"]["cohen_kappa"]["value"], 0.5), r.stderr)
# A doccano file without any span is still doccano.
r, d = report("agree", os.path.join(MR, "doccano_no_spans_a.jsonl"), os.path.join(MR, "doccano_no_spans_b.jsonl"))
expect("doccano without spans is doccano", d is not None and d["summary"]["documents"] == 2 and close(d["overall"]["span_f1_exact"]["value"], 0.0), r.stderr)
# YOLO pose: one keypoint object with its box (not a polygon, no self_intersection), nothing skipped.
for folder in ("yolo_pose", "yolo_pose_nodata"):
    r = run("validate", os.path.join(MR, folder), "--format", "yolo", "--image-sizes", os.path.join(MR, "yolo_pose", "sizes.csv"), "--json", "-", "-q")
    d = json.loads(r.stdout) if r.stdout else None
    expect(f"{folder}: a keypoint object, nothing skipped", r.returncode == 0 and d is not None and d["findings"] == [] and d["summary"]["annotations"] == 1 and
           d["summary"]["skipped"] == [], r.stdout + r.stderr)
# YOLO OBB: four corners are a rotated rectangle, compared by its pixels. A diamond (half-diagonal
# 40 px on a 100 x 100 image, 3,200 px^2) against the square around it (6,400 px^2): IoU 1/2, where
# reading either as its bounding box would give 1.
OB = os.path.join(MR, "yolo_obb")
r = run("agree", os.path.join(OB, "a"), os.path.join(OB, "b"), "--format", "yolo", "--image-sizes", os.path.join(OB, "sizes.csv"),
        "--matches", os.path.join(TMP, "obb.csv"), "-q")
rows = open(os.path.join(TMP, "obb.csv")).read().splitlines() if r.returncode == 0 else []
expect("yolo obb: a diamond against its square, IoU 1/2 in pixels", len(rows) == 2 and close(float(rows[1].split(",")[-1]), 0.5, 0.01), r.stderr + str(rows))
# Spans: a document only one annotator delivered is warned about, as images are.
r, d = report("agree", os.path.join(MR, "spans_a.jsonl"), os.path.join(MR, "spans_b.jsonl"))
expect("one-sided documents warned", d is not None and [w["code"] for w in d["warnings"]] == ["document_lists_differ"], d and d["warnings"])
if d:
    expect("span overlap F1 names its matching", d["overall"]["overlap_matching"] == "within_label", d["overall"].keys())
r = run("agree", os.path.join(MR, "spans_a.jsonl"), os.path.join(MR, "spans_b.jsonl"))
label_header = [l for l in r.stdout.splitlines() if l.startswith("label ")]
expect("span label table has no empty kappa column", label_header and "kappa" not in label_header[0], r.stdout)

# ---- 9. Locations a user can follow ----
LO = os.path.join(EX, "locations")
r = run("validate", os.path.join(LO, "coco_missing_category.json"), "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout else None
expect("COCO missing_reference names the image", d is not None and [(f["code"], f["item"], f["annotation"]) for f in d["findings"]] ==
       [("missing_reference", "a.jpg", "2")], r.stdout)
r = run("validate", os.path.join(LO, "labelme"), "--format", "labelme", "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout else None
# The bow-tie is shapes[1] of b.json: the finding names that file and the shape's 1-based position.
expect("LabelMe findings name the JSON file and its shape", d is not None and
       [(os.path.basename(f["file"]), f["item"], f["annotation"], f["code"]) for f in d["findings"]] == [("b.json", "b.jpg", "2", "self_intersection")], r.stdout)
r, d = report("gold", os.path.join(LO, "ls_delivery.json"), "--gold", os.path.join(LO, "ls_gold.json"))
expect("Label Studio conflicts name the result id", d is not None and [(c["type"], c["annotation"]) for c in d["conflicts"]] == [("extra_annotation", "extra-one")],
       d and d["conflicts"])

# ---- 11. Schemas inside exports ----
SC = os.path.join(EX, "schemas")
r = run("validate", os.path.join(SC, "cvat_meta.xml"), "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout else None
got = sorted((f["code"], f["severity"], f["item"], f["message"].split(":")[0]) for f in d["findings"]) if d else None
msgs = " ".join(f["message"] for f in d["findings"]) if d else ""
expect("CVAT <meta> messages", '"green", not one of the values <meta> declares (blue, red)' in msgs and 'label "truck" is not declared' in msgs, msgs)
expect("CVAT <meta>: undeclared label, attribute value outside its list, case-only class names", r.returncode == 1 and got == [
    ("unknown_class", "error", "a.jpg", "attribute color"), ("unknown_class", "error", "a.jpg", "box.label"),
    ("unknown_class", "warning", "", "class names that differ only by case")], got)
r = run("validate", os.path.join(SC, "ls_export.json"), "--label-config", os.path.join(SC, "ls_config.xml"), "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout else None
expect("Label Studio config: an undeclared label", d is not None and [(f["code"], f["class"], f["annotation"]) for f in d["findings"]] == [("unknown_class", "bus", "b")],
       r.stdout + r.stderr)

# ---- 12. Terminal tables ----
TE = os.path.join(EX, "terminal")
r = run("agree", os.path.join(TE, "long_names.csv"))
pair_rows = [l for l in r.stdout.splitlines() if l.startswith("first.")]
expect("long annotator names: columns separate", len(pair_rows) == 1 and " second." in pair_rows[0], r.stdout)
expect("control characters escaped", "multi\\nline\\tlabel" in r.stdout and "multi\nline" not in r.stdout, r.stdout)
r = run("agree", os.path.join(TE, "long_a.json"), os.path.join(TE, "long_b.json"))
lines = r.stdout.splitlines()
worst = lines[lines.index(next(l for l in lines if l.startswith("worst images"))) + 1:][:2]
names = [w[:28].strip() for w in worst]
expect("worst images: cut names stay distinct", len(names) == 2 and names[0] != names[1] and all(len(w[:28]) == 28 and w[27] == " " for w in worst), worst)
# Chart titles fit their picture: the comparison chart is as wide as its title needs.
out = os.path.join(TMP, "rep")
r = run("report", os.path.join(SRC, "examples", "report", "ratings.csv"), "--gold", os.path.join(SRC, "examples", "report", "gold.csv"), "--out", out, "-q")
png = open(os.path.join(out, "images", "comparison_accuracy.png"), "rb").read()
width = int.from_bytes(png[16:20], "big")
expect("comparison chart wide enough for its title", r.returncode == 0 and width >= 600, width)

# ---- Tracks: CLEAR-MOT as py-motmetrics (hand-worked case, docs/metrics.md) ----
r, d = report("agree", os.path.join(EX, "tracks", "reference.xml"), os.path.join(EX, "tracks", "tracker.xml"))
if d:
    t = d["tracks"]["overall"]
    # Frames 1 and 2 keep g1-h1 and g2-h2 (IoU 8/12 >= 0.5) although the crossed pairs overlap more (9/11):
    # no ID switch (re-matching every frame from scratch would count 2). MOTA 1 - 0/6 = 1;
    # MOTP = mean IoU of the 6 matches = (1 + 1 + 4 * 8/12) / 6; IDTP 6 of 6 and 6: IDF1 = IDP = IDR = 1.
    expect("CLEAR-MOT keeps correspondences", t["id_switches"] == 0 and t["matched"] == 6, t)
    expect("MOTA, MOTP, IDP, IDR", close(t["mota"]["value"], 1.0) and close(t["motp"]["value"], (2 + 4 * 8 / 12) / 6) and
           close(t["idp"]["value"], 1.0) and close(t["idr"]["value"], 1.0) and close(t["idf1"]["value"], 1.0), t)
else:
    expect("tracks report runs", False, r.stderr)

# ---- Dawid-Skene: a class an annotator never saw has no confusion row ----
r, d = report("report", os.path.join(EX, "consensus", "unseen_class.csv"))
if d:
    c = next(a for a in d["annotators"] if a["annotator"] == "c")["dawid_skene_confusion"]
    # c rated only the three cat items: its row "dog" rests on no weight and is null, its row "cat" is (1, 0).
    expect("DS: unseen class row is null, with its weight", c["counts"][1] is None and c["weights"][1] < 1 and close(c["counts"][0][0], 1.0), c)
    expect("DS: converged by crowd-kit's rule", d["dawid_skene"]["converged"] and d["dawid_skene"]["iterations"] <= 100, d["dawid_skene"])
else:
    expect("DS report runs", False, r.stderr)

sys.exit(harness.summary())
