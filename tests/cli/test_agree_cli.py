#!/usr/bin/env python3
"""Runs the real `labelqa` binary on examples/ and tests/data/ and checks outputs and exit codes.

Usage: test_agree_cli.py LABELQA_BINARY SOURCE_DIR
Golden files: tests/data/agree/expected/*. Regenerate with LABELQA_REGENERATE=1 after checking
the numbers against their published sources (tests/unit/test_metrics_agreement.cpp).
"""
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile

BINARY, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "tests", "data", "agree")
EXAMPLES = os.path.join(SRC, "examples")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import expect, metric_ok, run  # noqa: E402

harness.BINARY = BINARY


def test_example_text_and_json(tmp):
    r = run("agree", os.path.join(EXAMPLES, "sentiment.csv"))
    expect("example exits 0", r.returncode == 0, r.stderr)
    expect("example summary names Fleiss' kappa", "fleiss_kappa" in r.stdout, r.stdout)
    expect("no colour when not a terminal", "\033[" not in r.stdout, r.stdout)
    out = os.path.join(tmp, "r.json")
    r = run("agree", os.path.join(EXAMPLES, "sentiment.csv"), "--json", out, "-q")
    expect("quiet prints nothing", r.stdout == "", r.stdout)
    d = json.load(open(out))
    expect("json header", d["tool"] == "labelqa" and d["command"] == "agree" and "version" in d, str(d.keys()))
    s = d["summary"]
    expect("summary counts", (s["items"], s["annotators"], s["ratings"]) == (60, 3, 171), str(s))
    expect("summary classes", s["classes"] == ["negative", "neutral", "positive"], str(s))
    for key in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "scott_pi", "brennan_prediger",
                "conger_kappa", "cohen_kappa"):
        expect(f"overall has {key}", key in d["overall"] and metric_ok(d["overall"][key]), str(d["overall"].get(key)))
    expect("alpha carries its level", d["overall"]["krippendorff_alpha"]["level"] == "nominal")
    expect("per_class rows", [c["class"] for c in d["per_class"]] == ["negative", "neutral", "positive"])
    expect("per_class metrics", all(metric_ok(c["fleiss_kappa"]) and metric_ok(c["specific_agreement"])
                                    for c in d["per_class"]))
    pairs = [(p["annotator_a"], p["annotator_b"], p["items"]) for p in d["per_pair"]]
    expect("per_pair rows", pairs == [("ana", "ben", 60), ("ana", "chloe", 51), ("ben", "chloe", 51)], str(pairs))
    expect("keys sorted", list(d.keys()) == sorted(d.keys()))
    raw = open(out).read()
    bad = []
    json.loads(raw, parse_constant=lambda c: bad.append(c))
    expect("no NaN or Infinity in report", not bad, str(bad))


def test_csv(tmp):
    r = run("agree", os.path.join(EXAMPLES, "sentiment.csv"), "--csv", "-")
    expect("csv to stdout exits 0", r.returncode == 0, r.stderr)
    rows = list(csv.reader(io.StringIO(r.stdout)))
    expect("csv header", rows[0][:8] == ["scope", "class", "annotator_a", "annotator_b", "metric", "value", "ci_low",
                                         "ci_high"], str(rows[0]))
    expect("csv has no text summary mixed in", not r.stdout.startswith("labelqa agree"))
    scopes = {row[0] for row in rows[1:]}
    expect("csv scopes", scopes == {"overall", "class", "pair"}, str(scopes))
    undefined = [row for row in rows[1:] if row[5] == ""]
    expect("undefined rows carry a reason", all(row[9] for row in undefined) and len(undefined) > 0)


def test_golden(tmp):
    regenerate = os.environ.get("LABELQA_REGENERATE") == "1"
    cases = [("krippendorff2011", level, ["--level", level]) for level in ("nominal", "ordinal", "interval", "ratio")]
    cases.append(("severity_wide", "ordinal", ["--wide", "--item-col", "ticket", "--level", "ordinal"]))
    for name, level, flags in cases:
        src = os.path.join(EXAMPLES if name == "severity_wide" else DATA, name + ".csv")
        for fmt in ("json", "csv"):
            expected_path = os.path.join(DATA, "expected", f"{name}.{level}.{fmt}")
            r = subprocess.run([BINARY, "agree", os.path.relpath(src, SRC), *flags, f"--{fmt}", "-"], cwd=SRC,
                               capture_output=True, text=True)
            if regenerate:
                os.makedirs(os.path.dirname(expected_path), exist_ok=True)
                open(expected_path, "w").write(r.stdout)
            expected = open(expected_path).read()
            expect(f"golden {name} {level} {fmt}", r.stdout == expected,
                   f"--- expected\n{expected}\n--- actual\n{r.stdout}")


def test_published_alpha():
    # Krippendorff (2011): .743 .815 .849 .797
    for level, value in (("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)):
        r = run("agree", os.path.join(DATA, "krippendorff2011.csv"), "--level", level, "--json", "-")
        a = json.loads(r.stdout)["overall"]["krippendorff_alpha"]
        expect(f"alpha {level}", round(a["value"], 3) == value and a["level"] == level, str(a))


def test_formats_agree(tmp):
    long_csv = os.path.join(DATA, "krippendorff2011.csv")
    rows = list(csv.DictReader(open(long_csv)))
    tsv = os.path.join(tmp, "k.tsv")
    with open(tsv, "w") as f:
        f.write("item\tannotator\tlabel\n" + "".join(f"{r['item']}\t{r['annotator']}\t{r['label']}\n" for r in rows))
    jsonl = os.path.join(tmp, "k.jsonl")
    with open(jsonl, "w") as f:
        for r in rows:
            f.write(json.dumps({"item": r["item"], "annotator": r["annotator"], "label": int(r["label"])}) + "\n")
    wide = os.path.join(tmp, "k_wide.csv")
    items = sorted({r["item"] for r in rows}, key=int)
    anns = sorted({r["annotator"] for r in rows})
    cell = {(r["item"], r["annotator"]): r["label"] for r in rows}
    with open(wide, "w") as f:
        f.write("item," + ",".join(anns) + "\n")
        for i in items:
            f.write(i + "," + ",".join(cell.get((i, a), "") for a in anns) + "\n")
    renamed = os.path.join(tmp, "renamed.csv")
    with open(renamed, "w") as f:
        f.write("unit;coder;value\n".replace(";", ",") + "".join(f"{r['item']},{r['annotator']},{r['label']}\n" for r in rows))
    outs = []
    for args in ([long_csv], [tsv], [jsonl], ["--wide", wide],
                 [renamed, "--item-col", "unit", "--annotator-col", "coder", "--label-col", "value"]):
        r = run("agree", *args, "--json", "-")
        expect(f"format {args[-1]} exits 0", r.returncode == 0, r.stderr)
        outs.append(json.loads(r.stdout)["overall"] if r.returncode == 0 else None)
    expect("csv, tsv, jsonl, wide and renamed columns give the same overall section",
           all(o == outs[0] for o in outs), json.dumps(outs, indent=1)[:3000])


def test_bad_inputs(tmp):
    cases = [
        ("malformed_quote.csv", [], "malformed_quote.csv:3:"),
        ("nonnumeric_interval.csv", ["--level", "interval"], "nonnumeric_interval.csv:5:"),
        ("duplicate.csv", [], "duplicate.csv:5:"),
        ("empty.csv", [], "empty.csv:1:"),
        ("missing_column.csv", [], "missing_column.csv:1:"),
        ("wrong_field_count.csv", [], "wrong_field_count.csv:3:"),
        ("array_label.jsonl", [], "array_label.jsonl:2:"),
        ("truncated.jsonl", [], "truncated.jsonl:2:"),
    ]
    for name, flags, where in cases:
        out = os.path.join(tmp, "bad.json")
        r = run("agree", os.path.join(DATA, name), *flags, "--json", out)
        expect(f"{name} exits 2", r.returncode == 2, f"exit {r.returncode}\n{r.stderr}")
        expect(f"{name} names file and line", where in r.stderr, r.stderr)
        expect(f"{name} leaves no report", not os.path.exists(out))
    r = run("agree", os.path.join(DATA, "duplicate.csv"), "--duplicates", "last", "--json", "-")
    expect("--duplicates last accepts the duplicate", r.returncode == 0, r.stderr)
    r = run("agree", os.path.join(tmp, "does-not-exist.csv"))
    expect("missing file exits 2", r.returncode == 2 and "does-not-exist.csv" in r.stderr, r.stderr)
    r = run("agree", os.path.join(DATA, "krippendorff2011.csv"), "--level", "bogus")
    expect("bad flag value exits 2", r.returncode == 2, r.stderr)
    r = run("agree")
    expect("no input exits 2", r.returncode == 2, r.stderr)
    r = run("agree", os.path.join(DATA, "krippendorff2011.csv"), "--json", os.path.join(tmp, "no", "dir", "r.json"))
    expect("unwritable report exits 2", r.returncode == 2 and "r.json" in r.stderr, r.stderr)


def test_undefined_cases():
    for name, key, reason in (("no_pairs.csv", "fleiss_kappa", "no_pairable_items"),
                              ("one_category.csv", "fleiss_kappa", "single_category"),
                              ("one_category.csv", "cohen_kappa", "single_category"),
                              ("single_annotator.csv", "fleiss_kappa", "single_annotator"),
                              ("single_annotator.csv", "krippendorff_alpha", "single_annotator"),
                              ("single_annotator.csv", "percent_agreement", "single_annotator")):
        r = run("agree", os.path.join(DATA, name), "--json", "-")
        m = json.loads(r.stdout)["overall"][key]
        expect(f"{name} {key} undefined", r.returncode == 0 and m["value"] is None and m["undefined_reason"] == reason,
               str(m))
    r = run("agree", os.path.join(DATA, "one_category.csv"), "--json", "-")
    m = json.loads(r.stdout)["overall"]["percent_agreement"]
    expect("one category: percent agreement is 1", m["value"] == 1.0, str(m))


def test_version():
    """--version names labelqa's version and every library it was built with."""
    r = run("--version")
    lines = r.stdout.splitlines()
    libs = {l.split()[0]: l.split()[1] for l in lines[1:] if len(l.split()) == 2}
    want = {"simdjson", "pugixml", "zlib", "libspng", "toml++", "nlohmann/json", "oneTBB", "GEOS", "cairo", "fmt", "Boost", "CLI11"}
    expect("--version: labelqa's version first", r.returncode == 0 and lines and lines[0].startswith("labelqa ") and lines[0].split()[1][0].isdigit(), r.stdout)
    expect("--version: every library with a version", want <= set(libs) and all(v[0].isdigit() for v in libs.values()), r.stdout)


def test_class_never_paired():
    """tests/data/agree/class_unpaired.csv: "rare" is rated once, on an item nobody else rated. No two
    annotators could agree on it: its per-class kappa is undefined with a reason, not 1."""
    r = run("agree", os.path.join(DATA, "class_unpaired.csv"), "--json", "-")
    d = json.loads(r.stdout) if r.returncode == 0 else {"per_class": []}
    rare = next((c for c in d["per_class"] if c["class"] == "rare"), {})
    k = rare.get("fleiss_kappa", {})
    expect("a class never rated on a pairable item: per-class kappa undefined",
           k.get("value") is None and k.get("undefined_reason") == "class_not_rated_on_pairable_items", str(k))
    x = next((c for c in d["per_class"] if c["class"] == "x"), {})
    expect("the other classes keep their kappa", x.get("fleiss_kappa", {}).get("value") is not None, str(x))


def test_gate():
    src = os.path.join(EXAMPLES, "sentiment.csv")
    r = run("agree", src, "--min", "fleiss_kappa=0.9", "-q")
    expect("failed gate exits 1", r.returncode == 1, r.stderr)
    expect("failed gate names the metric", "fleiss_kappa" in r.stderr, r.stderr)
    r = run("agree", src, "--min", "fleiss_kappa=0.2", "--min", "percent_agreement=0.5", "-q")
    expect("passing gate exits 0", r.returncode == 0, r.stderr)
    r = run("agree", src, "--min", "fleiss_kappa=0.3", "--gate-on", "ci_low", "-q")
    expect("gate on the lower bound fails where the value passes", r.returncode == 1, r.stderr)
    r = run("agree", src, "--min", "cohen_kappa=0.2", "-q")
    expect("gate on an undefined metric fails", r.returncode == 1, r.stderr)
    r = run("agree", src, "--min", "kapa=0.2", "-q")
    expect("unknown gate metric exits 2", r.returncode == 2 and "kapa" in r.stderr, r.stderr)
    r = run("agree", src, "--min", "fleiss_kappa=high", "-q")
    expect("malformed gate exits 2", r.returncode == 2, r.stderr)
    r = run("agree", src, "--min", "fleiss_kappa=0.9", "--json", "-")
    gate = json.loads(r.stdout)["gate"]
    expect("gate section in JSON", gate == [{"compared": "value", "metric": "fleiss_kappa", "passed": False,
                                             "threshold": 0.9, "value": gate[0]["value"]}], str(gate))


def test_determinism_and_inputs_untouched(tmp):
    src = os.path.join(EXAMPLES, "sentiment.csv")
    before = hashlib.sha256(open(src, "rb").read()).hexdigest()
    outs = []
    for threads in ("1", "2", "4"):
        r = run("agree", src, "--ci", "bootstrap", "--bootstrap", "300", "--seed", "5", "--threads", threads,
                "--json", "-")
        outs.append(r.stdout)
    expect("same bytes for 1, 2 and 4 threads", outs[0] == outs[1] == outs[2] and outs[0] != "")
    d = json.loads(outs[0])
    expect("bootstrap intervals named", d["overall"]["fleiss_kappa"]["ci_method"] == "bootstrap")
    r = run("agree", src, "--ci", "bootstrap", "--bootstrap", "300", "--seed", "6", "--json", "-")
    expect("another seed, other intervals", r.stdout != outs[0])
    expect("input unchanged", hashlib.sha256(open(src, "rb").read()).hexdigest() == before)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for test in (test_example_text_and_json, test_csv, test_golden, test_formats_agree, test_bad_inputs,
                     test_determinism_and_inputs_untouched):
            test(tmp)
        test_published_alpha()
        test_undefined_cases()
        test_gate()
        test_class_never_paired()
        test_version()
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
