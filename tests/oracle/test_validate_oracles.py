#!/usr/bin/env python3
"""Self-intersection findings of `labelqa validate` against shapely's explain_validity (Debian
python3-shapely) on generated polygons: bow-ties, spikes, random rings and valid ones. Every
polygon is alone on its own image, so its only possible finding is its validity (or, for a random
ring, degenerate). Usage: test_validate_oracles.py BINARY"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

from shapely.geometry import Polygon
from shapely.validation import explain_validity

passed = failed = 0


def expect(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}\n{detail}")


def bow_tie(rng):
    x, y = rng.uniform(10, 400), rng.uniform(10, 400)
    w, h = rng.uniform(5, 300), rng.uniform(5, 300)
    return [x, y, x + w, y + h, x + w, y, x, y + h]


def spike(rng):
    # A square with a spike going out from the middle of its right edge and back along itself.
    x, y, s = rng.randint(10, 300), rng.randint(10, 300), rng.randint(10, 200)
    m, out = y + s // 2, rng.randint(5, 200)
    return [x, y, x + s, y, x + s, m, x + s + out, m, x + s, m, x + s, y + s, x, y + s]


def random_ring(rng):
    n = rng.randint(4, 8)
    return [round(rng.uniform(10, 900), rng.choice([0, 2])) for _ in range(2 * n)]


def convex(rng):
    import math
    cx, cy, r = rng.uniform(200, 700), rng.uniform(200, 700), rng.uniform(20, 150)
    n = rng.randint(3, 10)
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
    pts = []
    for a in angles:
        pts += [cx + r * math.cos(a), cy + r * math.sin(a)]
    return pts


def main():
    binary = sys.argv[1]
    rng = random.Random(20261124)
    polys = [("bow-tie", bow_tie(rng)) for _ in range(150)] + [("spike", spike(rng)) for _ in range(150)] + \
            [("random", random_ring(rng)) for _ in range(300)] + [("convex", convex(rng)) for _ in range(100)]
    images, anns = [], []
    for i, (_, p) in enumerate(polys, start=1):
        images.append({"id": i, "file_name": f"{i}.jpg", "width": 1000, "height": 1000})
        anns.append({"id": i, "image_id": i, "category_id": 1, "segmentation": [p], "iscrowd": 0})
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "polys.json")
        json.dump({"images": images, "categories": [{"id": 1, "name": "thing"}], "annotations": anns}, open(path, "w"))
        p = subprocess.run([binary, "validate", path, "--json", "-"], capture_output=True, text=True)
    expect("validate runs", p.returncode in (0, 1), p.stderr)
    findings = {}
    for f in json.loads(p.stdout)["findings"]:
        findings.setdefault(int(f["annotation"]), []).append(f)
    counts = {"invalid": 0, "valid": 0}
    for i, (kind, pts) in enumerate(polys, start=1):
        ring = list(zip(pts[0::2], pts[1::2]))
        ours = findings.get(i, [])
        if any(f["code"] == "degenerate" for f in ours):
            # Degenerate rings (collinear, < 3 distinct points) are reported before GEOS is asked.
            expect(f"{kind} {i}: degenerate only when shapely sees no area", Polygon(ring).area == 0, json.dumps(ours))
            continue
        why = explain_validity(Polygon(ring))
        if why == "Valid Geometry":
            counts["valid"] += 1
            expect(f"{kind} {i}: valid, no finding", ours == [], json.dumps(ours))
            continue
        counts["invalid"] += 1
        m = re.match(r"^(.*)\[([-0-9.e+]+) ([-0-9.e+]+)\]$", why)
        expect(f"{kind} {i}: shapely's reason parses", m is not None, why)
        si = [f for f in ours if f["code"] == "self_intersection"]
        expect(f"{kind} {i}: one self_intersection finding", len(si) == 1, f"shapely: {why}\nours: {json.dumps(ours)}")
        if not m or len(si) != 1:
            continue
        reason, x, y = m.group(1), float(m.group(2)), float(m.group(3))
        px, py = si[0]["location"]["point"]
        expect(f"{kind} {i}: the point shapely reports", abs(px - x) <= 1e-9 * max(1, abs(x)) and abs(py - y) <= 1e-9 * max(1, abs(y)),
               f"shapely: {why}\nours: {si[0]}")
        expect(f"{kind} {i}: the reason shapely gives", si[0]["message"].startswith(reason), f"shapely: {why}\nours: {si[0]['message']}")
    expect("every bow-tie and spike is invalid", counts["invalid"] >= 300, str(counts))
    expect("valid polygons were checked too", counts["valid"] >= 100, str(counts))
    print(f"{passed} passed, {failed} failed ({counts['invalid']} invalid and {counts['valid']} valid polygons compared with shapely)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
