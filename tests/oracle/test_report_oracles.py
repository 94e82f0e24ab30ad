#!/usr/bin/env python3
"""`labelqa report` on simulated annotators.

Usage: test_report_oracles.py LABELQA_BINARY PROJECT_DIR
1. Dawid-Skene, simulated as crowd-kit's behaviour is described: 5 annotators with known confusion
   matrices label 2,000 items of 4 classes. Every entry of each estimated confusion matrix lies
   within 0.05 of the realised one (counted against the true labels), and the consensus beats
   majority vote's accuracy.
2. The EM against a plain numpy Dawid-Skene (tools/bench/ds_numpy.py) on generated batches with
   missing ratings: priors, confusion rows and posteriors after 1, 2, 7 iterations and at
   convergence (crowd-kit's stopping rule), to 1e-9.
3. Drift: one annotator's accuracy drops from 0.95 to 0.70 at item 1,000 of 2,000: the change point
   is found within +-100 items; the stable annotators get none (seeded).
4. Majority vote: vote shares, and ties broken the same way whatever the input order.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

BINARY = sys.argv[1]
PROJECT = sys.argv[2]
sys.path.insert(0, os.path.join(PROJECT, "tools", "bench"))
from ds_numpy import dawid_skene  # noqa: E402

failures = []
checks = 0


def check(name, ok, detail=""):
    global checks
    checks += 1
    if not ok:
        failures.append(f"{name} {detail}")


def run(args, tmp):
    out = os.path.join(tmp, "out.json")
    p = subprocess.run([BINARY, "report", *args, "--json", out, "-q"], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"labelqa report {args} exited {p.returncode}: {p.stderr}")
    with open(out) as f:
        return json.load(f)


def write_ratings(path, rows, header=("item", "annotator", "label")):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def read_consensus(path):
    with open(path, newline="") as f:
        return {r["item"]: r["label"] for r in csv.DictReader(f)}


def simulation(tmp):
    rng = np.random.default_rng(20261124)
    K, A, N = 4, 5, 2000
    classes = [f"class{k}" for k in range(K)]
    truth = rng.choice(K, size=N, p=[0.4, 0.3, 0.2, 0.1])
    # Known confusion matrices: diagonal accuracy per annotator, errors spread unevenly.
    accuracy = [0.85, 0.75, 0.65, 0.6, 0.55]
    rows = []
    given = np.zeros((A, N), dtype=int)
    for a in range(A):
        M = np.zeros((K, K))
        for k in range(K):
            off = rng.dirichlet(np.ones(K - 1))
            M[k] = np.insert(off * (1 - accuracy[a]), k, accuracy[a])
        for i in range(N):
            given[a, i] = rng.choice(K, p=M[truth[i]])
            rows.append((f"item{i:05d}", f"ann{a}", classes[given[a, i]]))
    path = os.path.join(tmp, "sim.csv")
    write_ratings(path, rows)
    cons = os.path.join(tmp, "ds.csv")
    rep = run([path, "--write-consensus", cons], tmp)
    check("simulation: reference", rep["reference"] == "dawid-skene")
    check("simulation: converged", rep["dawid_skene"]["converged"] is True)
    for a in range(A):
        entry = next(x for x in rep["annotators"] if x["annotator"] == f"ann{a}")
        est = np.array(entry["dawid_skene_confusion"]["counts"])
        check(f"simulation: ann{a} classes", entry["dawid_skene_confusion"]["classes"] == classes)
        realised = np.zeros((K, K))
        np.add.at(realised, (truth, given[a]), 1)
        realised /= realised.sum(axis=1, keepdims=True)
        worst = float(np.abs(est - realised).max())
        check(f"simulation: ann{a} confusion within 0.05 of the realised", worst <= 0.05, f"(largest difference {worst:.4f})")
    ds = read_consensus(cons)
    mv_path = os.path.join(tmp, "mv.csv")
    run([path, "--consensus", "majority", "--write-consensus", mv_path], tmp)
    mv = read_consensus(mv_path)
    ds_acc = np.mean([ds.get(f"item{i:05d}") == classes[truth[i]] for i in range(N)])  # a tie (no consensus) is no answer
    mv_acc = np.mean([mv.get(f"item{i:05d}") == classes[truth[i]] for i in range(N)])
    check("simulation: Dawid-Skene beats majority vote", ds_acc > mv_acc, f"(DS {ds_acc:.4f}, MV {mv_acc:.4f})")
    print(f"simulation: Dawid-Skene accuracy {ds_acc:.4f}, majority vote {mv_acc:.4f}")


def numpy_oracle(tmp):
    for seed in range(6):
        rng = np.random.default_rng(seed)
        K = int(rng.integers(2, 6))
        A = int(rng.integers(2, 7))
        N = int(rng.integers(30, 300))
        classes = sorted(f"k{k}" for k in range(K))
        names = sorted(f"w{a}" for a in range(A))
        truth = rng.integers(0, K, N)
        rows, items, workers, labels = [], [], [], []
        for i in range(N):
            for a in range(A):
                if rng.random() < 0.3:
                    continue
                lab = truth[i] if rng.random() < 0.5 + 0.08 * a else int(rng.integers(0, K))
                rows.append((f"it{i}", names[a], classes[lab]))
        # The model only holds what was rated: re-index items, annotators and classes as labelqa does.
        used_items = sorted({r[0] for r in rows}, key=lambda s: int(s[2:]))
        used_workers = sorted({r[1] for r in rows})
        used_classes = sorted({r[2] for r in rows})
        for r in rows:
            items.append(used_items.index(r[0]))
            workers.append(used_workers.index(r[1]))
            labels.append(used_classes.index(r[2]))
        path = os.path.join(tmp, f"np{seed}.csv")
        write_ratings(path, rows)
        for iters in (1, 2, 7, 100):
            rep = run([path, "--max-iterations", str(iters)], tmp)
            ref = dawid_skene(np.array(items), np.array(workers), np.array(labels), len(used_items), len(used_workers), len(used_classes), iters)
            check(f"numpy seed {seed} iter {iters}: iterations", rep["dawid_skene"]["iterations"] == ref["iterations"],
                  f"({rep['dawid_skene']['iterations']} vs {ref['iterations']})")
            for k, c in enumerate(used_classes):
                check(f"numpy seed {seed} iter {iters}: prior {c}", abs(rep["dawid_skene"]["priors"][c] - ref["priors"][k]) < 1e-9)
            for w, name in enumerate(used_workers):
                entry = next(x for x in rep["annotators"] if x["annotator"] == name)
                rows = entry["dawid_skene_confusion"]["counts"]
                weights = entry["dawid_skene_confusion"]["weights"]
                shown = [k for k, row in enumerate(rows) if row is not None]
                check(f"numpy seed {seed} iter {iters}: {name} null rows are the unseen classes",
                      all((rows[k] is None) == (weights[k] < 1) for k in range(len(rows))))
                diff = max((float(np.abs(np.array(rows[k]) - ref["errors"][w][k]).max()) for k in shown), default=0.0)
                check(f"numpy seed {seed} iter {iters}: {name} rows", diff < 1e-9, f"(max diff {diff:g})")
            check(f"numpy seed {seed} iter {iters}: log-likelihood",
                  abs(rep["dawid_skene"]["log_likelihood"] - ref["log_likelihood"]) < 1e-9 * max(1, abs(ref["log_likelihood"])))
            cons = os.path.join(tmp, "np_cons.csv")
            run([path, "--max-iterations", str(iters), "--write-consensus", cons], tmp)
            with open(cons, newline="") as f:
                got = {r["item"]: (r["label"], float(r["confidence"])) for r in csv.DictReader(f)}
            votes = np.zeros((len(used_items), len(used_classes)))
            np.add.at(votes, (np.array(items), np.array(labels)), 1)
            for i, item in enumerate(used_items):
                post = ref["posterior"][i]
                k = int(np.argmax(post))
                split = (votes[i] == votes[i].max()).sum() > 1
                posterior_tie = post[k] - np.partition(post, -2)[-2] <= 1e-9
                if item not in got:
                    # A tie has no consensus: the posterior ties, or two annotators split the vote.
                    check(f"numpy seed {seed} iter {iters}: {item} left out as a tie", posterior_tie or (len(used_workers) < 3 and split))
                    continue
                check(f"numpy seed {seed} iter {iters}: {item} is no tie", not posterior_tie and not (len(used_workers) < 3 and split))
                label, conf = got[item]
                check(f"numpy seed {seed} iter {iters}: {item} posterior", abs(conf - post[k]) < 1e-9, f"({conf} vs {post[k]})")
                if post[k] - np.partition(post, -2)[-2] > 1e-9:
                    check(f"numpy seed {seed} iter {iters}: {item} label", label == used_classes[k])


def drift(tmp):
    rng = np.random.default_rng(7)
    N = 2000
    classes = ["a", "b", "c"]
    truth = rng.integers(0, 3, N)
    names = ["drifter", "steady1", "steady2", "steady3"]
    gold_rows = [(f"x{i:04d}", classes[truth[i]]) for i in range(N)]
    rows = []
    t0 = 1_767_225_600  # 2026-01-01T00:00:00Z
    for name in names:
        for i in range(N):
            p = 0.95 if (name != "drifter" or i < 1000) else 0.70
            lab = truth[i] if rng.random() < p else (truth[i] + int(rng.integers(1, 3))) % 3
            ts = t0 + i * 45 + int(rng.integers(0, 20))
            stamp = f"2026-01-{1 + ts // 86400 - t0 // 86400:02d}T{(ts % 86400) // 3600:02d}:{(ts % 3600) // 60:02d}:{ts % 60:02d}Z"
            rows.append((f"x{i:04d}", name, classes[lab], stamp))
    # Shuffled rows: the working order comes from the timestamps.
    order = rng.permutation(len(rows))
    path = os.path.join(tmp, "drift.csv")
    write_ratings(path, [rows[k] for k in order], header=("item", "annotator", "label", "timestamp"))
    gold = os.path.join(tmp, "drift_gold.csv")
    write_ratings(gold, gold_rows, header=("item", "label"))
    rep = run([path, "--gold", gold], tmp)
    check("drift: reference is gold", rep["reference"] == "gold" and rep["gold_items"] == N)
    for entry in rep["annotators"]:
        cps = entry["drift"]["change_points"]
        check(f"drift: {entry['annotator']} ordered by time", entry["drift"]["order"] == "time")
        check(f"drift: {entry['annotator']} throughput", entry["drift"]["items_per_hour"] is not None and 60 < entry["drift"]["items_per_hour"] < 100,
              f"({entry['drift']['items_per_hour']})")
        if entry["annotator"] == "drifter":
            check("drift: one change point for the drifter", len(cps) == 1, f"({cps})")
            if cps:
                check("drift: found within 100 items of 1000", abs(cps[0]["start_index"] - 1000) <= 100, f"({cps[0]['start_index']})")
                check("drift: before ~0.95, after ~0.70", abs(cps[0]["before"] - 0.95) < 0.04 and abs(cps[0]["after"] - 0.70) < 0.05, f"({cps[0]})")
                check("drift: p-value small", cps[0]["p_value"] < 1e-6)
                check("drift: start time", cps[0]["start_time"] is not None and cps[0]["start_time"].startswith("2026-01-01T"))
        else:
            check(f"drift: no change point for {entry['annotator']}", cps == [], f"({cps})")
        windows = entry["drift"]["windows"]
        check(f"drift: {entry['annotator']} 10 windows of 200", len(windows) == 10 and all(w["items"] == 200 for w in windows))
    # Time windows.
    rep = run([path, "--gold", gold, "--window", "6h"], tmp)
    w = rep["annotators"][0]["drift"]["windows"]
    check("drift: 6h windows", len(w) == 5 and sum(x["items"] for x in w) == N, f"({[x['items'] for x in w]})")
    # The ranking flags the drifter (overall accuracy 0.825 against 0.95).
    flagged = [r["annotator"] for r in rep["ranking"] if r["below_group"]]
    check("drift: ranking flags the drifter", flagged == ["drifter"], f"({flagged})")


def majority(tmp):
    rows = [("i1", "a", "x"), ("i1", "b", "y"), ("i2", "a", "x"), ("i2", "b", "x"), ("i2", "c", "y"), ("i3", "a", "z"), ("i3", "b", "y")]
    p1 = os.path.join(tmp, "mv1.csv")
    p2 = os.path.join(tmp, "mv2.csv")
    write_ratings(p1, rows)
    write_ratings(p2, list(reversed(rows)))
    c1, c2 = os.path.join(tmp, "c1.csv"), os.path.join(tmp, "c2.csv")
    run([p1, "--consensus", "majority", "--write-consensus", c1], tmp)
    rep = run([p1, "--consensus", "majority"], tmp)
    check("majority: split votes are ties with no consensus", sorted(read_consensus(c1)) == ["i2"] and rep["tied"] == ["i1", "i3"]
          and rep["tied_items"] == 2, f"({rep.get('tied')})")
    run([p1, "--consensus", "majority", "--break-ties", "--write-consensus", c1], tmp)
    run([p2, "--consensus", "majority", "--break-ties", "--write-consensus", c2], tmp)
    with open(c1) as f1, open(c2) as f2:
        a = {r["item"]: r for r in csv.DictReader(f1)}
        b = {r["item"]: r for r in csv.DictReader(f2)}
    check("majority: ties independent of input order", all(a[i]["label"] == b[i]["label"] for i in a), f"({a} {b})")
    check("majority: i2 is x with 2/3", a["i2"]["label"] == "x" and abs(float(a["i2"]["confidence"]) - 2 / 3) < 1e-12)
    check("majority: tie confidence 0.5", float(a["i1"]["confidence"]) == 0.5 and a["i1"]["label"] in ("x", "y"))
    seeds = set()
    for seed in range(1, 12):
        run([p1, "--consensus", "majority", "--break-ties", "--seed", str(seed), "--write-consensus", c1], tmp)
        seeds.add(read_consensus(c1)["i1"])
    check("majority: the seed decides ties", seeds == {"x", "y"}, f"({seeds})")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        simulation(tmp)
        numpy_oracle(tmp)
        drift(tmp)
        majority(tmp)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    for f in failures[:40]:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
