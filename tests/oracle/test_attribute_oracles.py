#!/usr/bin/env python3
"""Agreement on the attributes of matched objects (`labelqa agree` on two CVAT exports) against
sklearn, statsmodels and nltk: the matched pairs written by --matches are the items, each pair's
two attribute values the two ratings; per attribute, percent agreement, Cohen's kappa
(sklearn.cohen_kappa_score), Fleiss' kappa (statsmodels fleiss_kappa) and Krippendorff's alpha
(nltk AnnotationTask.alpha) equal to 1e-9.

Usage: test_attribute_oracles.py LABELQA_BINARY
"""
import csv
import os
import random
import sys
import tempfile

from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import harness  # noqa: E402
from harness import expect  # noqa: E402

harness.BINARY = os.path.abspath(sys.argv[1])
TMP = tempfile.mkdtemp(prefix="labelqa-attributes-")
COLOURS = ["red", "green", "blue", "white"]


def xml(boxes):
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<annotations>", "  <version>1.1</version>"]
    for image, shapes in boxes.items():
        out.append(f'  <image id="{image}" name="img{image:03d}.jpg" width="400" height="300">')
        for (x, y, occluded, colour, parked) in shapes:
            out.append(f'    <box label="car" occluded="{occluded}" xtl="{x}" ytl="{y}" xbr="{x + 40}" ybr="{y + 30}" z_order="0">')
            out.append(f'      <attribute name="colour">{colour}</attribute>')
            out.append(f'      <attribute name="parked">{parked}</attribute>')
            out.append("    </box>")
        out.append("  </image>")
    out.append("</annotations>")
    return "\n".join(out) + "\n"


def generate(seed):
    rng = random.Random(seed)
    a, b = {}, {}
    for image in range(40):
        a[image], b[image] = [], []
        for k in range(rng.randrange(1, 6)):
            x, y = 10 + 70 * k, rng.randrange(10, 250)
            occluded, colour, parked = rng.choice((0, 0, 1)), rng.choice(COLOURS), rng.choice(("true", "false"))
            a[image].append((x, y, occluded, colour, parked))
            if rng.random() < 0.1:
                continue  # b misses this car: no pair
            if rng.random() < 0.3:
                occluded = rng.choice((0, 1))
            if rng.random() < 0.25:
                colour = rng.choice(COLOURS)
            if rng.random() < 0.2:
                parked = rng.choice(("true", "false"))
            b[image].append((x + rng.randrange(-2, 3), y + rng.randrange(-2, 3), occluded, colour, parked))
    return a, b


def main():
    a, b = generate(11)
    pa, pb = os.path.join(TMP, "ann_a.xml"), os.path.join(TMP, "ann_b.xml")
    open(pa, "w").write(xml(a))
    open(pb, "w").write(xml(b))
    matches = os.path.join(TMP, "m.csv")
    r, rep = harness.json_report(TMP, "agree", pa, pb, "--matches", matches)
    expect("agree on attributes runs", r.returncode == 0, r.stderr)
    if rep is None:
        return harness.summary()
    rows = [x for x in csv.DictReader(open(matches)) if x["id_a"] and x["id_b"]]
    got = {x["attribute"]: x for x in rep["attributes"]}
    expect("three attributes compared", sorted(got) == ["colour", "occluded", "parked"], str(sorted(got)))
    for name in ("colour", "occluded", "parked"):
        va, vb = [x["a:" + name] for x in rows], [x["b:" + name] for x in rows]
        g = got.get(name, {})
        expect(f"{name}: one item per matched pair", g.get("items") == len(rows), f"{g.get('items')} vs {len(rows)}")
        pct = sum(x == y for x, y in zip(va, vb)) / len(va)
        kappa = cohen_kappa_score(va, vb)
        cats = sorted(set(va) | set(vb))
        table, _ = aggregate_raters([[cats.index(x), cats.index(y)] for x, y in zip(va, vb)], n_cat=len(cats))
        fk = fleiss_kappa(table, method="fleiss")
        task = AnnotationTask(data=[("a", str(i), x) for i, x in enumerate(va)] + [("b", str(i), y) for i, y in enumerate(vb)])
        alpha = task.alpha()
        for key, want in (("percent_agreement", pct), ("cohen_kappa", kappa), ("fleiss_kappa", fk), ("krippendorff_alpha", alpha)):
            have = g.get(key, {}).get("value")
            expect(f"{name}: {key}", harness.close(have, want, 1e-9), f"{have} vs {want}")
        differing = sum(x != y for x, y in zip(va, vb))
        expect(f"{name}: differing pairs", g.get("differing") == differing, f"{g.get('differing')} vs {differing}")
    # --attributes keeps only the named ones; --ignore-attributes leaves out.
    r, only = harness.json_report(TMP, "agree", pa, pb, "--attributes", "colour")
    expect("--attributes colour", only is not None and [x["attribute"] for x in only["attributes"]] == ["colour"], r.stderr)
    r, rest = harness.json_report(TMP, "agree", pa, pb, "--ignore-attributes", "colour,occluded")
    expect("--ignore-attributes colour,occluded", rest is not None and [x["attribute"] for x in rest["attributes"]] == ["parked"], r.stderr)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
