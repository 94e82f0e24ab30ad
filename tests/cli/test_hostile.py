#!/usr/bin/env python3
"""Hostile deliveries (tests/data/hostile, and inputs generated here): no crash, a clear error
naming the file, the element and the limit, exit 2.

Usage: test_hostile.py LABELQA_BINARY SOURCE_DIR
"""
import json
import os
import sys
import tempfile

BINARY, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import expect, run  # noqa: E402

harness.BINARY = BINARY
H = os.path.join(SRC, "tests", "data", "hostile")
TMP = tempfile.mkdtemp(prefix="labelqa-hostile-")
GOLD = os.path.join(SRC, "examples", "gold")

# Image sizes that read as 0, a float, a string, 2^32 or 1e19: every command refuses them, naming
# the field; none crashes (a polygon on a 0 x 0 image used to crash agree and gold).
bad_sizes = {"cvat_no_size.xml": "image.width", "cvat_zero_size.xml": "image.width", "cvat_video_nan_size.xml": "meta.original_size",
             "labelme_zero_width.json": "imageWidth", "labelme_float_width.json": "imageWidth", "labelme_string_width.json": "imageWidth",
             "ls_width_2_32.json": "original_width", "ls_width_1e19.json": "original_width"}
for name, field in bad_sizes.items():
    f = os.path.join(H, name)
    for cmd in (["agree", f], ["report", f], ["gold", f, "--gold", f]):
        r = run(*cmd)
        expect(f"{cmd[0]} {name}: exit 2 naming {field}", r.returncode == 2 and field in r.stderr and name in r.stderr, f"{r.returncode} {r.stderr}")
    r = run("validate", f, "--json", "-", "-q")
    d = json.loads(r.stdout) if r.stdout.strip() else None
    expect(f"validate {name}: a schema finding, exit 2", r.returncode == 2 and d is not None and [x["code"] for x in d["findings"]] == ["schema"] and
           field in d["findings"][0]["message"], f"{r.returncode} {r.stdout[:400]} {r.stderr}")

# A task id whose id * 1000 would overflow is read like any other.
r = run("validate", os.path.join(H, "ls_task_id_max.json"), "--json", "-", "-q")
expect("Label Studio task id 2^63 - 1: read, no overflow", r.returncode == 0 and json.loads(r.stdout)["summary"]["annotations"] == 1, r.stdout + r.stderr)

# Policies with keys nested 50,000 levels deep overflowed the TOML parser's stack.
for name, text in (("dotted.toml", "a" + ".a" * 50000 + " = 1\n"), ("header.toml", "[" + "b." * 50000 + "b]\nx = 1\n")):
    p = os.path.join(TMP, name)
    open(p, "w").write(text)
    r = run("gold", os.path.join(GOLD, "delivery.csv"), "--gold", os.path.join(GOLD, "gold.csv"), "--policy", p)
    expect(f"deep TOML {name}: exit 2 naming the limit", r.returncode == 2 and "at most 64 levels" in r.stderr and name in r.stderr, f"{r.returncode} {r.stderr[:300]}")
# A policy whose keys stay shallow, with dots inside strings and numbers, is read as before.
p = os.path.join(TMP, "ok.toml")
open(p, "w").write('compare = "value"\niou_threshold = 0.5\n[[rule]]\nmetric = "accuracy"\nmin = 0.5\nsubject = "all"\n# a.b.c.d.e.f\n')
r = run("gold", os.path.join(GOLD, "delivery.csv"), "--gold", os.path.join(GOLD, "gold.csv"), "--policy", p)
expect("shallow TOML with dots in values: read", r.returncode in (0, 1), r.stderr)

sys.exit(harness.summary())
