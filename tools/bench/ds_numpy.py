#!/usr/bin/env python3
"""A plain numpy Dawid-Skene (the reference of tests/oracle/test_report.py and of
tools/bench/bench_report.py), written from Dawid and Skene (1979) as crowd-kit runs it: an M-step
from majority-vote shares, then E-step (posteriors) and M-step (priors; confusion rows with the
weight of every label a worker gave clipped at 1e-10, normalised over those labels) until the
evidence lower bound per rating improves by less than the tolerance.

  ds_numpy.py RATINGS.csv [MAX_ITER] [TOL]   prints item,label,confidence for each item

Library use: dawid_skene(items, workers, labels, n_items, n_workers, n_classes, max_iter, tol)
with integer numpy arrays, one entry per rating."""
import csv
import sys

import numpy as np

EPS = 1e-10  # crowd-kit's _EPS


def dawid_skene(items, workers, labels, n_items, n_workers, n_classes, max_iter=100, tol=1e-5):
    votes = np.zeros((n_items, n_classes))
    np.add.at(votes, (items, labels), 1.0)
    rated = votes.sum(axis=1) > 0
    T = np.zeros_like(votes)
    T[rated] = votes[rated] / votes[rated].sum(axis=1, keepdims=True)
    used = np.zeros((n_workers, n_classes), dtype=bool)
    used[workers, labels] = True
    n_ratings = len(items)

    def m_step():
        priors = T[rated].sum(axis=0) / rated.sum()
        counts = np.zeros((n_workers, n_classes, n_classes))  # worker x true x given
        for k in range(n_classes):
            np.add.at(counts[:, k, :], (workers, labels), T[items, k])
        counts = np.where(used[:, None, :], np.maximum(counts, EPS), counts)
        totals = counts.sum(axis=2, keepdims=True)
        errors = np.where(totals > 0, counts / np.where(totals > 0, totals, 1), 1.0 / n_classes)
        return priors, errors

    def elbo(priors, errors):
        log_e = np.log(np.where(errors > 0, errors, 1.0))
        contrib = log_e[workers, :, labels] + np.log(np.maximum(priors, EPS))  # ratings x classes
        joint = float((T[items] * contrib).sum())
        Tc = np.maximum(T[rated], EPS)
        return (joint - float((Tc * np.log(Tc)).sum())) / max(1, n_ratings)

    priors, errors = m_step()
    previous = -np.inf
    it = 0
    converged = False
    ll = 0.0
    for it in range(1, max_iter + 1):
        log_e = np.log(np.where(errors > 0, errors, 1e-300))
        lp = np.tile(np.log(np.maximum(priors, EPS)), (n_items, 1))
        contrib = log_e[workers, :, labels]  # ratings x classes: log P(given | true k)
        for k in range(n_classes):
            lp[:, k] += np.bincount(items, weights=contrib[:, k], minlength=n_items)
        top = lp.max(axis=1, keepdims=True)
        s = np.exp(lp - top).sum(axis=1, keepdims=True)
        T_new = np.exp(lp - top) / s
        ll = float((top[:, 0] + np.log(s[:, 0]))[rated].sum())
        T[rated] = T_new[rated]
        priors, errors = m_step()
        loss = elbo(priors, errors)
        if loss - previous < tol:
            converged = True
            break
        previous = loss
    return {"priors": priors, "errors": errors, "posterior": T, "iterations": it, "converged": converged, "log_likelihood": ll}


def main():
    path = sys.argv[1]
    max_iter = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
    item_ids, worker_ids, label_ids = {}, {}, {}
    items, workers, labels = [], [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            items.append(item_ids.setdefault(row["item"], len(item_ids)))
            workers.append(worker_ids.setdefault(row["annotator"], len(worker_ids)))
            labels.append(label_ids.setdefault(row["label"], len(label_ids)))
    r = dawid_skene(np.array(items), np.array(workers), np.array(labels), len(item_ids), len(worker_ids), len(label_ids), max_iter, tol)
    names = {v: k for k, v in label_ids.items()}
    out = ["item,label,confidence"]
    for item, i in item_ids.items():
        k = int(np.argmax(r["posterior"][i]))
        out.append(f"{item},{names[k]},{r['posterior'][i, k]:.6f}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
