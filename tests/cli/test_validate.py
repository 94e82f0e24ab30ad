#!/usr/bin/env python3
"""Tests of `labelqa validate` on the real binary: one hand-made fixture per finding code in
tests/data/defects/ gives exactly its finding, located; a clean delivery gives none; the options
change severities as documented; reports are complete, deterministic and atomic; real exports
never crash it. Usage: test_validate.py BINARY REPO_ROOT"""
import csv
import io
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import expect, run  # noqa: E402

ROOT = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.getcwd()
D = os.path.join(ROOT, "tests", "data", "defects")
CLASSES = os.path.join(D, "classes.csv")
SAMPLES = os.path.join(ROOT, "..", "shared", "samples")


def validate(*args):
    """Runs validate with --json to a file; returns (exit code, report, stdout, stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        p = run("validate", *args, "--json", out, "--color", "never")
        rep = json.load(open(out)) if os.path.exists(out) else None
    return p.returncode, rep, p.stdout, p.stderr


# name, args, exit code, the one expected finding (a subset of its fields; location compared whole)
CASES = [
    ("broken_file", ["broken_file.json"], 2,
     {"code": "broken_file", "severity": "error", "item": "", "annotation": ""}),
    ("schema", ["schema.json"], 1,
     {"code": "schema", "severity": "error", "annotation": "2", "message_has": "category_id"}),
    ("missing_reference", ["missing_reference.json"], 1,
     {"code": "missing_reference", "severity": "error", "annotation": "3", "message_has": "image id 99"}),
    ("unknown_class", ["unknown_class.json"], 1,
     {"code": "unknown_class", "severity": "error", "item": "a.jpg", "annotation": "4", "class": "unicorn",
      "location": {"bbox": [10, 10, 20, 20]}}),
    ("out_of_image", ["out_of_image.json"], 1,
     {"code": "out_of_image", "severity": "error", "item": "a.jpg", "annotation": "5", "class": "cat",
      "location": {"point": [120, 10]}}),
    ("degenerate", ["degenerate.json"], 1,
     {"code": "degenerate", "severity": "error", "item": "a.jpg", "annotation": "6", "message_has": "pycocotools would read it as a box",
      "location": {"point": [10, 10]}}),
    ("self_intersection", ["self_intersection.json"], 1,
     {"code": "self_intersection", "severity": "error", "item": "a.jpg", "annotation": "7", "location": {"point": [30, 30]},
      "message_has": "Self-intersection"}),
    ("overlap", ["overlap.json"], 0,
     {"code": "overlap", "severity": "warning", "item": "a.jpg", "annotation": "8", "other_annotation": "9",
      "location": {"bbox": [30, 30, 10, 10]}, "message_has": "share 100 pixels"}),
    ("duplicate", ["duplicate.json"], 0,
     {"code": "duplicate", "severity": "warning", "item": "a.jpg", "annotation": "10", "other_annotation": "11", "class": "cat",
      "location": {"bbox": [10, 10, 40, 40]}, "message_has": "IoU 0.9756"}),
    ("unlabeled_region", ["unlabeled_region"], 0,
     {"code": "unlabeled_region", "severity": "warning", "item": "a.png", "class": "unlabeled",
      "location": {"bbox": [2, 3, 5, 4]}, "message_has": "20 unlabeled pixels"}),
    ("bbox_mismatch", ["bbox_mismatch.json"], 0,
     {"code": "bbox_mismatch", "severity": "warning", "item": "a.jpg", "annotation": "12",
      "location": {"bbox": [0, 0, 50, 50]}, "message_has": "[10, 10, 30, 30]"}),
    ("bbox_mismatch area", ["bbox_mismatch_area.json"], 0,
     {"code": "bbox_mismatch", "severity": "warning", "item": "a.jpg", "annotation": "13", "message_has": "area 5000",
      "location": {"bbox": [10, 10, 30, 30]}}),
    ("track_gap", ["track_gap.xml"], 0,
     {"code": "track_gap", "severity": "warning", "item": "frame 000004", "annotation": "track 0", "class": "cat",
      "location": {"frame": 2}, "message_has": "frames 2 to 3"}),
    ("attribute on an outside keyframe", ["outside_attribute.xml"], 1,
     {"code": "schema", "severity": "error", "item": "track 0", "message_has": "changes to \"blue\" (was \"red\") on a keyframe where the track is outside"}),
    ("polyline of one point", ["polyline.xml"], 1,
     {"code": "degenerate", "severity": "error", "item": "road.jpg", "annotation": "2", "class": "dog", "message_has": "polyline with 1 point(s)"}),
    ("track_jump", ["track_jump.xml"], 0,
     {"code": "track_jump", "severity": "warning", "item": "frame 000002", "annotation": "track 0",
      "location": {"frame": 2, "bbox": [70, 50, 20, 20]}}),
    ("unknown mask value", ["unknown_value"], 1,
     {"code": "unknown_class", "severity": "error", "item": "a.png", "class": "7", "location": {"bbox": [10, 5, 3, 2]},
      "message_has": "6 pixels"}),
    ("broken png", ["broken_png"], 2, {"code": "broken_file", "severity": "error", "item": "a.png"}),
    ("outside path", ["outside_path.json"], 1,
     {"code": "schema", "severity": "error", "item": "../../etc/passwd", "message_has": "outside the delivery root"}),
    ("mask size", ["mask_size/masks", "--images", os.path.join(D, "mask_size", "images")], 1,
     {"code": "out_of_image", "severity": "error", "item": "a.png", "message_has": "its image is 24x16"}),
]


def check_case(name, args, code, want):
    rc, rep, out, err = validate(*[os.path.join(D, a) if i == 0 else a for i, a in enumerate(args)], "--classes", CLASSES)
    expect(f"{name}: exit {code}", rc == code, f"got {rc}\n{out}\n{err}")
    if rep is None:
        expect(f"{name}: report written", False)
        return
    f = rep["findings"]
    expect(f"{name}: exactly one finding", len(f) == 1, json.dumps(f, indent=1))
    if not f:
        return
    f = f[0]
    expect(f"{name}: finding keys", set(f) == {"severity", "code", "file", "item", "annotation", "other_annotation", "class", "location", "message"},
           str(sorted(f)))
    for k, v in want.items():
        if k == "message_has":
            expect(f"{name}: message names {v!r}", v in f["message"], f["message"])
        elif k == "location":
            loc = {key: f["location"][key] for key in v if key in f["location"]}
            expect(f"{name}: location {v}", loc == v, json.dumps(f["location"]))
        else:
            expect(f"{name}: {k} = {v!r}", f[k] == v, f"got {f[k]!r}")
    expect(f"{name}: file named", f["file"].startswith(D), f["file"])
    s = rep["summary"]
    expect(f"{name}: summary counts", s["errors"] + s["warnings"] == 1 and s["by_code"][f["code"]] is not None, json.dumps(s))


def test_fixtures():
    for name, args, code, want in CASES:
        check_case(name, args, code, want)
    # The located fields of the byte-level findings.
    rc, rep, _, _ = validate(os.path.join(D, "schema.json"))
    loc = rep["findings"][0]["location"]
    text = open(os.path.join(D, "schema.json")).read()
    expect("schema: line and offset point at annotation 2", loc.get("line") == text[: loc.get("offset", 0)].count("\n") + 1
           and text[loc["offset"]:].lstrip().startswith("{") and '"id": 2' in text[loc["offset"]: loc["offset"] + 40], json.dumps(loc))
    rc, rep, _, _ = validate(os.path.join(D, "broken_file.json"))
    loc = rep["findings"][0]["location"]
    expect("broken_file: the offset is the end of the truncated file", loc.get("offset") == os.path.getsize(os.path.join(D, "broken_file.json")),
           json.dumps(loc))


def test_clean():
    rc, rep, out, _ = validate(os.path.join(D, "clean"), "--classes", CLASSES)
    expect("clean: exit 0", rc == 0, out)
    expect("clean: no findings", rep is not None and rep["findings"] == [], json.dumps(rep and rep["findings"], indent=1))
    expect("clean: counted", rep["summary"]["files"] == 2 and rep["summary"]["annotations"] == 3 and rep["summary"]["status"] == "pass",
           json.dumps(rep["summary"]))
    expect("clean: terminal says so", "no findings" in out, out)
    # Every fixture at once: one finding per fixture (the folder holds them all).
    rc, rep, out, _ = validate(D, "--classes", CLASSES)
    codes = sorted({f["code"] for f in rep["findings"]})
    expect("whole folder: every code found", codes == sorted(["broken_file", "schema", "missing_reference", "unknown_class", "out_of_image", "degenerate",
                                                               "self_intersection", "overlap", "duplicate", "unlabeled_region", "bbox_mismatch",
                                                               "track_gap", "track_jump"]), str(codes))
    expect("whole folder: exit 1 (errors, and some files were read)", rc == 1, str(rc))


def test_options():
    rc, rep, _, _ = validate(os.path.join(D, "duplicate.json"), "--fail-on", "warning")
    expect("--fail-on warning: a warning fails", rc == 1 and rep["summary"]["status"] == "fail", str(rc))
    rc, rep, _, _ = validate(os.path.join(D, "out_of_image.json"), "--tolerance", "25")
    expect("--tolerance: within it, a warning", rc == 0 and rep["findings"][0]["severity"] == "warning", json.dumps(rep["findings"]))
    rc, rep, _, _ = validate(os.path.join(D, "out_of_image.json"), "--tolerance", "19")
    expect("--tolerance: beyond it, an error", rc == 1 and rep["findings"][0]["severity"] == "error", json.dumps(rep["findings"]))
    rc, rep, _, _ = validate(os.path.join(D, "overlap.json"), "--no-overlap", "cat,dog")
    expect("--no-overlap: a forbidden overlap is an error", rc == 1 and rep["findings"][0]["severity"] == "error", json.dumps(rep["findings"]))
    rc, rep, _, _ = validate(os.path.join(D, "overlap.json"), "--no-overlap", "cat")
    expect("--no-overlap: one class alone does not forbid it", rc == 0, json.dumps(rep["findings"]))
    rc, rep, _, _ = validate(os.path.join(D, "unlabeled_region"), "--classes", CLASSES, "--require-coverage")
    expect("--require-coverage: unlabeled pixels are errors", rc == 1 and rep["findings"][0]["severity"] == "error", json.dumps(rep["findings"]))
    rc, rep, _, _ = validate(os.path.join(D, "unlabeled_region"), "--classes", CLASSES, "--min-region", "21")
    expect("--min-region: smaller components are not reported", rc == 0 and rep["findings"] == [], json.dumps(rep["findings"]))
    rc, rep, _, _ = validate(os.path.join(D, "unlabeled_region"), "--classes", CLASSES, "--unlabeled", "1", "--min-region", "1")
    expect("--unlabeled: another value", all(f["class"] == "cat" for f in rep["findings"]) and len(rep["findings"]) == 1, json.dumps(rep["findings"]))
    rc, rep, _, _ = validate(os.path.join(D, "track_jump.xml"), "--min-track-iou", "0")
    expect("--min-track-iou 0: no jump", rep["findings"] == [], json.dumps(rep["findings"]))
    rc, rep, _, _ = validate(os.path.join(D, "outside_path.json"), "--allow-outside")
    expect("--allow-outside: the path is allowed", rc == 0 and rep["findings"] == [], json.dumps(rep["findings"]))
    # Polygons must cover the image with --require-coverage: the clean COCO leaves most of it bare.
    rc, rep, _, _ = validate(os.path.join(D, "clean", "clean.json"), "--require-coverage")
    bare = [f for f in rep["findings"] if f["code"] == "unlabeled_region"]
    expect("--require-coverage on polygons: the bare area is found", rc == 1 and len(bare) == 1 and bare[0]["location"]["bbox"] == [0, 0, 100, 80],
           json.dumps(bare))
    # --images: a listed image that is not there.
    with tempfile.TemporaryDirectory() as tmp:
        rc, rep, _, _ = validate(os.path.join(D, "clean", "clean.json"), "--images", tmp)
        expect("--images: a missing image file", [f["code"] for f in rep["findings"]] == ["missing_reference"], json.dumps(rep["findings"]))
    p = run("validate", os.path.join(D, "nope.json"))
    expect("a missing input exits 2", p.returncode == 2 and "nope.json" in p.stderr, p.stderr)
    p = run("validate", os.path.join(D, "clean"), "--tolerance", "-1")
    expect("a bad option exits 2", p.returncode == 2, p.stderr)


def generated_delivery(tmp, n_images=40, per_image=12):
    """A COCO delivery with many findings of several codes, for determinism and noise control."""
    images, anns = [], []
    k = 0
    for i in range(1, n_images + 1):
        images.append({"id": i, "file_name": f"img{i:03}.jpg", "width": 200, "height": 150})
        for j in range(per_image):
            k += 1
            x, y = (j * 13) % 170, (j * 7) % 120
            seg = [[x, y, x + 30, y, x + 30, y + 30, x, y + 30]]
            if j % 5 == 0:
                seg = [[x, y, x + 30, y + 30, x + 30, y, x, y + 30]]  # bow-tie
            if j % 7 == 0:
                seg = [[x, y, x + 300, y]]
            anns.append({"id": k, "image_id": i, "category_id": 1 + j % 2, "segmentation": seg, "bbox": [x, y, 30, 30], "iscrowd": 0})
    path = os.path.join(tmp, "big.json")
    json.dump({"images": images, "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}], "annotations": anns}, open(path, "w"))
    return path


def test_reports():
    with tempfile.TemporaryDirectory() as tmp:
        path = generated_delivery(tmp)
        outs = []
        for threads in ("1", "2"):
            j, c = os.path.join(tmp, f"r{threads}.json"), os.path.join(tmp, f"r{threads}.csv")
            p = run("validate", path, "--threads", threads, "--json", j, "--csv", c, "--max-findings", "3", "--color", "never")
            outs.append((open(j, "rb").read(), open(c, "rb").read(), p.stdout))
        expect("same bytes with 1 and 2 threads (JSON)", outs[0][0] == outs[1][0])
        expect("same bytes with 1 and 2 threads (CSV)", outs[0][1] == outs[1][1])
        rep = json.loads(outs[0][0])
        rows = list(csv.DictReader(io.StringIO(outs[0][1].decode())))
        n = len(rep["findings"])
        expect("many findings", n > 100, str(n))
        expect("CSV has a row per finding", len(rows) == n, f"{len(rows)} vs {n}")
        expect("CSV columns", list(rows[0].keys()) == ["severity", "code", "file", "item", "annotation", "other_annotation", "class", "point_x",
                                                       "point_y", "bbox_x", "bbox_y", "bbox_w", "bbox_h", "line", "offset", "frame", "message"],
               str(list(rows[0].keys())))
        expect("CSV and JSON agree row by row",
               all(r["code"] == f["code"] and r["annotation"] == f["annotation"] and r["message"] == f["message"] for r, f in zip(rows, rep["findings"])))
        text = outs[0][2]
        by_code = rep["summary"]["by_code"]
        expect("terminal groups by code", all(code in text for code in by_code), text[:2000])
        shown = sum(1 for line in text.splitlines() if line.startswith("  error ") or line.startswith("  warning "))
        expect("--max-findings 3 per code on the terminal", shown == 3 * len(by_code), f"{shown} lines for {len(by_code)} codes")
        expect("the terminal says the files hold the rest", "more (all are in --json / --csv)" in text)
        total = sum(v["errors"] + v["warnings"] for v in by_code.values())
        expect("summary counts every finding", total == n and rep["summary"]["findings"] == n)
        ordered = [(f["file"], f["item"]) for f in rep["findings"]]
        expect("findings sorted by file and item", ordered == sorted(ordered))
        # Self-intersections on the bow-ties: the crossing point is the centre of the square.
        si = [f for f in rep["findings"] if f["code"] == "self_intersection"]
        def crossing(ann_id):  # the bow-tie of annotation ann_id crosses at the centre of its square
            j = (ann_id - 1) % 12
            return [(j * 13) % 170 + 15, (j * 7) % 120 + 15]
        expect("bow-ties located at their crossing", len(si) == 40 * 2 and all(f["location"]["point"] == crossing(int(f["annotation"])) for f in si),
               json.dumps(si[:2]))
        # Atomic reports: a failing run leaves the previous report in place.
        j = os.path.join(tmp, "keep.json")
        open(j, "w").write("previous")
        run("validate", os.path.join(tmp, "missing.json"), "--json", j)
        expect("an unreadable input leaves the previous report", open(j).read() == "previous")
        expect("inputs are never modified", os.path.getsize(path) > 0 and json.load(open(path))["annotations"])


def test_samples():
    if not harness.samples(ROOT, "validate on every real sample"):
        return
    checked = 0
    for dirpath, _, files in os.walk(SAMPLES):
        for name in sorted(files):
            if not name.endswith((".json", ".xml")):
                continue
            p = run("validate", os.path.join(dirpath, name), "--json", "-", "--max-findings", "1")
            checked += 1
            expect(f"sample {name}: exit 0, 1 or 2, never a crash", p.returncode in (0, 1, 2), f"{p.returncode}\n{p.stderr}")
            if p.returncode in (0, 1):
                rep = json.loads(p.stdout)
                expect(f"sample {name}: status agrees with the exit code", (rep["summary"]["status"] == "fail") == (p.returncode == 1))
    expect("samples checked", checked > 20, str(checked))
    cats = os.path.join(SAMPLES, "cvat", "images-boxes-cats-same-images-as-label-studio", "annotations.xml")
    rc, rep, _, _ = validate(cats)
    expect("CVAT cats export: clean", rc == 0 and rep["findings"] == [], json.dumps(rep["findings"][:3]))
    ls = os.path.join(SAMPLES, "label-studio", "sdk-converter-tests", "test_export_csv", "csv_test.json")
    rc, rep, _, _ = validate(ls)
    expect("Label Studio box drawn past the image edge: out_of_image", [f["code"] for f in rep["findings"]] == ["out_of_image"],
           json.dumps(rep["findings"]))


def main():
    harness.BINARY = os.path.abspath(sys.argv[1])
    test_fixtures()
    test_clean()
    test_options()
    test_reports()
    test_samples()
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
