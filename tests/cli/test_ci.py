#!/usr/bin/env python3
"""CI outputs (docs/ci.md): SARIF 2.1.0 and GitLab Code Quality reports of validate and gold,
checked against their formats; GitHub Actions workflow commands and job summary; every labelqa
command docs/ci.md shows, and the pre-commit hooks, run on the examples.

Usage: test_ci.py LABELQA_BINARY SOURCE_DIR
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

BINARY, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import expect  # noqa: E402

harness.BINARY = BINARY
TMP = tempfile.mkdtemp(prefix="labelqa-ci-")
CLEAN = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}


def run(*args, env=None, cwd=SRC):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, cwd=cwd, env=env if env is not None else CLEAN)


# The SARIF 2.1.0 schema's requirements on what labelqa writes (sarif-schema-2.1.0.json): the
# required properties of sarifLog, run, tool, toolComponent, reportingDescriptor, result, message,
# location, physicalLocation, artifactLocation, region and logicalLocation, and their types and enums.
def sarif_problems(doc):
    p = []

    def need(obj, key, kind, where):
        if not isinstance(obj, dict) or key not in obj:
            p.append(f"{where}: required {key} missing")
            return None
        if not isinstance(obj[key], kind):
            p.append(f"{where}.{key}: not {kind}")
            return None
        return obj[key]

    if need(doc, "version", str, "sarifLog") != "2.1.0":
        p.append("version is not 2.1.0")
    if "$schema" in doc and not isinstance(doc["$schema"], str):
        p.append("$schema not a string")
    runs = need(doc, "runs", list, "sarifLog") or []
    if len(runs) != 1:
        p.append("not one run")
    for run_ in runs:
        driver = need(need(run_, "tool", dict, "run") or {}, "driver", dict, "tool") or {}
        need(driver, "name", str, "toolComponent")
        rules = driver.get("rules", [])
        ids = []
        for r in rules:
            ids.append(need(r, "id", str, "reportingDescriptor"))
            if "shortDescription" in r:
                need(r["shortDescription"], "text", str, "multiformatMessageString")
        if len(set(ids)) != len(ids):
            p.append("rule ids repeat")
        for res in run_.get("results", []):
            msg = need(res, "message", dict, "result") or {}
            if "text" not in msg and "id" not in msg:
                p.append("message without text or id")
            if res.get("level", "warning") not in ("none", "note", "warning", "error"):
                p.append(f"level {res.get('level')}")
            if "ruleIndex" in res:
                if not isinstance(res["ruleIndex"], int) or res["ruleIndex"] < 0 or res["ruleIndex"] >= len(rules) or rules[res["ruleIndex"]]["id"] != res.get("ruleId"):
                    p.append(f"ruleIndex {res['ruleIndex']} does not name {res.get('ruleId')}")
            for loc in res.get("locations", []):
                phys = loc.get("physicalLocation")
                if phys is not None:
                    art = need(phys, "artifactLocation", dict, "physicalLocation") or {}
                    uri = need(art, "uri", str, "artifactLocation") or ""
                    if re.search(r"[^A-Za-z0-9\-._~/%]", uri):
                        p.append(f"uri not percent-encoded: {uri}")
                    if "region" in phys:
                        line = phys["region"].get("startLine")
                        if not isinstance(line, int) or line < 1:
                            p.append(f"startLine {line}")
                for ll in loc.get("logicalLocations", []):
                    for k in ("name", "fullyQualifiedName", "kind"):
                        if k in ll and not isinstance(ll[k], str):
                            p.append(f"logicalLocation.{k}")
            fp = res.get("partialFingerprints", {})
            if not all(isinstance(v, str) for v in fp.values()):
                p.append("fingerprint not a string")
    return p


def codequality_problems(doc):
    p = []
    if not isinstance(doc, list):
        return ["not an array"]
    for i in doc:
        for k in ("description", "check_name", "fingerprint", "severity"):
            if not isinstance(i.get(k), str) or not i.get(k):
                p.append(f"{k} missing")
        if i.get("severity") not in ("info", "minor", "major", "critical", "blocker"):
            p.append(f"severity {i.get('severity')}")
        loc = i.get("location", {})
        if not isinstance(loc.get("path"), str):
            p.append("location.path")
        if not isinstance(loc.get("lines", {}).get("begin"), int) or loc["lines"]["begin"] < 1:
            p.append("location.lines.begin")
    fps = [i.get("fingerprint") for i in doc]
    if len(set(fps)) != len(fps):
        p.append("fingerprints repeat")
    return p


VALIDATE = ["examples/validate/instances.json", "--classes", "examples/validate/classes.txt"]
GOLD = ["examples/gold/delivery.csv", "--gold", "examples/gold/gold.csv", "--policy", "examples/gold/qa.toml"]

# ---- validate ----
sarif, cq, js = (os.path.join(TMP, n) for n in ("v.sarif", "v.cq.json", "v.json"))
r = run("validate", *VALIDATE, "--sarif", sarif, "--gitlab-codequality", cq, "--json", js, "-q")
expect("validate with findings exits 1 and writes every report", r.returncode == 1 and all(os.path.exists(x) for x in (sarif, cq, js)), r.stderr)
findings = json.load(open(js))["findings"]
doc = json.load(open(sarif))
expect("validate --sarif: valid SARIF 2.1.0", not sarif_problems(doc), sarif_problems(doc))
results = doc["runs"][0]["results"]
expect("validate --sarif: a result per finding, rule = code, level = severity, message",
       [(x["ruleId"], x["level"], x["message"]["text"]) for x in results] == [(f["code"], f["severity"], f["message"]) for f in findings], results[:2])
expect("validate --sarif: file and line where known, item and annotation as logical location",
       all(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == f["file"] and
           (x["locations"][0]["physicalLocation"].get("region", {}).get("startLine", 0) == f["location"].get("line", 0)) and
           (not f["item"] or f["item"] in x["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]) for x, f in zip(results, findings)), results[:2])
expect("validate --sarif: every code is a rule", len(doc["runs"][0]["tool"]["driver"]["rules"]) == 19)
issues = json.load(open(cq))
expect("validate --gitlab-codequality: valid Code Quality", not codequality_problems(issues), codequality_problems(issues))
expect("validate --gitlab-codequality: an issue per finding, errors major, warnings minor",
       [(i["check_name"], i["severity"]) for i in issues] == [(f["code"], "major" if f["severity"] == "error" else "minor") for f in findings])
r2 = run("validate", *VALIDATE, "--gitlab-codequality", "-", "--threads", "1", "-q")
expect("fingerprints stable across runs and thread counts", r2.returncode == 1 and [i["fingerprint"] for i in json.loads(r2.stdout)] == [i["fingerprint"] for i in issues],
       r2.stderr)
r3 = run("validate", *VALIDATE, "--sarif", "-", "--json", "-", "-q")
expect("--json - and --sarif -: both on standard output, one after the other", r3.returncode == 1 and r3.stdout.count('"version": "2.1.0"') == 1 and
       r3.stdout.startswith("{\n  \"findings\""), r3.stdout[:200])
clean = os.path.join(TMP, "clean.json")
json.dump({"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}]}, open(clean, "w"))
r = run("validate", clean, "--sarif", "-", "-q")
d = json.loads(r.stdout) if r.returncode == 0 else {}
expect("a clean delivery: valid SARIF with no results", r.returncode == 0 and not sarif_problems(d) and d["runs"][0]["results"] == [], r.stdout[:300])
r = run("validate", clean, "--gitlab-codequality", "-", "-q")
expect("a clean delivery: an empty Code Quality array", r.returncode == 0 and json.loads(r.stdout) == [], r.stdout)
odd = os.path.join(TMP, "a file, with: odd%chars.json")
json.dump({"images": [], "categories": [], "annotations": [{"id": 1}]}, open(odd, "w"))
r = run("validate", odd, "--sarif", "-", "-q")
d = json.loads(r.stdout) if r.stdout.strip() else {}
expect("a file name with spaces and % is percent-encoded in SARIF", d and not sarif_problems(d) and
       "a%20file%2C%20with%3A%20odd%25chars.json" in d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r.stdout[:600])
r = run("validate", *VALIDATE, "--sarif", "examples/validate/instances.json")
expect("--sarif onto an input is refused", r.returncode == 2 and "--sarif" in r.stderr, r.stderr)

# ---- GitHub Actions ----
summary = os.path.join(TMP, "summary.md")
open(summary, "w").write("earlier step\n")
env = dict(CLEAN, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=summary)
r = run("validate", *VALIDATE, "-q", env=env)
commands = [x for x in r.stdout.splitlines() if x.startswith("::")]
expect("GitHub: a workflow command per finding (at most 10 per level), with file and title",
       r.returncode == 1 and len(commands) == len(findings) and all(re.match(r"::(error|warning) file=[^,:]+(,line=\d+)?,title=labelqa [a-z_]+::", c) for c in commands),
       r.stdout)
text = open(summary).read()
expect("GitHub: the markdown summary is appended to $GITHUB_STEP_SUMMARY", text.startswith("earlier step\n") and "### labelqa validate: FAIL" in text and
       "| `degenerate` | 1 | 0 |" in text, text)
r = run("validate", *VALIDATE, "-q")
expect("no workflow commands outside GitHub Actions", "::" not in r.stdout, r.stdout)
many = os.path.join(TMP, "many.json")
json.dump({"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}],
           "annotations": [{"id": k, "image_id": 1, "category_id": 1, "bbox": [1, 1, 0, 2], "area": 0, "iscrowd": 0} for k in range(1, 31)]}, open(many, "w"))
r = run("validate", many, "-q", env=env)
expect("GitHub: 30 errors give 10 workflow commands", r.stdout.count("::error ") == 10, r.stdout)
r = run("gold", *GOLD, "-q", env=env)
expect("GitHub: gold prints the failed rule first, then conflicts, at most 10 each; appends its markdown",
       r.returncode == 1 and r.stdout.startswith("::error file=examples/gold/delivery.csv,title=labelqa gate::dave: rule recall[pedestrian]>=0.8 fail") and
       r.stdout.count("::warning ") == 10 and "| Rule | Subject |" in open(summary).read(), r.stdout[:500])

# ---- gold ----
sarif, cq = os.path.join(TMP, "g.sarif"), os.path.join(TMP, "g.cq.json")
conflicts = os.path.join(TMP, "conflicts.csv")
r = run("gold", *GOLD, "--sarif", sarif, "--gitlab-codequality", cq, "--conflicts", conflicts, "-q")
doc = json.load(open(sarif)) if os.path.exists(sarif) else {}
expect("gold --sarif: valid SARIF", r.returncode == 1 and doc and not sarif_problems(doc), sarif_problems(doc) if doc else r.stderr)
rows = open(conflicts).read().splitlines()[1:]
res = doc["runs"][0]["results"] if doc else []
expect("gold --sarif: the failed rule as an error, then a warning per conflict",
       [x["ruleId"] for x in res] == ["gate"] + [row.split(",")[0] for row in rows] and res[0]["level"] == "error" and
       all(x["level"] == "warning" for x in res[1:]), [x["ruleId"] for x in res][:5])
issues = json.load(open(cq)) if os.path.exists(cq) else None
expect("gold --gitlab-codequality: valid Code Quality, one issue per result", issues is not None and not codequality_problems(issues) and len(issues) == len(res),
       codequality_problems(issues) if issues is not None else r.stderr)

# ---- docs/ci.md: every labelqa command it shows runs on the examples as documented ----
ci_md = open(os.path.join(SRC, "docs", "ci.md")).read()
shown = [m.strip() for m in re.findall(r"(?:run: |- )(labelqa (?:validate|gold) [^\n|]*?)(?: \|\| status=\$\?)?$", ci_md, re.M)]
expect("docs/ci.md shows validate and gold for GitHub and GitLab", len(shown) == 4, shown)
work = tempfile.mkdtemp(prefix="labelqa-ci-docs-")
for src in ("examples",):
    os.symlink(os.path.join(SRC, src), os.path.join(work, src))
for line in shown:
    args = shlex.split(line)[1:]
    r = run(*args, cwd=work)
    outs = [args[i + 1] for i, a in enumerate(args) if a in ("--sarif", "--gitlab-codequality", "--json", "--junit", "--markdown")]
    expect(f"docs/ci.md: `{line[:60]}...` exits 1 on the examples' failures and writes its reports", r.returncode == 1 and
           all(os.path.getsize(os.path.join(work, o)) > 0 for o in outs), r.stderr[-300:])
    for o in outs:
        if o.endswith(".sarif"):
            expect(f"docs/ci.md: {o} is valid SARIF", not sarif_problems(json.load(open(os.path.join(work, o)))))
        if o.startswith("gl-code-quality"):
            expect(f"docs/ci.md: {o} is valid Code Quality", not codequality_problems(json.load(open(os.path.join(work, o)))))

# ---- .pre-commit-hooks.yaml: each hook's entry runs on files its pattern selects ----
hooks = open(os.path.join(SRC, ".pre-commit-hooks.yaml")).read()
entries = re.findall(r"^\s+entry: (.+)$", hooks, re.M)
patterns = re.findall(r"^\s+files: (.+)$", hooks, re.M)
expect("two hooks, each with an entry and a files pattern", len(entries) == 2 and len(patterns) == 2, hooks)
files = [f for f in ("examples/validate/instances.json", "examples/coco/alice.json", "examples/sentiment.csv", "examples/validate/classes.txt")
         if re.search(patterns[0], f)]
expect("the files pattern selects annotation files, not a class list", files == ["examples/validate/instances.json", "examples/coco/alice.json", "examples/sentiment.csv"],
       files)
warned = os.path.join(TMP, "warnings_only.json")
json.dump({"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "categories": [{"id": 1, "name": "c"}],
           "annotations": [{"id": k, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0} for k in (1, 2)]}, open(warned, "w"))
for entry, on_warning in zip(entries, (0, 1)):
    argv = shlex.split(entry)
    expect(f"hook entry `{entry}` is labelqa validate", argv[:2] == ["labelqa", "validate"])
    for path, want in (("examples/coco/alice.json", 0), (warned, on_warning), ("examples/validate/instances.json", 1)):
        r = run(*argv[1:], path)
        expect(f"hook `{entry}` on {os.path.basename(path)}: exit {want}, the summary shown", r.returncode == want and "labelqa validate:" in r.stdout,
               r.stdout + r.stderr)

sys.exit(harness.summary())
