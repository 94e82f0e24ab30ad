#!/usr/bin/env python3
"""`labelqa gold` on generated categorical data against scikit-learn and statsmodels, to 1e-12.

Usage: test_gold_oracles.py LABELQA_BINARY
Per annotator and vendor-wide (every annotator's gold ratings pooled): accuracy_score,
cohen_kappa_score, precision_recall_fscore_support, f1_score (macro, weighted),
confusion_matrix; statsmodels proportion_confint(method="wilson") for accuracy and per-class
precision/recall, and cohens_kappa's interval.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, f1_score, precision_recall_fscore_support
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.proportion import proportion_confint

BINARY = sys.argv[1]
TOL = 1e-12
failures = []
checks = 0


def check(name, got, want, tol=TOL):
    global checks
    checks += 1
    if got is None or want is None or abs(got - want) > tol * max(1.0, abs(want)):
        failures.append(f"{name}: got {got}, want {want}")


def generate(rng, tmp, run):
    classes = [f"c{k}" for k in range(rng.integers(2, 6))]
    annotators = [f"ann{k}" for k in range(rng.integers(2, 5))]
    n_items = int(rng.integers(40, 200))
    truth = rng.integers(0, len(classes), n_items)
    gold_mask = rng.random(n_items) < 0.7
    rows = ["item,annotator,label"]
    pairs = {a: ([], []) for a in annotators}
    for i in range(n_items):
        for a in annotators:
            if rng.random() < 0.2:
                continue  # not every annotator labels every item
            skill = 0.4 + 0.5 * (annotators.index(a) + 1) / len(annotators)
            label = truth[i] if rng.random() < skill else rng.integers(0, len(classes))
            rows.append(f"item{i},{a},{classes[label]}")
            if gold_mask[i]:
                pairs[a][0].append(classes[truth[i]])
                pairs[a][1].append(classes[label])
    delivery = os.path.join(tmp, f"delivery{run}.csv")
    gold = os.path.join(tmp, f"gold{run}.csv")
    with open(delivery, "w") as f:
        f.write("\n".join(rows) + "\n")
    with open(gold, "w") as f:
        f.write("item,label\n" + "".join(f"item{i},{classes[truth[i]]}\n" for i in range(n_items) if gold_mask[i]))
    return delivery, gold, pairs, classes


def compare(name, subject, y_true, y_pred, all_classes):
    y_true, y_pred = np.array(y_true), np.array(y_pred)
    n = len(y_true)
    k = int((y_true == y_pred).sum())
    check(f"{name} accuracy", subject["accuracy"]["value"], accuracy_score(y_true, y_pred))
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    check(f"{name} accuracy ci_low", subject["accuracy"]["ci_low"], lo)
    check(f"{name} accuracy ci_high", subject["accuracy"]["ci_high"], hi)
    check(f"{name} cohen_kappa", subject["cohen_kappa"]["value"], cohen_kappa_score(y_true, y_pred))
    table = confusion_matrix(y_true, y_pred, labels=all_classes)
    used = [c for c in range(len(all_classes)) if table[c, :].sum() + table[:, c].sum() > 0]
    sm = cohens_kappa(table[np.ix_(used, used)])
    if subject["cohen_kappa"]["ci_low"] is not None:
        check(f"{name} cohen_kappa ci_low", subject["cohen_kappa"]["ci_low"], max(-1.0, sm.kappa_low), 1e-9)
        check(f"{name} cohen_kappa ci_high", subject["cohen_kappa"]["ci_high"], min(1.0, sm.kappa_upp), 1e-9)
    check(f"{name} macro_f1", subject["macro_f1"]["value"], f1_score(y_true, y_pred, average="macro", zero_division=0))
    check(f"{name} weighted_f1", subject["weighted_f1"]["value"], f1_score(y_true, y_pred, average="weighted", zero_division=0))
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per = {c["class"]: c for c in subject["per_class"]}
    global checks
    checks += 1
    if sorted(per) != labels:
        failures.append(f"{name} per_class classes {sorted(per)} vs {labels}")
        return
    for j, lab in enumerate(labels):
        c = per[lab]
        if c["predicted"] > 0:
            check(f"{name} {lab} precision", c["precision"]["value"], p[j])
            lo, hi = proportion_confint(c["correct"], c["predicted"], alpha=0.05, method="wilson")
            check(f"{name} {lab} precision ci_low", c["precision"]["ci_low"], lo)
        if c["support"] > 0:
            check(f"{name} {lab} recall", c["recall"]["value"], r[j])
            lo, hi = proportion_confint(c["correct"], c["support"], alpha=0.05, method="wilson")
            check(f"{name} {lab} recall ci_high", c["recall"]["ci_high"], hi)
        check(f"{name} {lab} f1", c["f1"]["value"], f[j])
        check(f"{name} {lab} support", c["support"], s[j])
    got = np.array(subject["confusion"]["counts"])
    checks += 1
    if subject["confusion"]["classes"] != all_classes or not (got == table).all():
        failures.append(f"{name} confusion {got.tolist()} vs {table.tolist()}")


def main():
    rng = np.random.default_rng(20261124)
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(8):
            delivery, gold, pairs, classes = generate(rng, tmp, run)
            r = subprocess.run([BINARY, "gold", delivery, "--gold", gold, "--json", "-", "-q", "--bootstrap", "200"], capture_output=True, text=True)
            if r.returncode != 0:
                failures.append(f"run {run}: exit {r.returncode}: {r.stderr}")
                continue
            d = json.loads(r.stdout)
            all_classes = d["vendor"]["confusion"]["classes"]
            for a in d["annotators"]:
                y_true, y_pred = pairs[a["annotator"]]
                compare(f"run {run} {a['annotator']}", a, y_true, y_pred, all_classes)
            y_true = sum((pairs[a][0] for a in sorted(pairs)), [])
            y_pred = sum((pairs[a][1] for a in sorted(pairs)), [])
            compare(f"run {run} vendor", d["vendor"], y_true, y_pred, all_classes)
            for subject in [d["vendor"], *d["annotators"]]:
                for key in ("macro_f1", "weighted_f1"):
                    e = subject[key]
                    global checks
                    checks += 1
                    if not (e["ci_method"] == "bootstrap" and e["ci_low"] <= e["value"] + 1e-12 and e["value"] <= e["ci_high"] + 1e-12):
                        failures.append(f"run {run} {key} bootstrap interval {e}")
    for f in failures:
        print("FAIL", f)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
