#!/usr/bin/env python3
"""Runs `labelqa gold` on hand-made batches (tests/data/gold), fixtures of `agree` and the shared samples.

Usage: test_gold.py LABELQA_BINARY SOURCE_DIR
Expected numbers are worked out by hand (in the comments) or computed here from the fixtures'
own definitions; the JUnit XML is read with a real XML parser.
"""
import json
import math
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ET

import numpy as np
from scipy.stats import binom
from statsmodels.stats.proportion import proportion_confint

BINARY, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import close, expect, run  # noqa: E402

harness.BINARY = BINARY
GOLD = os.path.join(SRC, "tests", "data", "gold")
MASKS = os.path.join(SRC, "tests", "data", "agree", "masks")
SPANS = os.path.join(SRC, "tests", "data", "formats", "spans")
SAMPLES = os.path.join(SRC, "..", "shared", "samples")
EXAMPLES = os.path.join(SRC, "examples", "gold")
sys.path.insert(0, MASKS)
import make_masks  # noqa: E402


def gold_json(*args):
    r = run("gold", *args, "--json", "-", "-q")
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError:
        expect(f"gold {' '.join(args)}: JSON on stdout", False, r.stderr)
        return r, None


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def labels_batch(tmp):
    """alice: 20 gold items, all right; bob: the same 20, 10 wrong; carol: 3 gold items.
    Items g00-g19 are gold, x00-x04 are not; gold items m0, m1 nobody delivered."""
    rows = ["item,annotator,label"]
    gold = ["item,label"]
    for k in range(20):
        truth = ["cat", "dog"][k % 2]
        gold.append(f"g{k:02d},{truth}")
        rows.append(f"g{k:02d},alice,{truth}")
        rows.append(f"g{k:02d},bob,{truth if k < 10 else 'bird'}")
        if k < 3:
            rows.append(f"g{k:02d},carol,{truth}")
    for k in range(5):
        rows.append(f"x{k:02d},alice,cat")
    gold += ["m0,cat", "m1,dog"]
    return write(os.path.join(tmp, "delivery.csv"), "\n".join(rows) + "\n"), write(os.path.join(tmp, "gold.csv"), "\n".join(gold) + "\n")


def test_labels_gate(tmp):
    delivery, gold = labels_batch(tmp)
    r, d = gold_json(delivery, "--gold", gold, "--min", "accuracy=0.8")
    if d is None:
        return
    expect("failing batch: exit 1", r.returncode == 1, r.stderr)
    expect("failing batch: stderr names the rule and the annotator", "accuracy>=0.8 for bob" in r.stderr and "0.5000" in r.stderr, r.stderr)
    s = d["summary"]
    expect("summary counts", (s["gold_items"], s["delivered_items"], s["gold_missing"], s["items_without_gold"]) == (22, 25, 2, 5), str(s))
    expect("gold_missing_items listed", d["gold_missing_items"] == ["m0", "m1"], str(d["gold_missing_items"]))
    expect("warning: gold items missing", [w["code"] for w in d["warnings"]] == ["gold_missing"], str(d["warnings"]))
    ann = {a["annotator"]: a for a in d["annotators"]}
    expect("statuses: alice pass, bob fail, carol insufficient",
           [ann[n]["status"] for n in ("alice", "bob", "carol")] == ["pass", "fail", "insufficient"], str({n: a["status"] for n, a in ann.items()}))
    expect("bob accuracy 10/20", close(ann["bob"]["accuracy"]["value"], 0.5) and ann["bob"]["gold_items"] == 20)
    lo, hi = proportion_confint(10, 20, alpha=0.05, method="wilson")
    expect("bob Wilson interval", close(ann["bob"]["accuracy"]["ci_low"], lo, 1e-12) and close(ann["bob"]["accuracy"]["ci_high"], hi, 1e-12))
    v = d["vendor"]
    expect("vendor pools every annotator's gold ratings: 33/43", close(v["accuracy"]["value"], 33 / 43) and v["gold_items"] == 20, str(v["accuracy"]))
    rules = [(o["subject"], o["outcome"]) for o in d["rules"]]
    expect("one rule row per subject, vendor first", rules == [("vendor", "fail"), ("alice", "pass"), ("bob", "fail"), ("carol", "insufficient")], str(rules))
    carol = [o for o in d["rules"] if o["subject"] == "carol"][0]
    expect("insufficient carries its reason", carol["undefined_reason"] == "fewer_than_10_gold_items" and carol["passed"] is False, str(carol))
    conflicts = [c for c in d["conflicts"] if c["annotator"] == "bob"]
    expect("label conflicts: bob's 10 wrong items", len(conflicts) == 10 and all(c["type"] == "mismatching_label" and c["class"] == "bird" for c in conflicts))

    r = run("gold", delivery, "--gold", gold, "--min", "accuracy=0.8", "--min-items", "3", "-q")
    expect("--min-items 3: carol (3/3) is scored and passes; bob fails", r.returncode == 1 and "for carol" not in r.stderr and "for bob" in r.stderr, r.stderr)

    # A passing batch: alice alone.
    only = write(os.path.join(tmp, "alice.csv"), "\n".join(l for l in open(delivery).read().splitlines() if ",bob," not in l and ",carol," not in l) + "\n")
    # 20/20: the Wilson lower bound is 0.839, above 0.8 but below 0.9.
    r = run("gold", only, "--gold", gold, "--min", "accuracy=0.8", "--gate-on", "ci_low", "-q")
    expect("passing batch: exit 0", r.returncode == 0, r.stderr)
    r = run("gold", only, "--gold", gold, "--min", "accuracy=0.9", "--gate-on", "ci_low", "-q")
    expect("--gate-on ci_low: 20/20 does not show 0.9", r.returncode == 1 and "lower confidence bound 0.8389" in r.stderr, r.stderr)
    r = run("gold", only, "--gold", gold, "--min", "acuracy=0.8")
    expect("unknown metric: exit 2 listing the scores", r.returncode == 2 and "acuracy" in r.stderr and "cohen_kappa" in r.stderr, r.stderr)
    r = run("gold", only, "--gold", gold, "--min", "recall=0.5", "--min-items", "0")
    expect("class metric without a class: exit 2", r.returncode == 2, r.stderr)

    # Warn on insufficient: carol alone never fails the gate.
    r = run("gold", delivery, "--gold", gold, "--min", "accuracy=0.4", "--on-insufficient", "warn", "-q")
    expect("--on-insufficient warn: exit 0", r.returncode == 0, r.stderr)
    r = run("gold", delivery, "--gold", gold, "--min", "accuracy=0.4", "-q")
    expect("insufficient fails by default: exit 1 naming carol", r.returncode == 1 and "for carol: insufficient" in r.stderr, r.stderr)

    dup = write(os.path.join(tmp, "dup_gold.csv"), "item,label\ng00,cat\ng00,dog\n")
    r = run("gold", delivery, "--gold", dup)
    expect("gold with two labels for one item: exit 2 naming the line", r.returncode == 2 and "dup_gold.csv:3" in r.stderr, r.stderr)
    outs = [run("gold", delivery, "--gold", gold, "--json", "-", "--threads", t).stdout for t in ("1", "2")]
    expect("same bytes for 1 and 2 threads", outs[0] == outs[1] and outs[0] != "")


def test_policy(tmp):
    delivery, gold = labels_batch(tmp)
    policy = write(os.path.join(tmp, "qa.toml"), """# a policy
min_items = 3
compare = "ci_low"

[[rule]]
metric = "accuracy"
min = 0.6
subject = "vendor"

[[rule]]
metric = "recall"
min = 0.9
subject = "each_annotator"
class = "cat"
compare = "value"
""")
    r, d = gold_json(delivery, "--gold", gold, "--policy", policy)
    if d is None:
        return
    got = [(o["rule"], o["subject"], o["compared"], o["outcome"]) for o in d["rules"]]
    # Vendor: 33/43 with a Wilson lower bound of 0.62 >= 0.6; recall of cat: alice 10/10, bob
    # 5/10 (cats are the even items; bob errs on items 10-19), carol 2/2.
    want = [("accuracy>=0.6", "vendor", "ci_low", "pass"), ("recall[cat]>=0.9", "alice", "value", "pass"),
            ("recall[cat]>=0.9", "bob", "value", "fail"), ("recall[cat]>=0.9", "carol", "value", "pass")]
    expect("policy rules: subjects, classes, compare", got == want, str(got))
    expect("policy with a failed rule: exit 1", r.returncode == 1, r.stderr)
    ann = {a["annotator"]: a for a in d["annotators"]}
    cat = [c for c in ann["bob"]["per_class"] if c["class"] == "cat"][0]
    expect("per-class support and recall", cat["support"] == 10 and close(cat["recall"]["value"], 0.5), str(cat))
    as_json = write(os.path.join(tmp, "qa.json"), json.dumps({"min_items": 3, "compare": "ci_low", "rule": [
        {"metric": "accuracy", "min": 0.6, "subject": "vendor"},
        {"metric": "recall", "min": 0.9, "subject": "each_annotator", "class": "cat", "compare": "value"}]}))
    r2, d2 = gold_json(delivery, "--gold", gold, "--policy", as_json)
    expect("the same policy as JSON gives the same rules", d2 is not None and d2["rules"] == d["rules"])

    cases = {
        "syntax.toml": ("min_items = 3\n\n[[rule]]\nmetric = \"accuracy\nmin = 0.9\n", "syntax.toml:4"),
        "unknown_key.toml": ("min_items = 3\n[[rule]]\nmetric = \"accuracy\"\nmin = 0.9\nsubjct = \"vendor\"\n", "unknown_key.toml:5"),
        "no_min.toml": ("[[rule]]\nmetric = \"accuracy\"\n", "no_min.toml:1"),
        "bad_compare.toml": ("compare = \"lower\"\n", "bad_compare.toml:1"),
        "bad_type.toml": ("\n\nmin_items = \"ten\"\n", "bad_type.toml:3"),
        "bad.json": ("{\"min_items\": 3,\n \"rule\": [\n {\"metric\": \"accuracy\" \"min\": 1}]}\n", "bad.json:3"),
    }
    for name, (text, where) in cases.items():
        r = run("gold", delivery, "--gold", gold, "--policy", write(os.path.join(tmp, name), text))
        expect(f"malformed policy {name}: exit 2 naming the line", r.returncode == 2 and where in r.stderr, r.stderr)
    r = run("gold", delivery, "--gold", gold, "--policy", write(os.path.join(tmp, "who.toml"), "[[rule]]\nmetric = \"accuracy\"\nmin = 0.5\nsubject = \"dave\"\n"))
    expect("rule naming an unknown annotator: exit 2 naming the rule's line", r.returncode == 2 and "who.toml:1" in r.stderr and "dave" in r.stderr, r.stderr)
    r = run("gold", delivery, "--gold", gold, "--policy", write(os.path.join(tmp, "miss.toml"), "max_gold_missing = 1\n"), "--json", "-", "-q")
    d = json.loads(r.stdout) if r.returncode != 2 else None
    expect("max_gold_missing: 2 missing > 1 fails", r.returncode == 1 and d and d["rules"][0]["rule"] == "gold_missing<=1", r.stderr)


def test_ci_outputs(tmp):
    delivery, gold = labels_batch(tmp)
    junit, md = os.path.join(tmp, "gold.xml"), os.path.join(tmp, "gold.md")
    r = run("gold", delivery, "--gold", gold, "--min", "accuracy=0.8", "--min", "macro_f1=0.3", "--junit", junit, "--markdown", md, "-q")
    expect("CI outputs: exit 1", r.returncode == 1, r.stderr)
    root = ET.parse(junit).getroot()
    expect("JUnit: testsuites root", root.tag == "testsuites")
    suites = root.findall("testsuite")
    cases = [c for s in suites for c in s.findall("testcase")]
    failures = [c for c in cases if c.find("failure") is not None]
    expect("JUnit: 8 test cases (2 rules x vendor + 3 annotators)", len(cases) == 8 and int(root.get("tests")) == 8, ET.tostring(root)[:300])
    expect("JUnit: failure counts consistent", int(root.get("failures")) == len(failures) == sum(int(s.get("failures")) for s in suites)
           and sum(int(s.get("tests")) for s in suites) == len(cases), f"{root.attrib} {len(failures)}")
    bob = [c for c in failures if "bob" in c.get("name")]
    expect("JUnit: bob's failure carries the numbers", bob and "0.5000" in bob[0].find("failure").get("message") and "threshold=0.8" in bob[0].find("failure").text,
           str([c.attrib for c in failures]))
    expect("JUnit: carol insufficient is a failure", any("carol" in c.get("name") and c.find("failure").get("type") == "insufficient" for c in failures))
    tables, current = [], []
    for line in open(md, encoding="utf-8").read().splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []

    def cells(line):
        return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]

    ok = len(tables) == 2
    for t in tables:
        width = len(cells(t[0]))
        ok &= len(t) >= 3 and all(re.fullmatch(r":?-+:?", c) for c in cells(t[1]))
        ok &= all(len(cells(row)) == width for row in t)
    expect("markdown: two valid tables (scores, rules)", ok, open(md).read())
    expect("markdown: rule table has 8 rows", len(tables) == 2 and len(tables[1]) == 10, open(md).read())


def vendor_text(out):
    """Every byte of a vendor report folder, and its JSON."""
    files = sorted(os.listdir(out)) if os.path.isdir(out) else []
    text = "".join(open(os.path.join(out, f), encoding="utf-8").read() for f in files)
    v = json.loads(open(os.path.join(out, "vendor_report.json")).read()) if "vendor_report.json" in files else {}
    return files, text, v


def no_item_level_fields(v):
    """Keys that would locate or label a gold item, anywhere in the JSON."""
    found = []

    def walk(x):
        if isinstance(x, dict):
            for k, y in x.items():
                if k in ("item", "items", "conflicts", "bbox", "span", "annotation", "gold_class", "gold_missing", "per_class", "confusion"):
                    found.append(k)
                walk(y)
        elif isinstance(x, list):
            for y in x:
                walk(y)
    walk(v)
    return found


def test_vendor_report(tmp):
    """By default the vendor report holds scores, statuses and rule outcomes only: no gold item id,
    file name, gold label or gold coordinate, for label, object, mask and span gold. With
    --vendor-report-items it also locates every conflict (and says on the terminal that this
    reveals the gold items), still without a gold label."""
    rows, gold = ["item,annotator,label"], ["item,label"]
    for k in range(12):
        gold.append(f"secret-right-{k},cat")
        rows.append(f"secret-right-{k},alice,cat")
    gold.append("wrong-1,zebra")  # a gold label never delivered
    rows.append("wrong-1,alice,horse")
    gold.append("secret-missing-1,lion")
    rows.append("plain-1,alice,horse")
    delivery = write(os.path.join(tmp, "v_delivery.csv"), "\n".join(rows) + "\n")
    gold = write(os.path.join(tmp, "v_gold.csv"), "\n".join(gold) + "\n")
    out = os.path.join(tmp, "vendor")
    r = run("gold", delivery, "--gold", gold, "--min", "accuracy=0.9", "--vendor-report", out, "-q")
    files, text, v = vendor_text(out)
    expect("labels: the default vendor report is one JSON file", r.returncode == 0 and files == ["vendor_report.json"], r.stderr + str(files))
    leaks = [s for s in ("secret-right", "secret-missing", "wrong-1", "zebra", "lion", "plain-1", "v_gold") if s in text]
    expect("labels: no gold item id, file name or gold label", not leaks, str(leaks))
    expect("labels: no item-level field", not no_item_level_fields(v), str(no_item_level_fields(v)))
    expect("labels: scores and rules", close(v["annotators"][0]["accuracy"]["value"], 12 / 13) and v["rules"], str(v)[:300])
    expect("labels: no warning by default", "reveals" not in r.stderr and "gold" not in r.stderr.replace("gate failed", ""), r.stderr)

    out = os.path.join(tmp, "vendor_items")
    r = run("gold", delivery, "--gold", gold, "--min", "accuracy=0.9", "--vendor-report", out, "--vendor-report-items", "-q")
    files, text, v = vendor_text(out)
    expect("--vendor-report-items: JSON and conflicts CSV", r.returncode == 0 and files == ["vendor_conflicts.csv", "vendor_report.json"], r.stderr + str(files))
    expect("--vendor-report-items: a warning that the gold items are revealed", "which items are gold" in r.stderr, r.stderr)
    expect("--vendor-report-items: the wrong item located with the delivered label",
           [(c["item"], c["class"]) for c in v.get("conflicts", [])] == [("wrong-1", "horse")], str(v.get("conflicts")))
    leaks = [s for s in ("secret-right", "secret-missing", "zebra", "lion", "gold_class", "gold_missing", "plain-1") if s in text]
    expect("--vendor-report-items: still no gold label, right or missing gold item", not leaks, str(leaks))
    r = run("gold", delivery, "--gold", gold, "--vendor-report-items")
    expect("--vendor-report-items without --vendor-report: exit 2", r.returncode == 2 and "--vendor-report" in r.stderr, r.stderr)

    # Objects: COCO gold (tests/data/gold/coco): images a.jpg, b.jpg, c.jpg; ids 101-106; classes
    # cat, dog, person; the missing object 104 at [70, 10, 20, 20].
    coco = os.path.join(GOLD, "coco")
    out = os.path.join(tmp, "vendor_coco")
    r = run("gold", os.path.join(coco, "alice.json"), "--gold", os.path.join(coco, "gold.json"), "--vendor-report", out, "-q")
    files, text, v = vendor_text(out)
    leaks = [s for s in ("a.jpg", "b.jpg", "c.jpg", "\"dog\"", "\"cat\"", "\"person\"", "104", "gold.json") if s in text]
    expect("objects: no gold image, id, class or file name", r.returncode == 0 and files == ["vendor_report.json"] and not leaks, r.stderr + str(leaks))
    expect("objects: no item-level field (no box)", not no_item_level_fields(v), str(no_item_level_fields(v)))

    # Masks: gold folder tests/data/agree/masks/semantic/ann1 (a.png ... d.png; classes from classes.csv).
    masks = os.path.join(SRC, "tests", "data", "agree", "masks")
    out = os.path.join(tmp, "vendor_masks")
    r = run("gold", "--masks", os.path.join(masks, "semantic", "ann2"), "--gold", os.path.join(masks, "semantic", "ann1"),
            "--classes", os.path.join(masks, "classes.csv"), "--min-items", "1", "--vendor-report", out, "-q")
    files, text, v = vendor_text(out)
    class_names = [line.split(",")[1].strip() for line in open(os.path.join(masks, "classes.csv")).read().splitlines()[1:] if "," in line]
    leaks = [s for s in ["a.png", "b.png", "c.png", "d.png", "ann1"] + [f"\"{n}\"" for n in class_names] if s in text]
    expect("masks: no gold mask file or class", r.returncode in (0, 1) and files == ["vendor_report.json"] and not leaks, r.stderr + str(leaks))
    expect("masks: no item-level field", not no_item_level_fields(v), str(no_item_level_fields(v)))

    # Spans: doccano gold a.jsonl (documents 1 and 2; PER, LOC, ORG).
    spans = os.path.join(SRC, "tests", "data", "formats", "spans", "doccano")
    out = os.path.join(tmp, "vendor_spans")
    r = run("gold", os.path.join(spans, "b.jsonl"), "--gold", os.path.join(spans, "a.jsonl"), "--min-items", "1", "--vendor-report", out, "-q")
    files, text, v = vendor_text(out)
    leaks = [s for s in ("Anna", "Paris", "Smith", "Acme", "\"PER\"", "\"LOC\"", "\"ORG\"", "a.jsonl") if s in text]
    expect("spans: no gold text, label or file name", r.returncode in (0, 1) and files == ["vendor_report.json"] and not leaks, r.stderr + str(leaks))
    expect("spans: no item-level field", not no_item_level_fields(v), str(no_item_level_fields(v)))


def test_coco_conflicts():
    """tests/data/gold/coco: on a.jpg one valid pair (IoU 1), one mismatching label (IoU 1), one pair
    at IoU 320/480 (low_overlap), one gold object missed, one extra; on b.jpg one valid pair; c.jpg
    is gold nobody delivered; d.jpg is delivered but not gold. Gold 5, delivered 5, valid 3."""
    coco = os.path.join(GOLD, "coco")
    r, d = gold_json(os.path.join(coco, "alice.json"), "--gold", os.path.join(coco, "gold.json"), "--min-items", "1", "--min", "recall=0.5")
    if d is None:
        return
    types = sorted(c["type"] for c in d["conflicts"])
    expect("each conflict type exactly once", types == ["extra_annotation", "low_overlap", "mismatching_label", "missing_annotation"], str(types))
    by = {c["type"]: c for c in d["conflicts"]}
    expect("missing_annotation: gold object 104, dog, its box", (by["missing_annotation"]["annotation"], by["missing_annotation"]["gold_class"],
                                                               by["missing_annotation"]["bbox"]) == (104, "dog", [70, 10, 20, 20]), str(by["missing_annotation"]))
    expect("extra_annotation: delivered 5, cat", (by["extra_annotation"]["annotation"], by["extra_annotation"]["class"], by["extra_annotation"]["item"]) == (5, "cat", "a.jpg"))
    expect("mismatching_label: cat for dog at IoU 1", (by["mismatching_label"]["class"], by["mismatching_label"]["gold_class"], by["mismatching_label"]["iou"]) == ("cat", "dog", 1.0))
    expect("low_overlap: IoU 2/3", close(by["low_overlap"]["iou"], 2 / 3) and by["low_overlap"]["annotation"] == 3)
    a = d["annotators"][0]
    expect("precision 3/5, recall 3/5, f1 0.6", close(a["precision"]["value"], 0.6) and close(a["recall"]["value"], 0.6) and close(a["f1"]["value"], 0.6))
    expect("accuracy 3/(5+5-3)", close(a["accuracy"]["value"], 3 / 7))
    expect("mean_iou over valid pairs (1 + 2/3 + 1)/3", close(a["mean_iou"]["value"], (2 + 2 / 3) / 3))
    expect("counts", (a["gold_objects"], a["delivered_objects"], a["valid"], a["gold_items"]) == (5, 5, 3, 2), str(a))
    s = d["summary"]
    expect("gold_missing c.jpg, d.jpg without gold", s["gold_missing"] == 1 and d["gold_missing_items"] == ["c.jpg"] and s["items_without_gold"] == 1)
    expect("passing rule: exit 0", r.returncode == 0, r.stderr)
    r, d = gold_json(os.path.join(coco, "alice.json"), "--gold", os.path.join(coco, "gold.json"), "--low-overlap", "0.6", "--iou-threshold", "0.7")
    types = sorted(c["type"] for c in d["conflicts"]) if d else []
    # At IoU threshold 0.7 the 2/3 pair no longer matches: one more missing and one more extra.
    expect("--iou-threshold 0.7: the 2/3 pair splits", types == ["extra_annotation", "extra_annotation", "mismatching_label", "missing_annotation", "missing_annotation"], str(types))
    cats = [c for c in d["annotators"][0]["per_class"] if c["class"] == "cat"][0] if d else {}
    expect("per-class counts (cat: gold 2, delivered 4, valid 1)", (cats.get("gold_objects"), cats.get("delivered_objects"), cats.get("valid")) == (2, 4, 1), str(cats))


def test_masks_and_spans():
    sem = os.path.join(MASKS, "semantic")
    r, d = gold_json("--masks", os.path.join(sem, "ann2"), "--gold", os.path.join(sem, "ann1"), "--classes", os.path.join(MASKS, "classes.csv"), "--min-items", "1")
    if d is None:
        return
    m = make_masks.semantic()
    conf = {}
    for n in sorted(set(m["ann1"]) & set(m["ann2"])):
        g, b = m["ann1"][n][0].astype(np.int64), m["ann2"][n][0].astype(np.int64)
        keep = (g != 255) & (b != 255)
        for x, y in zip(g[keep].ravel(), b[keep].ravel()):
            conf[(x, y)] = conf.get((x, y), 0) + 1
    total = sum(conf.values())
    acc = sum(v for (x, y), v in conf.items() if x == y) / total
    vals = sorted({x for x, _ in conf} | {y for _, y in conf})
    ious = {}
    for k in vals:
        tp = conf.get((k, k), 0)
        ious[k] = tp / (sum(v for (x, _), v in conf.items() if x == k) + sum(v for (_, y), v in conf.items() if y == k) - tp)
    a = d["annotators"][0]
    expect("masks: pixel_accuracy against gold", close(a["pixel_accuracy"]["value"], acc), f"{a['pixel_accuracy']} {acc}")
    expect("masks: mean_iou against gold", close(a["mean_iou"]["value"], sum(ious.values()) / len(ious)))
    road = [c for c in a["per_class"] if c["class"] == "road"]
    expect("masks: per-class iou by class name", road and close(road[0]["iou"]["value"], ious[1]), str(road))
    expect("masks: kind", d["kind"] == "masks" and a["gold_items"] == 3, str(a["gold_items"]))

    # The hand-worked span example of docs/spans.md, a.jsonl as gold: F1 exact 0.6, overlap 0.8.
    r, d = gold_json(os.path.join(SPANS, "doccano", "b.jsonl"), "--gold", os.path.join(SPANS, "doccano", "a.jsonl"), "--min-items", "1")
    a = d["annotators"][0] if d else {}
    expect("spans: span_f1_exact 0.6, span_f1_overlap 0.8 against gold", d and d["kind"] == "spans" and close(a["span_f1_exact"]["value"], 0.6)
           and close(a["span_f1_overlap"]["value"], 0.8), r.stderr)
    # "Bob" [9, 12) marked as "Bob in" [9, 15): overlap 3 of 6 characters; "Paris" LOC marked ORG.
    got = [(c["type"], c["item"], c["span"], c["class"], c["gold_class"], c["iou"]) for c in d["conflicts"]] if d else []
    expect("spans: conflicts located by document and span", got == [("low_overlap", "1", [9, 15], "PER", "PER", 0.5),
                                                                    ("mismatching_label", "1", [16, 21], "ORG", "LOC", 1.0)], str(got))


def test_samples():
    """The CVAT cats export scored against the Label Studio export of the same 14 images as gold
    (different tools, same person): every box matches at 0.5 (as `agree` finds)."""
    if not harness.samples(SRC, "gold on the real CVAT and Label Studio cats exports"):
        return
    ls = os.path.join(SAMPLES, "label-studio", "real-export-cats", "project-1-at-2025-06-19-14-54-b0c66fa7.json")
    cvat = os.path.join(SAMPLES, "cvat", "images-boxes-cats-same-images-as-label-studio", "annotations.xml")
    r, d = gold_json(cvat, "--gold", ls, "--min", "recall=0.95", "--min", "mean_iou=0.85")
    if d is None:
        return
    a = d["annotators"][0]
    expect("samples: 14 gold images, 24 gold and 24 delivered boxes, all valid", (d["summary"]["gold_items"], a["gold_objects"], a["delivered_objects"], a["valid"]) == (14, 24, 24, 24), str(a))
    expect("samples: boxes differ by a few pixels (0.85 < mean IoU < 1)", 0.85 < a["mean_iou"]["value"] < 1, str(a["mean_iou"]))
    expect("samples: rules pass, exit 0", r.returncode == 0, r.stderr)
    r = run("gold", cvat, "--gold", os.path.join(EXAMPLES, "gold.csv"))
    expect("gold of another kind than the delivery: exit 2", r.returncode == 2 and "nothing to compare" in r.stderr, r.stderr)


def test_plan():
    """--gate-on ci_low plans for the Wilson lower bound; --gate-on value (the default) for the
    observed proportion, checked with scipy's binomial tail."""
    r = run("gold", "--plan", "--min", "accuracy=0.95", "--expected", "0.97", "--gate-on", "value", "--json", "-")
    p = json.loads(r.stdout)["plans"][0] if r.returncode == 0 else {}
    n_val = next(n for n in range(1, 20000) if binom.sf(math.ceil(0.95 * n - 1e-9) - 1, n, 0.97) >= 0.8)
    expect("plan, value gate: the smallest n at which a subject at 0.97 passes 80% of the time",
           p.get("compared") == "value" and p.get("items_for_power") == n_val and p.get("pass_items") == math.ceil(0.95 * n_val - 1e-9)
           and p.get("items_at_expected") is None, f"{p} {n_val}")
    r = run("gold", "--plan", "--min", "accuracy=0.95", "--expected", "0.99", "--gate-on", "value", "--json", "-")
    p = json.loads(r.stdout)["plans"][0]
    n_val = next(n for n in range(1, 20000) if binom.sf(math.ceil(0.95 * n - 1e-9) - 1, n, 0.99) >= 0.8)
    expect("plan, value gate at 0.99 expected", p["items_for_power"] == n_val, f"{p} {n_val}")
    r = run("gold", "--plan", "--min", "accuracy=0.95", "--expected", "0.97", "--gate-on", "ci_low", "--json", "-")
    try:
        p = json.loads(r.stdout)["plans"][0]
    except (json.JSONDecodeError, KeyError, IndexError):
        expect("plan: JSON", False, r.stdout + r.stderr)
        return

    def low(k, n):
        return proportion_confint(k, n, alpha=0.05, method="wilson")[0]

    n_exp = next(n for n in range(1, 20000) if low(0.97 * n, n) >= 0.95 - 1e-12)
    expect("plan: items at which an observed 0.97 reaches 0.95", p["items_at_expected"] == n_exp, f"{p} {n_exp}")
    n_pow, k_pow = None, None
    for n in range(1, 20000):
        if low(n, n) < 0.95:
            continue
        k = next(k for k in range(n + 1) if low(k, n) >= 0.95)
        if binom.sf(k - 1, n, 0.97) >= 0.8:
            n_pow, k_pow = n, k
            break
    expect("plan: items for 80% power (exact binomial)", (p["items_for_power"], p["pass_items"]) == (n_pow, k_pow), f"{p} {n_pow} {k_pow}")
    r = run("gold", "--plan", "--min", "accuracy=0.95", "--expected", "0.9")
    expect("plan: expected below the threshold is bad usage", r.returncode == 2, r.stderr)
    r = run("gold", "--plan", "--min", "accuracy=0.95", "--expected", "0.97", "--gate-on", "ci_low")
    expect("plan: text names the count", r.returncode == 0 and str(n_pow) in r.stdout and "lower bound" in r.stdout, r.stdout)


def test_no_rules():
    """gold without any rule gates nothing: it says so (a warning on the terminal and a no_rules
    warning in the JSON), and --strict makes it bad usage."""
    delivery, gold = os.path.join(SRC, "examples", "gold", "delivery.csv"), os.path.join(SRC, "examples", "gold", "gold.csv")
    r = run("gold", delivery, "--gold", gold, "--json", "-", "-q")
    d = json.loads(r.stdout) if r.returncode == 0 else {}
    expect("no rules: exit 0 with a warning", r.returncode == 0 and "no rules given: nothing was gated" in r.stderr, r.stderr)
    expect("no rules: no_rules warning in the JSON", any(w["code"] == "no_rules" for w in d.get("warnings", [])), str(d.get("warnings")))
    r = run("gold", delivery, "--gold", gold, "--strict", "-q")
    expect("no rules with --strict: exit 2", r.returncode == 2 and "no rules given" in r.stderr, r.stderr)
    r = run("gold", delivery, "--gold", gold, "--min", "accuracy=0.5", "--strict", "-q")
    expect("a rule with --strict: no warning", r.returncode in (0, 1) and "no rules given" not in r.stderr, r.stderr)


def test_examples(tmp):
    d = EXAMPLES
    r = run("gold", os.path.join(d, "delivery.csv"), "--gold", os.path.join(d, "gold.csv"), "--policy", os.path.join(d, "qa.toml"),
            "--json", os.path.join(tmp, "ex.json"), "--csv", os.path.join(tmp, "ex.csv"))
    expect("examples/gold: exit 1, one annotator below the policy", r.returncode == 1 and "for dave" in r.stderr, r.stdout + r.stderr)
    rows = open(os.path.join(tmp, "ex.csv")).read().splitlines() if os.path.exists(os.path.join(tmp, "ex.csv")) else []
    expect("examples/gold: CSV rows per subject, scope and score", rows and rows[0] == "subject,scope,class,metric,value,ci_low,ci_high,ci_method,undefined_reason"
           and any(r.startswith("vendor,overall,,accuracy,") for r in rows), str(rows[:3]))


def test_segments(tmp):
    """Speaker turns against a gold RTTM (tests/data/gold/segments), worked by hand with --collar 0.
    Gold m: g1 [0,4) g2 [4,7) g1 [8,10); xena: A [0,4) B [4.5,7) B [8,10) A [11,12).
    Mapping g1->A (4 s shared), g2->B (2.5 s). Evaluated [0, 12]: scored 9 s; missed 0.5 s ([4,4.5)),
    false alarm 1 s ([11,12)), confusion 2 s ([8,10) B is g2's) -> DER 3.5/9, missed 0.5/9.
    JER: g1 vs A: 4 shared of 7 -> 3/7; g2 vs B: 2.5 of 5 -> 1/2; mean 13/28.
    Matching (temporal IoU >= 0.5): 3 valid of 4 delivered and 3 gold -> precision 3/4, recall 1,
    F1 6/7, mean IoU (1 + 2.5/3 + 1)/3; the turn at 11-12 s is extra (line 4).
    Boundaries (collar 0.2 s): gold 0 4 4 7 8 10, xena 0 4 4.5 7 8 10 11 12: 5 matched -> F1 10/14."""
    d = os.path.join(GOLD, "segments")
    r, j = gold_json(os.path.join(d, "xena.rttm"), "--gold", os.path.join(d, "gold.rttm"), "--collar", "0", "--min-items", "1", "--bootstrap", "0")
    if not j:
        return
    x = j["annotators"][0]
    expect("segments gold: kind", j.get("kind") == "segments", j.get("kind"))
    for key, want in (("der", 3.5 / 9), ("missed_speech", 0.5 / 9), ("false_alarm", 1 / 9), ("speaker_confusion", 2 / 9), ("jer", 13 / 28),
                      ("diarization_accuracy", 1 - 3.5 / 9), ("mean_jaccard", 15 / 28), ("precision", 0.75), ("recall", 1.0), ("f1", 6 / 7),
                      ("mean_iou", (2 + 2.5 / 3) / 3)):
        expect(f"segments gold: {key}", close(x[key]["value"], want, 1e-12), (x[key], want))
    r2, j2 = gold_json(os.path.join(d, "xena.rttm"), "--gold", os.path.join(d, "gold.rttm"), "--min-items", "1", "--bootstrap", "0")
    if j2:
        expect("segments gold: boundary F1 10/14 with the default collar", close(j2["annotators"][0]["boundary_f1"]["value"], 10 / 14, 1e-12))
    expect("segments gold: one extra_annotation located by time and line",
           [(c["type"], c["time"], c["line"]) for c in j["conflicts"]] == [("extra_annotation", [11, 12], 4)], j["conflicts"])
    expect("segments gold: the options say the collar", j["options"].get("collar") == 0 and j["options"].get("iou_type") == "time", j["options"])
    r = run("gold", os.path.join(d, "xena.rttm"), "--gold", os.path.join(d, "gold.rttm"), "--collar", "0", "--min-items", "1", "--min",
            "diarization_accuracy=0.7", "--conflicts", os.path.join(tmp, "seg.csv"), "--junit", os.path.join(tmp, "seg.xml"), "-q")
    expect("segments gold: diarization_accuracy 0.61 < 0.7 fails the gate (exit 1)", r.returncode == 1, r.stderr)
    rows = open(os.path.join(tmp, "seg.csv")).read().splitlines() if os.path.exists(os.path.join(tmp, "seg.csv")) else []
    expect("segments gold: conflicts CSV with times", rows == ["type,item,annotator,line,class,gold_class,start,end,iou", "extra_annotation,m,xena,4,speech,,11,12,"],
           rows)
    suites = ET.parse(os.path.join(tmp, "seg.xml")).getroot() if os.path.exists(os.path.join(tmp, "seg.xml")) else None
    expect("segments gold: JUnit has the failure", suites is not None and suites.get("failures") == "2", suites.attrib if suites is not None else None)
    r = run("gold", os.path.join(d, "xena.rttm"), "--gold", os.path.join(d, "gold.rttm"), "--min", "der=0.2", "-q")
    expect("segments gold: a minimum on an error rate is bad usage naming the complement", r.returncode == 2 and "diarization_accuracy" in r.stderr, r.stderr)
    # Subtitles against subtitles: segments by label (cue text is not a label: every cue is "cue").
    subs = os.path.join(SRC, "tests", "data", "segments", "subs")
    r, j = gold_json(os.path.join(subs, "alice"), "--gold", os.path.join(subs, "bob"), "--min-items", "1", "--bootstrap", "0")
    expect("subtitle folders against a gold folder: segments scored", j is not None and j["vendor"]["gold_items"] >= 1, r.stderr)


def test_transcripts(tmp):
    """examples/transcripts.csv against tests/data/gold/transcripts/gold.csv, normalised case,punct,space
    (worked by hand): gold words 10, 7, 5, 6 on calls 1-4 (call 5 has no gold).
    ana: no error (0/28). ben: call 2 "i would" for "id" (1 S, 1 I), call 3 "four five one two" for
    "4512" (1 S, 3 I): 6/28. chloe: call 1 "thank you ... you" (thanks->thank S, you I, today D), call 2
    my->the (S): 4/22. Vendor 10/78."""
    t = os.path.join(GOLD, "transcripts", "gold.csv")
    ex = os.path.join(SRC, "examples", "transcripts.csv")
    r, j = gold_json(ex, "--gold", t, "--normalize", "case,punct,space", "--min-items", "1", "--bootstrap", "0")
    if not j:
        return
    by = {a["annotator"]: a for a in j["annotators"]}
    for who, want, items in (("ana", 0, 4), ("ben", 6 / 28, 4), ("chloe", 4 / 22, 3)):
        expect(f"transcripts gold: {who} WER", close(by[who]["wer"]["value"], want, 1e-12), by[who]["wer"])
        expect(f"transcripts gold: {who} gold items", by[who]["gold_items"] == items, by[who]["gold_items"])
    expect("transcripts gold: vendor WER 10/78", close(j["vendor"]["wer"]["value"], 10 / 78, 1e-12), j["vendor"]["wer"])
    expect("transcripts gold: ben's counts", (by["ben"]["word_substitutions"], by["ben"]["word_insertions"], by["ben"]["word_deletions"]) == (2, 4, 0), by["ben"])
    expect("transcripts gold: items without gold", j["summary"]["items_without_gold"] == 1, j["summary"])
    conflicts = [(c["item"], c["annotator"], c["substitutions"], c["deletions"], c["insertions"]) for c in j["conflicts"]]
    expect("transcripts gold: one mismatching_transcript per differing text",
           conflicts == [("call-001.wav", "chloe", 1, 1, 1), ("call-002.wav", "ben", 1, 0, 1), ("call-002.wav", "chloe", 1, 0, 0),
                         ("call-003.wav", "ben", 1, 0, 3)], conflicts)
    expect("transcripts gold: gold text in the report", j["conflicts"] and j["conflicts"][0].get("gold_text", "").startswith("Hello"), j["conflicts"][:1])
    vendor = os.path.join(tmp, "tv")
    r = run("gold", ex, "--gold", t, "--min-items", "1", "--min", "word_accuracy=0.8", "--vendor-report", vendor, "--vendor-report-items", "-q")
    expect("transcripts gold: ben below word_accuracy 0.8 fails (exit 1)", r.returncode == 1 and "for ben" in r.stderr, r.stderr)
    text = vendor_text(vendor)
    expect("transcripts gold: the vendor report has no gold text", "I'd like to change my address, please" not in text and "gold_text" not in text, text[:300])
    r = run("gold", ex, "--gold", t, "--min", "wer=0.1", "-q")
    expect("transcripts gold: a minimum on WER is bad usage naming word_accuracy", r.returncode == 2 and "word_accuracy" in r.stderr, r.stderr)
    # Another annotator as the gold.
    r, j = gold_json(ex, "--gold-annotator", "ana", "--min-items", "1", "--bootstrap", "0")
    expect("transcripts: --gold-annotator ana scores ben and chloe", j is not None and [a["annotator"] for a in j["annotators"]] == ["ben", "chloe"], r.stderr)
    # Subtitle cues as transcripts against a gold table of the recording.
    subs = os.path.join(SRC, "tests", "data", "segments", "subs")
    r = run("gold", os.path.join(subs, "alice"), "--gold", t, "--compare", "transcripts")
    expect("subtitles as transcripts against a table of other items: exit 0, nothing scored said", r.returncode == 0 and "no delivered item is a gold item" in r.stdout,
           r.stdout + r.stderr)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        test_segments(tmp)
        test_transcripts(tmp)
        test_labels_gate(tmp)
        test_policy(tmp)
        test_ci_outputs(tmp)
        test_vendor_report(tmp)
        test_coco_conflicts()
        test_masks_and_spans()
        test_samples()
        test_plan()
        test_no_rules()
        test_examples(tmp)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
