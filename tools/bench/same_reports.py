#!/usr/bin/env python3
"""Are two builds' reports byte-identical on the benchmark inputs? Generates the inputs the
benchmarks use (bench_agree's 5M ratings, bench_spatial's and bench_validate's dense COCO pair, a
bench_gold-shaped delivery with its gold), runs every command with both builds and compares each
report with `cmp`. Run it before and after a change that must not alter a report (a refactoring,
a speed-up); it prints each command's time with both builds.
Usage: same_reports.py OLD_BUILD NEW_BUILD [WORK_DIR]"""
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import measure  # noqa: E402


def inputs(build, work):
    ratings = os.path.join(work, "ratings.csv")
    if not os.path.exists(ratings):
        with open(ratings, "w") as out:  # as bench_agree: 1M items x 5 annotators x 10 classes, 10% missing
            subprocess.run([os.path.join(build, "labelqa_bench_gen"), "1000000", "5", "10", "0.1", "1"], stdout=out, check=True)
    coco = os.path.join(work, "coco")
    if not os.path.exists(os.path.join(coco, "ann2.json")):
        os.makedirs(coco, exist_ok=True)
        subprocess.run([os.path.join(build, "labelqa_bench_gen_coco"), coco, "30000"], check=True)
    delivery, gold = os.path.join(work, "delivery.csv"), os.path.join(work, "gold.csv")
    if not os.path.exists(gold):
        rng = random.Random(1)
        classes = [f"c{k}" for k in range(10)]
        with open(delivery, "w") as d, open(gold, "w") as g:
            d.write("item,annotator,label\n")
            g.write("item,label\n")
            for i in range(200000):
                truth = rng.choice(classes)
                if i % 2 == 0:
                    g.write(f"i{i},{truth}\n")
                for a in range(5):
                    d.write(f"i{i},a{a},{truth if rng.random() < 0.9 else rng.choice(classes)}\n")
    return ratings, os.path.join(coco, "ann1.json"), os.path.join(coco, "ann2.json"), delivery, gold


def main():
    old, new = (os.path.abspath(a) for a in sys.argv[1:3])
    work = os.path.abspath(sys.argv[3] if len(sys.argv) > 3 else os.path.join(new, "same-reports"))
    os.makedirs(work, exist_ok=True)
    ratings, ann1, ann2, delivery, gold = inputs(new, work)
    cases = {
        "agree_ratings": ["agree", ratings],
        "agree_ratings_analytic": ["agree", ratings, "--ci", "analytic"],
        "agree_coco": ["agree", ann1, ann2, "--per-image"],
        "validate_coco": ["validate", ann1],
        "gold_labels": ["gold", delivery, "--gold", gold],
        "report_labels": ["report", delivery, "--gold", gold],
    }
    same = differ = 0
    for name, args in cases.items():
        outs = []
        times = []
        for build, tag in ((old, "old"), (new, "new")):
            json_out, csv_out = (os.path.join(work, f"{name}.{tag}.{ext}") for ext in ("json", "csv"))
            wall, rss = measure([os.path.join(build, "labelqa"), *args, "-q", "--json", json_out, "--csv", csv_out], ok=(0, 1), stderr=subprocess.DEVNULL)
            outs.append((json_out, csv_out))
            times.append(f"{tag} {wall:.2f} s {rss:.0f} MB")
        ok = all(subprocess.run(["cmp", "-s", a, b]).returncode == 0 for a, b in zip(outs[0], outs[1]))
        same += ok
        differ += not ok
        print(f"{'same' if ok else 'DIFFERENT'}  {name:24s} {' | '.join(times)}")
    print(f"{same} passed, {differ} failed")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
