#!/usr/bin/env python3
"""Every real sample beside the repository (../shared/samples) read as its provenance notes
(../shared/samples/README.md) describe it: the counts the notes state, the quirks they name.

Usage: test_samples.py LABELQA_BINARY SOURCE_DIR
Skips with one printed line on a clone without the samples.
"""
import json
import math
import os
import sys
import tempfile

BINARY, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import close, expect  # noqa: E402

harness.BINARY = BINARY
S = harness.samples(SRC, "the counts of the real samples")
if S is None:
    sys.exit(harness.summary())


def path(*parts):
    return os.path.join(S, *parts)


TMP_DIR = tempfile.TemporaryDirectory()
TMP = TMP_DIR.name


def validated(*args):
    d, r = harness.json_stdout("validate", *args)
    return (d["summary"] if d else None), (d["findings"] if d else []), r


def skipped(summary):
    return {s["reason"]: s["count"] for s in summary["skipped"]}


# 1a. LEOKA_team_1.json: 130 narratives; 129 tasks with 3 annotations and 1 with 2 (389), from 3
# annotators; 3260 `labels` spans and 383 `taxonomy` results.
leoka = path("label-studio", "multi-annotator-ner", "LEOKA_team_1.json")
s, _, r = validated(leoka)
expect("1a: 389 annotations, 3260 spans + 383 taxonomy results", s is not None and s["items"] == 389 and s["annotations"] == 3260 + 383, r.stdout[-400:])
d, r = harness.json_stdout("agree", leoka, "--compare", "spans")
expect("1a: 130 documents, 3 annotators", d is not None and d["summary"]["documents"] == 130 and d["summary"]["annotators"] == 3, r.stderr)
d, r = harness.json_stdout("agree", leoka, "--compare", "labels")
expect("1a: the 383 taxonomy results rated by 3 annotators", d is not None and d["summary"]["annotators"] == 3 and d["summary"]["ratings"] == 383, r.stderr)

# 1b / 2e. The same 14 cat photos boxed in both tools: 24 boxes each; Label Studio's 8-hex upload
# prefix stripped, the images match by name across the tools.
ls_cats = path("label-studio", "real-export-cats", "project-1-at-2025-06-19-14-54-b0c66fa7.json")
cvat_cats = path("cvat", "images-boxes-cats-same-images-as-label-studio", "annotations.xml")
for name, f in (("1b Label Studio", ls_cats), ("2e CVAT", cvat_cats)):
    s, _, r = validated(f)
    expect(f"{name}: 14 images, 24 boxes", s is not None and (s["items"], s["annotations"]) == (14, 24), r.stdout[-300:])
d, r = harness.json_stdout("agree", ls_cats, cvat_cats, "--annotators", "label_studio,cvat")
expect("1b/2e: matched by name, all 14 images compared", d is not None and d["input"]["items_matched_by"] == "name" and
       d["summary"]["images_compared"] == 14 and d["overall"]["objects_a"] == 24 and d["overall"]["objects_b"] == 24, r.stderr)

# 1c. One task, 7 NER spans over Russian text (offsets in code points).
s, findings, r = validated(path("label-studio", "real-export-ner-ru", "project-14-at-2025-06-25-13-18-72190ffe.json"))
expect("1c: 1 document, 7 spans, all inside the text", s is not None and (s["items"], s["annotations"]) == (1, 7) and findings == [], r.stdout[-300:])

# 1d. SDK converter fixtures.
Y = path("label-studio", "sdk-converter-tests", "test_export_yolo")
d, r = harness.json_stdout("agree", os.path.join(Y, "data.json"))
expect("1d data.json: 2 tasks, task 1 by two users", d is not None and d["summary"]["images"] == 2 and len(d["summary"]["annotator_names"]) == 2 and
       d["summary"]["images_compared"] == 1, r.stderr)
s, findings, r = validated(os.path.join(Y, "data_obb.json"))
expect("1d data_obb.json: 25 rotated rectangles", s is not None and s["annotations"] == 25, r.stdout[-300:])
s, findings, r = validated(os.path.join(Y, "data_obb.json"), "--label-config", os.path.join(Y, "label_config_obb.xml"))
expect("1d data_obb.json: Butterfly against the config's butterfly is reported", any(f["code"] == "unknown_class" and f["class"] == "Butterfly" for f in findings),
       [f["message"] for f in findings])
s, findings, r = validated(os.path.join(Y, "data_polygons.json"))
expect("1d data_polygons.json: one polygon", s is not None and s["annotations"] == 1 and findings == [], r.stdout[-300:])
s, _, r = validated(os.path.join(Y, "data_keypoints.json"))
expect("1d data_keypoints.json: the 3 keypoints are one object with the rectangle (2 annotations), relations counted as skipped",
       s is not None and s["annotations"] == 2 and skipped(s) == {"relation result": 5}, s and s["skipped"])
C = path("label-studio", "sdk-converter-tests", "test_export_coco", "data.json")
s, _, r = validated(C)
expect("1d test_export_coco: a rectangle, a polygon and 2 lone keypoints (no parentID: one object each)", s is not None and s["annotations"] == 4 and
       not s["skipped"], s and s["skipped"])
d, r = harness.json_stdout("agree", C)
expect("1d test_export_coco: no completed_by: an anonymous annotator, warned", d is not None and
       [w["code"] for w in d["input"]["warnings"]] == ["anonymous_annotator"], r.stdout[-400:] + r.stderr)
s, _, r = validated(path("label-studio", "sdk-converter-tests", "test_export_csv", "csv_test.json"))
expect("1d csv_test.json: 2 tasks, predictions left out and counted", s is not None and s["items"] == 2 and
       skipped(s).get("prediction (use --include-predictions)") == 2, s and s["skipped"])

# 2d. datumaro's CVAT fixtures.
F = path("cvat", "datumaro-fixtures")
s, findings, r = validated(os.path.join(F, "for_images", "train.xml"))
expect("2d for_images: 2 images; points, skeletons and the polyline read", s is not None and s["items"] == 2 and
       s["annotations"] == 6 and skipped(s) == {}, s)
expect("2d for_images: the shapes without a label are found", sorted(f["item"] for f in findings if "without a label" in f["message"]) == ["img0.jpg", "img1.jpg"],
       [f["message"] for f in findings])
d, r = harness.json_stdout("validate", os.path.join(F, "for_video", "annotations.xml"))
expect("2d for_video: frames 10 to 19 by 3 (size 4)", d is not None and d["summary"]["items"] == 4, r.stdout[-300:])
# Keypoints, counted by hand: img0's skeleton has node 1 outside, img1's node 3; img1's <points> has 3
# points. The skeleton's nodes are the labels 1-4 whose <parent> is "skeleton", in <meta> order.
train = os.path.join(F, "for_images", "train.xml")
d, r = harness.json_stdout("agree", train, train, "--annotators", "a,b")
kp = d and d["keypoints"]
expect("2d for_images: 3 keypoint objects, 9 labelled keypoints, skeleton nodes 1-4 labelled 1, 2, 1, 2 times",
       kp is not None and kp["overall"]["objects"] == 3 and kp["overall"]["keypoints_labelled"] == 9 and
       [(k["keypoint"], k["keypoints_labelled"]) for k in kp["per_class"][1]["per_keypoint"]] == [("1", 1), ("2", 2), ("3", 1), ("4", 2)] and
       kp["overall"]["mean_oks"]["value"] == 1, r.stderr or kp)
# The video's skeleton track (frames 10, 13, 16, 19 by the step of 3) is shown to the end; its node 3
# goes outside at frame 13; the <points> track "klhg" is outside from frame 13.
video = os.path.join(F, "for_video", "annotations.xml")
d, r = harness.json_stdout("agree", video, video, "--annotators", "a,b")
kp = d and d["keypoints"]
expect("2d for_video: skeleton on 4 frames with 13 labelled nodes, klhg's 3 points on one frame",
       kp is not None and [(c["class"], c["objects"], c["keypoints_labelled"]) for c in kp["per_class"]] == [("klhg", 1, 3), ("skeleton", 4, 13)],
       r.stderr or kp)
# The video's polyline track "II" is drawn at frame 13 and outside from frame 16: one polyline. The
# same track 0.1 px lower scores, on the 25 x 20 video (s = 500, t = 0.01), exp(-0.1^2 / (2 s (2t)^2))
# = exp(-0.025) at every resampled point.
lower = os.path.join(TMP, "for_video_lower.xml")
with open(video, encoding="utf-8") as f:
    text = f.read()
old_points = 'points="7.85,13.88;3.50,6.67;15.90,2.00;13.31,7.21"'
with open(lower, "w", encoding="utf-8") as f:
    f.write(text.replace(old_points, 'points="7.85,13.98;3.50,6.77;15.90,2.10;13.31,7.31"'))
d, r = harness.json_stdout("agree", video, lower, "--annotators", "a,b", "--bootstrap", "0")
pl = d and d.get("polylines")
expect("2d for_video: one polyline (frame 13), 0.1 px lower: similarity exp(-0.025), distance below 0.1 (to the nearest segment)",
       text.count(old_points) == 2 and pl is not None and pl["overall"]["objects"] == 1 and
       close(pl["overall"]["mean_similarity"]["value"], math.exp(-0.025), 1e-9) and 0 < pl["overall"]["mean_distance"]["value"] < 0.1,
       r.stderr or json.dumps(pl)[:400])
# Track 1 ("klhg" points) changes its attribute hgl to "jk" on frame 13, where it goes outside.
s, findings, r = validated(video)
expect("2d for_video: hgl changed on the outside keyframe 13 is found", any(f["code"] == "schema" and 'changes to "jk" (was "hgkf")' in f["message"]
                                                                          for f in findings), [f["message"] for f in findings])
# Label Studio keypoints (the SDK's YOLO converter test): nose, left_eye and right_eye grouped under
# their person rectangle by parentID; COCO names, so the class takes COCO's 17 keypoints and sigmas.
lskp = path("label-studio", "sdk-converter-tests", "test_export_yolo", "data_keypoints.json")
d, r = harness.json_stdout("agree", lskp, lskp)
kp = d and d.get("keypoints")
expect("LS keypoints: one person, 3 labelled keypoints of COCO's 17, compared by OKS",
       kp is not None and kp["overall"]["objects"] == 1 and kp["overall"]["keypoints_labelled"] == 3 and kp["per_class"][0]["similarity"] == "oks" and
       [x["keypoint"] for x in kp["per_class"][0]["per_keypoint"] if x["keypoints_labelled"]] == ["nose", "left_eye", "right_eye"], r.stderr or kp)
s, findings, r = validated(os.path.join(F, "for_images_project", "annotations.xml"))
expect("2d project export: three subsets' img0.jpg and img1.jpg are 6 items, no false duplicate", s is not None and s["items"] == 6 and
       not any(f["code"] == "duplicate" for f in findings), s)

# 3a. cocoapi results: 734 detections on 99 images, bare lists.
s, _, r = validated(path("coco", "cocoapi-results", "instances_val2014_fakebbox100_results.json"))
expect("3a: 734 detections on 99 images", s is not None and (s["items"], s["annotations"]) == (99, 734), r.stdout[-300:])
s, _, r = validated(path("coco", "cocoapi-results", "instances_val2014_fakesegm100_results.json"))
expect("3a: the same as compressed RLE", s is not None and (s["items"], s["annotations"]) == (99, 734), r.stdout[-300:])

# 3b. panopticapi: 2 images, 50 segments (47 + 3 crowd), every RLE decoding to its bbox and area.
det = path("coco", "panopticapi-sample", "panoptic_coco_detection_format.json")
s, findings, r = validated(det)
expect("3b: 2 images, 50 segments, no bbox or area mismatch", s is not None and (s["items"], s["annotations"]) == (2, 50) and
       not any(f["code"] == "bbox_mismatch" for f in findings), r.stdout[-300:])
d, r = harness.json_stdout("agree", det, det, "--annotators", "a,b")
expect("3b: 3 crowd regions are ignore regions, 47 segments match", d is not None and d["overall"]["objects_a"] == 47, r.stderr)

# 3c. datumaro's COCO fixture: non-contiguous category ids; its crowd RLE's bbox disagrees with the mask.
s, findings, r = validated(path("coco", "datumaro-fixtures", "instances_val.json"))
expect("3c: the crowd RLE's wrong bbox is flagged", [(f["code"], f["location"].get("bbox")) for f in findings] == [("bbox_mismatch", [0, 0, 1, 9])],
       [f["message"] for f in findings])
# Its annotation 1 carries "attributes": {"x": 1, "y": "hello"}: read as two attributes of the object.
coco_val = path("coco", "datumaro-fixtures", "instances_val.json")
d, r = harness.json_stdout("agree", coco_val, coco_val, "--annotators", "a,b", "--bootstrap", "0")
at = {x["attribute"]: x for x in d["attributes"]} if d else {}
expect("3c: the COCO attributes x = 1 and y = hello, one matched pair each", sorted(at) == ["x", "y"] and at["x"]["values"] == ["1"] and
       at["y"]["values"] == ["hello"] and at["x"]["items"] == 1, r.stderr + json.dumps(sorted(at)))

# 4. Masks: the VOC XML beside the masks (1-based corners).
s, _, r = validated(path("masks", "datumaro-voc", "Annotations"), "--format", "voc")
expect("4: the VOC XML is read", s is not None and s["items"] == 1 and s["annotations"] >= 1, r.stdout[-300:] + r.stderr)

sys.exit(harness.summary())
