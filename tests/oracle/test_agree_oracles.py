#!/usr/bin/env python3
"""Compares `labelqa agree` with established implementations on generated data.

Oracles (Debian 12 packages): scikit-learn cohen_kappa_score (unweighted, linear, quadratic),
statsmodels cohens_kappa (variance and interval) and fleiss_kappa (complete data), nltk
AnnotationTask.alpha (nominal Krippendorff's alpha). Coefficients no package implements (Gwet's
AC1/AC2, Conger, Brennan-Prediger, Fleiss with missing ratings) are checked against an independent
matrix formulation written here from Gwet (2014), chapters 2-5.

Usage: test_agree_oracles.py LABELQA_BINARY
"""
import csv
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

TOL = 1e-9
BINARY = sys.argv[1]
results = {"passed": 0, "failed": 0}


def check(name, got, expected, tol=TOL):
    ok = (got is None and expected is None) or (
        got is not None and expected is not None and abs(got - expected) <= tol * max(1.0, abs(expected)))
    if ok:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print(f"FAIL {name}: labelqa {got!r}, oracle {expected!r}")


def generate(rng, raters, q, missing):
    """Items x raters matrix of category indices 0..q-1, NaN for missing; a latent true class plus
    per-rater accuracy so that agreement is neither trivial nor absent."""
    n = int(rng.integers(30, 120))
    truth = rng.integers(0, q, n)
    acc = rng.uniform(0.4, 0.95, raters)
    m = np.empty((n, raters))
    for a in range(raters):
        right = rng.random(n) < acc[a]
        m[:, a] = np.where(right, truth, rng.integers(0, q, n))
    if missing:
        mask = rng.random((n, raters)) < 0.2
        m[mask] = np.nan
        m = m[(~np.isnan(m)).sum(axis=1) >= 1]
    # every category used at least once, so the observed scale is 0..q-1
    for k in range(q):
        if not (m == k).any():
            m[k % m.shape[0], 0] = k
    return m


def run_labelqa(m, level, tmp):
    path = os.path.join(tmp, "ratings.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item", "annotator", "label"])
        for i, row in enumerate(m):
            for a, v in enumerate(row):
                if not math.isnan(v):
                    w.writerow([f"i{i:04d}", f"r{a}", int(v)])
    out = subprocess.run([BINARY, "agree", path, "--level", level, "--json", "-", "--ci", "analytic"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"labelqa failed: {out.stderr}")
    return json.loads(out.stdout)


def gwet_family(m, q, weights):
    """Gwet (2014) eqs. for pa, Fleiss/AC/BP chance terms with missing ratings, matrix form."""
    n = m.shape[0]
    counts = np.stack([(m == k).sum(axis=1) for k in range(q)], axis=1).astype(float)
    ri = counts.sum(axis=1)
    wcounts = counts @ weights.T
    sum_q = (counts * (wcounts - 1)).sum(axis=1)
    two = ri >= 2
    pa = (sum_q[two] / (ri[two] * (ri[two] - 1))).sum() / two.sum()
    pi = (counts / ri[:, None]).sum(axis=0) / n
    tw = weights.sum()
    pe = {
        "fleiss": float(pi @ weights @ pi),
        "gwet": tw * float((pi * (1 - pi)).sum()) / (q * (q - 1)),
        "bp": tw / q ** 2,
    }
    return pa, {k: (pa - v) / (1 - v) for k, v in pe.items()}


def conger(m, q):
    n, r = m.shape
    counts = np.stack([(m == k).sum(axis=1) for k in range(q)], axis=1).astype(float)
    ri = counts.sum(axis=1)
    two = ri >= 2
    pa = ((counts * (counts - 1)).sum(axis=1)[two] / (ri[two] * (ri[two] - 1))).sum() / two.sum()
    classif = np.stack([(m == k).sum(axis=0) for k in range(q)], axis=1).astype(float)
    p = classif / classif.sum(axis=1, keepdims=True)
    # Conger: chance = average over rater pairs of sum_k p_gk p_hk
    pe = np.mean([float(p[g] @ p[h]) for g, h in itertools.combinations(range(r), 2)])
    return (pa - pe) / (1 - pe)


def main():
    rng = np.random.default_rng(20261124)
    datasets = 0
    with tempfile.TemporaryDirectory() as tmp:
        for raters in range(2, 7):
            for q in (2, 3, 5, 8):
                for missing in (False, True):
                    for rep in range(2 if raters in (2, 3) else 1):
                        m = generate(rng, raters, q, missing)
                        datasets += 1
                        tag = f"[raters={raters} q={q} missing={missing} rep={rep}]"
                        report = run_labelqa(m, "ordinal", tmp)
                        overall = report["overall"]
                        labels = list(range(q))
                        ident = np.eye(q)
                        lin = 1 - np.abs(np.subtract.outer(labels, labels)) / (q - 1)
                        quad = 1 - np.subtract.outer(labels, labels) ** 2 / (q - 1) ** 2

                        # Per pair: sklearn (values) and statsmodels (variance, interval).
                        pairs = {(p["annotator_a"], p["annotator_b"]): p for p in report["per_pair"]}
                        for a, b in itertools.combinations(range(raters), 2):
                            both = ~np.isnan(m[:, a]) & ~np.isnan(m[:, b])
                            if both.sum() == 0:
                                continue
                            ya, yb = m[both, a].astype(int), m[both, b].astype(int)
                            p = pairs[(f"r{a}", f"r{b}")]
                            check(f"{tag} items r{a}-r{b}", p["items"], int(both.sum()), 0)
                            for key, wt in (("cohen_kappa", None), ("cohen_kappa_linear", "linear"),
                                            ("cohen_kappa_quadratic", "quadratic")):
                                expected = cohen_kappa_score(ya, yb, labels=labels, weights=wt)
                                if math.isnan(expected):
                                    check(f"{tag} {key} r{a}-r{b} undefined", p[key]["value"], None)
                                    continue
                                check(f"{tag} {key} r{a}-r{b}", p[key]["value"], expected)
                            table = np.zeros((q, q))
                            for x, y in zip(ya, yb):
                                table[x, y] += 1
                            if p["cohen_kappa"]["value"] is not None:
                                res = cohens_kappa(table, return_results=True)
                                check(f"{tag} cohen se r{a}-r{b}", p["cohen_kappa"]["se"], res.std_kappa)
                                check(f"{tag} cohen ci_low r{a}-r{b}", p["cohen_kappa"]["ci_low"],
                                      max(-1.0, res.kappa_low))
                                check(f"{tag} cohen ci_high r{a}-r{b}", p["cohen_kappa"]["ci_high"],
                                      min(1.0, res.kappa_upp))
                                resw = cohens_kappa(table, weights=np.arange(q), wt="linear", return_results=True)
                                check(f"{tag} cohen linear se r{a}-r{b}", p["cohen_kappa_linear"]["se"],
                                      math.sqrt(resw.var_kappa))
                            pa_pair = float((ya == yb).mean())
                            check(f"{tag} percent r{a}-r{b}", p["percent_agreement"]["value"], pa_pair)

                        # Overall, complete data: statsmodels' Fleiss.
                        if not missing:
                            counts = np.stack([(m == k).sum(axis=1) for k in range(q)], axis=1)
                            check(f"{tag} fleiss (statsmodels)", overall["fleiss_kappa"]["value"],
                                  fleiss_kappa(counts, method="fleiss"))

                        # Overall: nltk's Krippendorff's alpha (nominal), on units with 2+ values.
                        nominal = run_labelqa(m, "nominal", tmp)["overall"]
                        triples = [(f"r{a}", f"i{i}", str(int(v))) for i, row in enumerate(m)
                                   if (~np.isnan(row)).sum() >= 2 for a, v in enumerate(row) if not math.isnan(v)]
                        check(f"{tag} alpha (nltk)", nominal["krippendorff_alpha"]["value"],
                              AnnotationTask(data=triples).alpha())

                        # Independent formulation (Gwet 2014).
                        pa, fam = gwet_family(m, q, ident)
                        check(f"{tag} percent agreement", overall["percent_agreement"]["value"], pa)
                        check(f"{tag} fleiss (missing-data)", overall["fleiss_kappa"]["value"], fam["fleiss"])
                        check(f"{tag} gwet_ac1", overall["gwet_ac1"]["value"], fam["gwet"])
                        check(f"{tag} brennan_prediger", overall["brennan_prediger"]["value"], fam["bp"])
                        _, fl = gwet_family(m, q, lin)
                        _, fq = gwet_family(m, q, quad)
                        check(f"{tag} gwet_ac2_linear", overall["gwet_ac2_linear"]["value"], fl["gwet"])
                        check(f"{tag} gwet_ac2_quadratic", overall["gwet_ac2_quadratic"]["value"], fq["gwet"])
                        check(f"{tag} conger_kappa", overall["conger_kappa"]["value"], conger(m, q))
    print(f"{datasets} generated datasets")
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] or datasets < 50 else 0


if __name__ == "__main__":
    sys.exit(main())
