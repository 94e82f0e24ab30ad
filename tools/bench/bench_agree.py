#!/usr/bin/env python3
"""Benchmark of `labelqa agree` on categorical ratings, side by side with the Python stack.

Generates 1,000,000 items x 5 annotators x 10 classes with ~10% missing (4.5M ratings, ~135 MB CSV;
the size of a large crowd-sourced batch), then times:
  * labelqa agree, default (all metrics, analytic intervals; bootstrap only for specific agreement)
  * labelqa agree --ci bootstrap --bootstrap 1000
  * the same coefficients with statsmodels (Fleiss), scikit-learn (Cohen per pair) and nltk
    (Krippendorff's alpha) on a 100,000-item subset, scaled linearly to the full size.
Wall time and peak RSS come from wait4() of each child process.

Usage: python3 tools/bench/bench_agree.py [BUILD_DIR]   (BUILD_DIR defaults to build/)
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import measure  # noqa: E402

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
ITEMS, ANNOTATORS, CLASSES, MISSING = 1_000_000, 5, 10, 0.1



PY_REFERENCE = r'''
import csv, itertools, sys, time
import numpy as np
from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa, aggregate_raters
path, limit, nltk_limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0 = time.perf_counter()
items, m = {}, []
with open(path) as f:
    r = csv.reader(f); next(r)
    for item, ann, label in r:
        i = items.get(item)
        if i is None:
            if len(items) >= limit: break
            i = items[item] = len(items); m.append([-1] * 5)
        m[i][int(ann[9:])] = int(label[5:])
m = np.array(m)
t_read = time.perf_counter() - t0
t0 = time.perf_counter()
complete = m[(m >= 0).all(axis=1)]
table, _ = aggregate_raters(complete)
fleiss_kappa(table)
for a, b in itertools.combinations(range(5), 2):
    both = (m[:, a] >= 0) & (m[:, b] >= 0)
    cohen_kappa_score(m[both, a], m[both, b])
t_sk = time.perf_counter() - t0
t0 = time.perf_counter()
sub = m[:nltk_limit]
AnnotationTask(data=[(str(a), str(i), str(v)) for i, row in enumerate(sub) for a, v in enumerate(row) if v >= 0]).alpha()
t_nltk = time.perf_counter() - t0
print(f"{t_read} {t_sk} {t_nltk}")
'''


def main():
    gen = os.path.join(BUILD, "labelqa_bench_gen")
    labelqa = os.path.join(BUILD, "labelqa")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "ratings.csv")
        with open(data, "w") as out:
            measure([gen, str(ITEMS), str(ANNOTATORS), str(CLASSES), str(MISSING), "1"], stdout=out)
        size_mb = os.path.getsize(data) / 1e6
        print(f"data: {ITEMS:,} items x {ANNOTATORS} annotators x {CLASSES} classes, {MISSING:.0%} missing, "
              f"{size_mb:.0f} MB CSV, {os.cpu_count()} cores")
        runs = {
            "labelqa agree (default: analytic CIs)": [],
            "labelqa agree --ci bootstrap --bootstrap 1000": ["--ci", "bootstrap", "--bootstrap", "1000"],
            "labelqa agree --threads 1": ["--threads", "1"],
        }
        timings = {}
        for name, flags in runs.items():
            best = None
            for _ in range(3):
                wall, rss = measure([labelqa, "agree", data, "-q", "--json", os.path.join(tmp, "r.json"), *flags])
                best = (wall, rss) if best is None or wall < best[0] else best
            timings[name] = best
            print(f"{name:<50} {best[0]:7.2f} s   peak RSS {best[1]:6.0f} MB   (best of 3)")
        subset, nltk_subset = 100_000, 100_000
        script = os.path.join(tmp, "ref.py")
        open(script, "w").write(PY_REFERENCE)
        out = subprocess.run(["/usr/bin/python3", script, data, str(subset), str(nltk_subset)], capture_output=True,
                             text=True, check=True)
        t_read, t_sk, t_nltk = map(float, out.stdout.split())
        _, ref_rss = measure(["/usr/bin/python3", script, data, str(subset), str(nltk_subset)],
                             stdout=subprocess.DEVNULL)
        scale, nltk_scale = ITEMS / subset, ITEMS / nltk_subset
        ref_total = (t_read + t_sk) * scale + t_nltk * nltk_scale
        print(f"python: read {subset:,} items {t_read:.2f} s, statsmodels Fleiss + sklearn 10 Cohen pairs "
              f"{t_sk:.2f} s; nltk alpha on {nltk_subset:,} items {t_nltk:.2f} s; peak RSS {ref_rss:.0f} MB")
        print(f"python, scaled to {ITEMS:,} items (x{scale:.0f}, nltk x{nltk_scale:.0f}): {ref_total:.1f} s "
              f"for Fleiss + 10 Cohen pairs + alpha, no intervals")
        default = timings["labelqa agree (default: analytic CIs)"][0]
        print(f"ratio python / labelqa default: {ref_total / default:.0f}x")

        # A low-agreement batch beside it: 30% of ratings a class drawn at random (many more distinct
        # rating patterns). The default run (bootstrap intervals for per-class specific agreement)
        # against --ci analytic (no bootstrap at all); the target is within 1.5x.
        low = os.path.join(tmp, "low.csv")
        with open(low, "w") as out:
            measure([gen, str(ITEMS), str(ANNOTATORS), str(CLASSES), str(MISSING), "1", "0.3"], stdout=out)
        print(f"low-agreement data: the same sizes, 30% of ratings random, {os.path.getsize(low) / 1e6:.0f} MB CSV")
        low_times = {}
        for name, flags in (("default", []), ("--ci analytic", ["--ci", "analytic"])):
            best = min(measure([labelqa, "agree", low, "-q", "--json", os.path.join(tmp, "low.json"), *flags]) for _ in range(3))
            low_times[name] = best
            print(f"labelqa agree low-agreement {name:<24} {best[0]:7.2f} s   peak RSS {best[1]:6.0f} MB   (best of 3)")
        print(f"low agreement: default / analytic {low_times['default'][0] / low_times['--ci analytic'][0]:.2f}x")


if __name__ == "__main__":
    main()
