#!/usr/bin/env python3
"""Runs `labelqa report` (and `agree --plot`) on examples/, hand-made batches and the shared samples.

Usage: test_report.py LABELQA_BINARY SOURCE_DIR
Checks the JSON keys the issue spells out, the CSV, the consensus exports (CSV, JSONL, COCO), the
pictures (decoded PNGs, parsed SVGs), determinism across thread counts, clear errors with exit 2,
and renders index.html in headless Chromium: the page loads with no console error, every image
in it decodes, and a click on a column header sorts the summary table.
"""
import csv
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

BINARY, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import close, expect, run  # noqa: E402

harness.BINARY = BINARY
EXAMPLES = os.path.join(SRC, "examples")
SAMPLES = os.path.join(SRC, "..", "shared", "samples")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def png_size(data):
    """Width and height of a PNG, after checking its signature and IHDR."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def labels_report(tmp):
    out = os.path.join(tmp, "labels")
    cons = os.path.join(tmp, "consensus.csv")
    r = run("report", os.path.join(EXAMPLES, "report", "ratings.csv"), "--out", out, "--write-consensus", cons)
    expect("labels: exit 0", r.returncode == 0, r.stderr)
    expect("labels: text names the drift", "drop at" in r.stdout and "chen" in r.stdout, r.stdout)
    rep = load(os.path.join(out, "report.json"))
    expect("labels: header", rep["command"] == "report" and rep["tool"] == "labelqa" and rep["schema_version"] == 1)
    expect("labels: reference", rep["reference"] == "dawid-skene" and rep["consensus_method"] == "dawid-skene")
    names = [a["annotator"] for a in rep["annotators"]]
    expect("labels: annotators sorted", names == ["amara", "bruno", "chen", "dmitri", "esme"], names)
    for a in rep["annotators"]:
        n = a["annotator"]
        expect(f"labels: {n} accuracy number", isinstance(a["accuracy"], float) and 0 < a["accuracy"] < 1)
        expect(f"labels: {n} accuracy = correct / compared", close(a["accuracy"], a["correct"] / a["compared"]))
        conf = a["confusion"]
        expect(f"labels: {n} confusion shape", conf["classes"] == rep["classes"] and len(conf["counts"]) == len(conf["classes"]))
        expect(f"labels: {n} confusion total", sum(map(sum, conf["counts"])) == a["compared"])
        expect(f"labels: {n} diagonal = correct", sum(conf["counts"][k][k] for k in range(len(conf["classes"]))) == a["correct"])
        ds = a["dawid_skene_confusion"]
        expect(f"labels: {n} DS rows sum to 1", all(close(sum(row), 1.0, 1e-9) for row in ds["counts"]))
        for t in a["top_confusions"]:
            expect(f"labels: {n} top confusion keys", set(t) == {"reference_class", "given_class", "count", "items"} and 1 <= len(t["items"]) <= 5)
            k, g = rep["classes"].index(t["reference_class"]), rep["classes"].index(t["given_class"])
            expect(f"labels: {n} top confusion count", conf["counts"][k][g] == t["count"])
        counts = [t["count"] for t in a["top_confusions"]]
        expect(f"labels: {n} top confusions sorted", counts == sorted(counts, reverse=True))
        for w in a["drift"]["windows"]:
            expect(f"labels: {n} window keys", {"start_index", "end_index", "accuracy"} <= set(w))
        expect(f"labels: {n} time order", a["drift"]["order"] == "time")
    esme = next(a for a in rep["annotators"] if a["annotator"] == "esme")
    expect("labels: esme's top confusion is fox -> dog", esme["top_confusions"][0]["reference_class"] == "fox" and esme["top_confusions"][0]["given_class"] == "dog")
    chen = next(a for a in rep["annotators"] if a["annotator"] == "chen")
    cps = chen["drift"]["change_points"]
    expect("labels: chen drifts near 500", len(cps) == 1 and abs(cps[0]["start_index"] - 500) <= 60, cps)
    if cps:
        expect("labels: change point keys", {"start_index", "start_time", "before", "after", "p_value"} <= set(cps[0]))
    for a in rep["annotators"]:
        if a["annotator"] != "chen":
            expect(f"labels: {a['annotator']} stable", a["drift"]["change_points"] == [])
    flagged = sorted(r["annotator"] for r in rep["ranking"] if r["below_group"])
    expect("labels: ranking flags chen and esme", flagged == ["chen", "esme"], flagged)
    expect("labels: consensus[] in the JSON", len(rep["consensus"]) == 1000 and set(rep["consensus"][0]) == {"item", "label", "confidence"})
    with open(cons, newline="") as f:
        rows = list(csv.DictReader(f))
    expect("labels: consensus CSV", len(rows) == 1000 and list(rows[0]) == ["item", "label", "confidence"])
    expect("labels: consensus confidence in (0, 1]", all(0 < float(r["confidence"]) <= 1 for r in rows))
    by_item = {c["item"]: c for c in rep["consensus"]}
    expect("labels: CSV = JSON", all(by_item[r["item"]]["label"] == r["label"] for r in rows))
    # Pictures: every listed file exists; PNGs decode; SVGs parse.
    expect("labels: pictures listed", len(rep["pictures"]) == 11, len(rep["pictures"]))
    for p in rep["pictures"]:
        with open(os.path.join(out, p["png"]), "rb") as f:
            size = png_size(f.read())
        expect(f"labels: {p['png']} is a PNG", size is not None and size[0] > 200 and size[1] > 200, size)
        ET.parse(os.path.join(out, p["svg"]))
    with open(os.path.join(out, "report.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    acc = [r for r in rows if r["annotator"] == "chen" and r["section"] == "overall" and r["metric"] == "accuracy"]
    expect("labels: CSV accuracy = JSON", len(acc) == 1 and close(float(acc[0]["value"]), chen["accuracy"]))
    expect("labels: CSV change point", any(r["section"] == "change_point" and r["annotator"] == "chen" for r in rows))
    # JSON lines consensus.
    jl = os.path.join(tmp, "consensus.jsonl")
    r = run("report", os.path.join(EXAMPLES, "report", "ratings.csv"), "--write-consensus", jl, "-q")
    with open(jl) as f:
        lines = [json.loads(x) for x in f]
    expect("labels: JSONL consensus", r.returncode == 0 and len(lines) == 1000 and set(lines[0]) == {"item", "label", "confidence"})
    # No temporary file left behind.
    expect("labels: no temporary files", not [f for f in os.listdir(out) if f.startswith(".") or f.endswith(".tmp")], os.listdir(out))
    return out


def gold_report(tmp):
    r = run("report", os.path.join(EXAMPLES, "report", "ratings.csv"), "--gold", os.path.join(EXAMPLES, "report", "gold.csv"), "--json", os.path.join(tmp, "g.json"), "-q")
    expect("gold: exit 0", r.returncode == 0, r.stderr)
    rep = load(os.path.join(tmp, "g.json"))
    expect("gold: reference", rep["reference"] == "gold" and rep["gold_items"] == 120 and rep["consensus_items"] == 880)
    for a in rep["annotators"]:
        expect(f"gold: {a['annotator']} split", a["gold_items"] == 120 and a["consensus_items"] == 880)
    # Gold only: the gold label wins over the consensus on gold items (one disagreeing gold item).
    tiny = os.path.join(tmp, "tiny.csv")
    with open(tiny, "w") as f:
        f.write("item,annotator,label\n" + "".join(f"t{i},{a},x\n" for i in range(3) for a in "abc"))
    tg = os.path.join(tmp, "tiny_gold.csv")
    with open(tg, "w") as f:
        f.write("item,label\nt0,y\n")
    r = run("report", tiny, "--gold", tg, "--json", "-", "-q")
    rep = json.loads(r.stdout)
    a = rep["annotators"][0]
    expect("gold: gold item scored against gold", a["compared"] == 3 and a["correct"] == 2 and rep["classes"] == ["x", "y"], a)
    expect("gold: top confusion y -> x", a["top_confusions"] == [{"reference_class": "y", "given_class": "x", "count": 1, "items": ["t0"]}], a["top_confusions"])


def objects_report(tmp):
    coco = os.path.join(EXAMPLES, "coco")
    out = os.path.join(tmp, "objects")
    cons = os.path.join(tmp, "consensus_coco.json")
    r = run("report", os.path.join(coco, "alice.json"), os.path.join(coco, "bob.json"), "--out", out, "--write-consensus", cons, "-q")
    expect("objects: exit 0", r.returncode == 0, r.stderr)
    rep = load(os.path.join(out, "report.json"))
    expect("objects: kind and reference", rep["kind"] == "objects" and rep["reference"] == "majority")
    for a in rep["annotators"]:
        for key in ("miss_rate", "extra_rate", "mean_iou", "worst_items"):
            expect(f"objects: {a['annotator']} {key}", key in a)
        expect(f"objects: {a['annotator']} miss + matched", a["missed"] <= a["reference_objects"])
    c = load(cons)
    expect("objects: consensus COCO", {"images", "annotations", "categories"} <= set(c) and len(c["annotations"]) >= 1)
    cat_ids = {x["id"] for x in c["categories"]}
    img_ids = {x["id"] for x in c["images"]}
    expect("objects: consensus ids resolve", all(a["category_id"] in cat_ids and a["image_id"] in img_ids and len(a["bbox"]) == 4 for a in c["annotations"]))
    # The consensus file reads back as a COCO delivery.
    r = run("agree", cons, os.path.join(coco, "alice.json"), "-q")
    expect("objects: consensus COCO reads back", r.returncode == 0, r.stderr)
    # Against gold: bob as gold, alice scored; a box of alice's that bob lacks is extra.
    r = run("report", os.path.join(coco, "alice.json"), "--gold", os.path.join(coco, "bob.json"), "--json", "-", "-q")
    expect("objects: gold exit 0", r.returncode == 0, r.stderr)
    if r.returncode == 0:
        rep = json.loads(r.stdout)
        a = rep["annotators"][0]
        expect("objects: gold reference", rep["reference"] == "gold" and a["annotator"] == "alice")
        expect("objects: rates agree with counts", close(a["miss_rate"], a["missed"] / a["reference_objects"]) and close(a["extra_rate"], a["extra"] / a["ratings"]))


def keypoints_attributes_lines(tmp):
    """Per-joint errors, attribute confusions and polyline rates against gold, by hand (docs/report.md)."""
    kp = os.path.join(SRC, "tests", "data", "keypoints")
    out = os.path.join(tmp, "joints")
    r = run("report", os.path.join(kp, "hand_b.json"), "--gold", os.path.join(kp, "hand_a.json"), "--sigmas", os.path.join(kp, "hand_sigmas.json"),
            "--out", out, "-q")
    expect("keypoints report: exit 0", r.returncode == 0, r.stderr)
    if r.returncode != 0:
        return
    rep = load(os.path.join(out, "report.json"))
    joints = {j["keypoint"]: j for j in rep["annotators"][0].get("per_keypoint", [])}
    # Gold's first hand: wrist (10,10) given at (12,10), thumb (20,10) at (20,14); its box diagonal
    # is 10 sqrt(2), so PCK@0.2 keeps the wrist (2 < 2.83) and not the thumb (4). Gold's second
    # hand labels nothing: the given hand's three keypoints are extra, as is the first's index.
    expect("keypoints report: wrist 2 px, 2/(10 sqrt 2), PCK 1", joints.get("wrist", {}).get("mean_distance") == 2 and
           close(joints["wrist"]["mean_normalized_distance"], 2 / (10 * 2 ** 0.5), 1e-12) and joints["wrist"]["pck"] == 1 and
           joints["wrist"]["keypoints_extra"] == 1, json.dumps(joints.get("wrist")))
    expect("keypoints report: thumb 4 px, PCK 0", joints.get("thumb", {}).get("mean_distance") == 4 and
           close(joints["thumb"]["mean_normalized_distance"], 4 / (10 * 2 ** 0.5), 1e-12) and joints["thumb"]["pck"] == 0, json.dumps(joints.get("thumb")))
    expect("keypoints report: index labelled by nobody in gold, 2 extra", joints.get("index", {}).get("keypoints_labelled") == 0 and
           joints["index"]["keypoints_extra"] == 2 and joints["index"]["miss_rate"] is None and
           joints["index"]["miss_rate_undefined_reason"] == "no_labelled_keypoints", json.dumps(joints.get("index")))
    pics = {p["name"]: p for p in rep["pictures"]}
    expect("keypoints report: a per-joint bar chart", "joints_hand_b" in pics and pics["joints_hand_b"]["kind"] == "joints" and
           png_size(open(os.path.join(out, "images", "joints_hand_b.png"), "rb").read()) is not None, str(sorted(pics)))
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        html = f.read()
    expect("keypoints report: per-keypoint table in index.html", "<h3>Per keypoint</h3>" in html and ">thumb<" in html)
    with open(os.path.join(out, "report.csv"), encoding="utf-8") as f:
        rows = [x for x in csv.DictReader(f) if x["section"] == "keypoint" and x["metric"] == "mean_distance"]
    expect("keypoints report: CSV keypoint rows", sorted((x["reference_class"], x["value"]) for x in rows) == [("hand/index", ""), ("hand/thumb", "4"), ("hand/wrist", "2")],
           str(rows))

    # Attributes (docs/attributes.md's video): against a.xml as gold, b.xml's occluded differs on 4
    # of 10 valid pairs, and its colour is missing on all 5 where gold says red.
    video = os.path.join(SRC, "tests", "data", "formats", "cvat", "video")
    out = os.path.join(tmp, "attributes")
    r = run("report", os.path.join(video, "b.xml"), "--gold", os.path.join(video, "a.xml"), "--out", out, "-q")
    expect("attributes report: exit 0", r.returncode == 0, r.stderr)
    if r.returncode == 0:
        rep = load(os.path.join(out, "report.json"))
        at = {x["attribute"]: x for x in rep["annotators"][0].get("attributes", [])}
        expect("attributes report: occluded 6 of 10", at.get("occluded", {}).get("pairs") == 10 and close(at["occluded"]["accuracy"], 0.6),
               json.dumps(at.get("occluded")))
        expect("attributes report: colour red given as (none) 5 times", at.get("colour", {}).get("confusion") == {"values": ["(none)", "red"], "counts": [[0, 0], [5, 0]]}
               and at["colour"]["accuracy"] == 0, json.dumps(at.get("colour")))
        kinds = sorted(p["kind"] for p in rep["pictures"])
        expect("attributes report: one confusion heatmap per attribute", kinds.count("attribute_confusion") == 2, str(kinds))
        for p in rep["pictures"]:
            if p["kind"] == "attribute_confusion":
                ET.parse(os.path.join(out, p["svg"]))

    # Polylines (docs/spatial.md): both of gold's lines are matched, none missed or extra.
    pl = os.path.join(SRC, "tests", "data", "polylines")
    r = run("report", os.path.join(pl, "b.xml"), "--gold", os.path.join(pl, "a.xml"), "--json", "-", "-q")
    p = json.loads(r.stdout)["annotators"][0].get("polylines") if r.returncode == 0 else None
    expect("polylines report: 2 reference, 2 matched, rates 0", p is not None and p["reference"] == 2 and p["matched"] == 2 and p["miss_rate"] == 0 and
           p["extra_rate"] == 0, r.stderr + json.dumps(p))
    r = run("report", os.path.join(pl, "b.xml"), "--gold", os.path.join(pl, "a.xml"), "--iou-threshold", "0.7", "--json", "-", "-q")
    p = json.loads(r.stdout)["annotators"][0].get("polylines") if r.returncode == 0 else None
    expect("polylines report: at 0.7 the lane (0.61) is missed and extra", p is not None and p["missed"] == 1 and p["extra"] == 1 and
           close(p["miss_rate"], 0.5), r.stderr + json.dumps(p))


def samples(tmp):
    if not harness.samples(SRC, "report on every real sample"):
        return
    cats_ls = os.path.join(SAMPLES, "label-studio", "real-export-cats")
    ls = [f for f in glob.glob(os.path.join(cats_ls, "*.json")) if not f.endswith("-info.json")]
    cvat = os.path.join(SAMPLES, "cvat", "images-boxes-cats-same-images-as-label-studio", "annotations.xml")
    if ls and os.path.exists(cvat):
        r = run("report", cvat, "--gold", ls[0], "--json", "-", "-q")
        expect("samples: CVAT against Label Studio gold exits 0", r.returncode == 0, r.stderr)
        if r.returncode == 0:
            rep = json.loads(r.stdout)
            expect("samples: objects report", rep["kind"] == "objects" and rep["reference"] == "gold" and rep["items"] > 0, rep.get("items"))
    crashed = []
    for path in sorted(glob.glob(os.path.join(SAMPLES, "**", "*.json"), recursive=True) + glob.glob(os.path.join(SAMPLES, "**", "*.xml"), recursive=True)):
        r = run("report", path, "-q")
        if r.returncode not in (0, 2) or (r.returncode == 2 and "labelqa:" not in r.stderr):
            crashed.append((path, r.returncode, r.stderr[-200:]))
    expect("samples: every sample exits 0 or 2 with a message", not crashed, crashed[:5])


def errors(tmp):
    ratings = os.path.join(EXAMPLES, "report", "ratings.csv")
    cases = [
        (["report"], "delivery"),
        (["report", os.path.join(tmp, "missing.csv")], "missing.csv"),
        (["report", ratings, "--window", "3x"], "--window"),
        (["report", ratings, "--window", "0"], "--window"),
        (["report", ratings, "--window", "1.5"], "whole number"),
        (["report", ratings, "--consensus", "median"], "--consensus"),
        (["report", ratings, "--gold", ratings], "ratings.csv"),
        (["report", os.path.join(EXAMPLES, "coco", "alice.json"), "--gold", os.path.join(EXAMPLES, "report", "gold.csv")], "not image regions"),
        (["report", os.path.join(EXAMPLES, "coco", "alice.json"), "--gold", os.path.join(EXAMPLES, "coco", "bob.json"), "--write-consensus",
          os.path.join(tmp, "c.json")], "(see --gold)"),
    ]
    for args, needle in cases:
        r = run(*args)
        expect(f"errors: {' '.join(os.path.basename(a) for a in args)} exits 2", r.returncode == 2, (r.returncode, r.stderr))
        expect(f"errors: message names {needle}", needle in r.stderr, r.stderr)
    bad = os.path.join(tmp, "bad.csv")
    with open(bad, "w") as f:
        f.write("item,annotator,label\nx,a,1\n\"unterminated,b,2\n")
    r = run("report", bad)
    expect("errors: broken CSV exits 2 naming the file", r.returncode == 2 and "bad.csv" in r.stderr, r.stderr)
    # A report folder that cannot be created.
    blocker = os.path.join(tmp, "blocker")
    with open(blocker, "w") as f:
        f.write("x")
    r = run("report", ratings, "--out", os.path.join(blocker, "sub"), "-q")
    expect("errors: uncreatable --out exits 2", r.returncode == 2 and "blocker" in r.stderr, r.stderr)
    # Inputs are never modified.
    with open(ratings, "rb") as f:
        before = f.read()
    run("report", ratings, "--out", os.path.join(tmp, "again"), "-q")
    with open(ratings, "rb") as f:
        expect("errors: input untouched", f.read() == before)


def determinism(tmp):
    ratings = os.path.join(EXAMPLES, "report", "ratings.csv")
    outs = []
    for threads in ("1", "2"):
        out = os.path.join(tmp, f"det{threads}")
        r = run("report", ratings, "--out", out, "--threads", threads, "-q")
        expect(f"determinism: {threads} thread(s) exit 0", r.returncode == 0, r.stderr)
        outs.append(out)
    files = sorted(os.path.relpath(p, outs[0]) for p in glob.glob(os.path.join(outs[0], "**", "*"), recursive=True) if os.path.isfile(p))
    same = []
    for f in files:
        with open(os.path.join(outs[0], f), "rb") as a, open(os.path.join(outs[1], f), "rb") as b:
            same.append(a.read() == b.read())
    expect("determinism: same bytes with 1 and 2 threads", files and all(same), [f for f, s in zip(files, same) if not s])


def chromium(out, tmp):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    expect("chromium: installed (scripts/setup.sh installs it)", browser is not None)
    if not browser:
        return
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        page = f.read()
    expect("html: no external resource", not any(s in page for s in ('src="http', "src='http", 'href="http', "@import", "<link ")))
    # The probe reports errors (scripts and resources) and, after load, how many images decoded;
    # then clicks the "labels" header twice and reports the first annotator of the sorted table.
    probe_head = ("<script>window.addEventListener('error',function(e){console.log('LABELQA_ERROR '+(e.message||(e.target&&e.target.outerHTML||'').slice(0,80)));},true);"
                  "</script>")
    probe_tail = ("<script>window.addEventListener('load',function(){var im=document.images,bad=0;"
                  "for(var i=0;i<im.length;i++){if(!(im[i].complete&&im[i].naturalWidth>0))bad++;}"
                  "console.log('LABELQA_IMAGES '+im.length+' '+bad);"
                  "var t=document.querySelector('table.sortable');var th=t.querySelectorAll('th')[3];th.click();th.click();"
                  "console.log('LABELQA_FIRST '+t.tBodies[0].rows[0].cells[0].textContent);});</script>")
    probe = page.replace("<head>", "<head>" + probe_head, 1).replace("</body>", probe_tail + "</body>", 1)
    check_path = os.path.join(tmp, "check.html")
    with open(check_path, "w", encoding="utf-8") as f:
        f.write(probe)
    shot = os.path.join(tmp, "shot.png")
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", f"--screenshot={shot}",
           "--window-size=1280,2000", "--user-data-dir=" + os.path.join(tmp, "chromium-profile"), "file://" + check_path]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    console = [line for line in p.stderr.splitlines() if "CONSOLE" in line]
    images = [line for line in console if "LABELQA_IMAGES" in line]
    expect("chromium: the page loaded (probe ran)", len(images) == 1, p.stderr[-2000:])
    if images:
        n, bad = images[0].split("LABELQA_IMAGES ")[1].split('"')[0].split()
        expect("chromium: every image decoded", int(n) == 11 and int(bad) == 0, images[0])
    others = [line for line in console if "LABELQA_IMAGES" not in line and "LABELQA_FIRST" not in line]
    expect("chromium: no console errors", not others, others)
    first = [line for line in console if "LABELQA_FIRST" in line]
    expect("chromium: sorting by accuracy puts the best annotator first", first and "LABELQA_FIRST amara" in first[0], first)
    size = None
    if os.path.exists(shot):
        with open(shot, "rb") as f:
            size = png_size(f.read())
    expect("chromium: screenshot taken", size == (1280, 2000), size)


def agree_plot(tmp):
    out = os.path.join(tmp, "plot")
    r = run("agree", os.path.join(EXAMPLES, "sentiment.csv"), "--plot", out, "-q")
    expect("agree --plot: exit 0", r.returncode == 0, r.stderr)
    for name in ("pairwise_cohen_kappa", "pairwise_percent_agreement"):
        with open(os.path.join(out, name + ".png"), "rb") as f:
            expect(f"agree --plot: {name}.png", png_size(f.read()) is not None)
        root = ET.parse(os.path.join(out, name + ".svg")).getroot()
        expect(f"agree --plot: {name}.svg", root.tag.endswith("svg"))
    r = run("agree", os.path.join(EXAMPLES, "coco", "alice.json"), os.path.join(EXAMPLES, "coco", "bob.json"), "--plot", out, "-q")
    expect("agree --plot objects", r.returncode == 0 and os.path.exists(os.path.join(out, "pairwise_f1.png")), r.stderr)


def ties(tmp):
    """tests/data/report/two_annotators.csv: ann and bob agree on items 1, 4 and 6 and split on 2, 3
    and 5. A split vote is a tie: no consensus, left out of both error rates (both 3/3), counted
    and listed, and said on the terminal; --break-ties gives such items a consensus anyway."""
    path = os.path.join(SRC, "tests", "data", "report", "two_annotators.csv")
    for method in ("dawid-skene", "majority"):
        r = run("report", path, "--consensus", method, "--json", "-", "-q")
        rep = json.loads(r.stdout) if r.returncode == 0 else {}
        acc = {a["annotator"]: (a["correct"], a["compared"]) for a in rep.get("annotators", [])}
        expect(f"ties ({method}): items 2, 3, 5 tied", rep.get("tied") == ["2", "3", "5"] and rep.get("tied_items") == 3, str(rep.get("tied")))
        expect(f"ties ({method}): left out of both error rates", acc == {"ann": (3, 3), "bob": (3, 3)}, str(acc))
    r = run("report", path)
    expect("ties: the terminal says how many", r.returncode == 0 and "3 items tied" in r.stdout, r.stdout)
    r = run("report", path, "--consensus", "majority", "--break-ties", "--json", "-", "-q")
    rep = json.loads(r.stdout) if r.returncode == 0 else {}
    compared = sorted(a["compared"] for a in rep.get("annotators", []))
    expect("--break-ties: every item has a consensus", rep.get("tied") == [] and compared == [6, 6], str(rep.get("tied")) + str(compared))


def time_reports(tmp):
    """Transcripts and speaker turns against gold: the scores equal `gold`'s, per-item errors and
    drift add up, the substitutions are the alignment's, and the pictures decode."""
    ex, tg = os.path.join(EXAMPLES, "transcripts.csv"), os.path.join(EXAMPLES, "transcripts_gold.csv")
    out = os.path.join(tmp, "tr")
    r = run("report", ex, "--gold", tg, "--normalize", "case,punct,space", "--out", out, "-q")
    expect("report on transcripts runs", r.returncode == 0, r.stderr)
    g = run("gold", ex, "--gold", tg, "--normalize", "case,punct,space", "--json", "-", "-q")
    if r.returncode == 0 and g.returncode == 0:
        rep, gold = load(os.path.join(out, "report.json")), json.loads(g.stdout)
        expect("transcripts report: mode and error rate", rep["mode"] == "transcripts" and rep["error_rate"] == "wer", rep.get("mode"))
        by = {a["annotator"]: a for a in rep["annotators"]}
        for a in gold["annotators"]:
            expect(f"transcripts report: {a['annotator']}'s WER and interval are gold's", by[a["annotator"]]["wer"] == a["wer"], (by[a["annotator"]]["wer"], a["wer"]))
            items = by[a["annotator"]]["items"]
            expect(f"transcripts report: {a['annotator']}'s items add up to its WER",
                   close(sum(i["errors"] for i in items) / sum(i["reference"] for i in items), a["wer"]["value"], 1e-12))
        # Hand-counted (docs/gold.md): ben substitutes one word for "id" (beside an insertion) and one
        # for "4512" (beside three insertions); which of the equal-cost alignments is the aligner's.
        subs = sorted(s["reference"] for s in by["ben"]["substitutions"])
        expect("transcripts report: ben's substitutions", subs == ["4512", "id"] and all(s["count"] == 1 for s in by["ben"]["substitutions"]), subs)
        expect("transcripts report: ben's worst item", by["ben"]["worst_item"] == "call-003.wav", by["ben"]["worst_item"])
        # ben's four calls in file order, one per block: WER 0, 2/7, 4/5, 0 (call 4 has none wrong).
        blocks = by["ben"]["drift"]["blocks"]
        expect("transcripts report: drift blocks, one item each", by["ben"]["drift"]["items"] == [1, 1, 1, 1] and
               all(close(a, b, 1e-12) for a, b in zip(blocks, [0, 2 / 7, 4 / 5, 0])) and close(by["ben"]["drift"]["change"], 0, 1e-12),
               by["ben"]["drift"])
        for p in rep["pictures"]:
            data = open(os.path.join(out, p["png"]), "rb").read()
            expect(f"transcripts report: picture {p['name']} decodes", png_size(data) is not None, p)
        expect("transcripts report: a comparison and drift pictures", {p["kind"] for p in rep["pictures"]} == {"comparison", "drift"}, rep["pictures"])
    d = os.path.join(SRC, "tests", "data", "gold", "segments")
    out = os.path.join(tmp, "sr")
    r = run("report", os.path.join(d, "xena.rttm"), "--gold", os.path.join(d, "gold.rttm"), "--collar", "0", "--out", out, "-q")
    expect("report on speaker turns runs", r.returncode == 0, r.stderr)
    if r.returncode == 0:
        rep = load(os.path.join(out, "report.json"))
        x = rep["annotators"][0]
        expect("segments report: DER 3.5/9 (docs/gold.md)", close(x["der"]["value"], 3.5 / 9, 1e-12) and x["items"] == [
            {"item": "m", "errors": 3.5e6, "reference": 9e6, "error_rate": 3.5 / 9}], x)
        kinds = {p["kind"]: p for p in rep["pictures"]}
        expect("segments report: a timeline of the worst recording", "timeline" in kinds and png_size(open(os.path.join(out, kinds["timeline"]["png"]), "rb").read()),
               rep["pictures"])
        svg = os.path.join(out, kinds.get("timeline", {}).get("svg", "none"))
        expect("segments report: the timeline SVG parses", os.path.exists(svg) and ET.parse(svg).getroot().tag.endswith("svg"))
    r = run("report", os.path.join(d, "xena.rttm"), "-q")
    expect("segments report without gold: exit 2 saying so", r.returncode == 2 and "against gold" in r.stderr, r.stderr)
    r = run("report", ex, "-q")
    expect("transcripts report without gold: exit 2 saying so", r.returncode == 2 and "against gold" in r.stderr, r.stderr)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        time_reports(tmp)
        out = labels_report(tmp)
        gold_report(tmp)
        objects_report(tmp)
        keypoints_attributes_lines(tmp)
        samples(tmp)
        errors(tmp)
        determinism(tmp)
        ties(tmp)
        agree_plot(tmp)
        chromium(out, tmp)
    sys.exit(harness.summary())


if __name__ == "__main__":
    main()
