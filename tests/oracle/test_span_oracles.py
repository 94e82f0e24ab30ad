#!/usr/bin/env python3
"""Span agreement of `labelqa agree` against independent computations on generated NER data.

Three annotators label the same generated documents (doccano JSONL, one file each; one
annotator misses some documents). Token-level Krippendorff's alpha and per-pair Cohen's kappa are
checked against nltk's agreement module on the token sequences (a token takes the label of the
first span, by start, that shares a character with it; "O" for no entity), span F1 against a
direct count (exact) and scipy's assignment (overlap, same label, any shared character).

Usage: test_span_oracles.py LABELQA_BINARY
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from nltk.metrics.agreement import AnnotationTask
from scipy.optimize import linear_sum_assignment

BINARY = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="labelqa-spans-")
failures = 0


def expect(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  " + str(detail)[:1500]))
    failures += 0 if ok else 1


def close(a, b, tol=1e-9):
    return a is not None and b is not None and abs(a - b) <= tol


rng = random.Random(7)
WORDS = ["the", "officer", "John", "Smith", "31", "year", "old", "Glock", "pistol", "on", "May", "3", "at", "10:40",
         "SWAT", "team", "Café", "Zoë", "München", "arrived", "—", "x"]
LABELS = ["PER", "AGE", "WEAPON", "DATE"]
docs = []
for d in range(60):
    words = [rng.choice(WORDS) for _ in range(rng.randint(3, 25))]
    text = (" " if rng.random() < 0.2 else "") + "  ".join(words[:2]) + " " + " ".join(words[2:])
    docs.append(text)


def token_bounds(text):
    out, i = [], 0
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        s = i
        while i < len(text) and not text[i].isspace():
            i += 1
        if i > s:
            out.append((s, i))
    return out


def gold_spans(text):
    toks = token_bounds(text)
    spans = []
    k = 0
    while k < len(toks):
        if rng.random() < 0.3:
            n = rng.randint(1, 3)
            spans.append([toks[k][0], toks[min(k + n, len(toks)) - 1][1], rng.choice(LABELS)])
            k += n
        k += 1
    return spans


def perturb(spans, text):
    out = []
    for s, e, l in spans:
        r = rng.random()
        if r < 0.1:
            continue  # missed
        if r < 0.2:
            l = rng.choice(LABELS)  # other label
        elif r < 0.3 and e - s > 1:
            e -= 1  # boundary off by one character (mid-token)
        elif r < 0.35:
            s = max(0, s - 1)
        out.append([s, e, l])
    if rng.random() < 0.2 and len(text) > 2:
        s = rng.randrange(0, len(text) - 1)
        out.append([s, min(len(text), s + rng.randint(1, 6)), rng.choice(LABELS)])  # extra span
    return out


truth = [gold_spans(t) for t in docs]
names = ["ann", "bob", "cy"]
data = {n: {} for n in names}
for n in names:
    with open(os.path.join(TMP, n + ".jsonl"), "w", encoding="utf-8") as f:
        for i, t in enumerate(docs):
            if n == "cy" and i % 7 == 3:
                continue
            spans = perturb(truth[i], t)
            data[n][i] = spans
            f.write(json.dumps({"id": i + 1, "text": t, "label": spans}, ensure_ascii=False) + "\n")


def unit_labels(text, spans, unit):
    units = token_bounds(text) if unit == "token" else [(i, i + 1) for i in range(len(text))]
    uniq = sorted({(s, e, l) for s, e, l in spans}, key=lambda x: (x[0], x[1], x[2]))
    out = []
    for us, ue in units:
        lab = "O"
        for s, e, l in uniq:
            if s < ue and us < e:
                lab = l
                break
        out.append(lab)
    return out


def run(*args):
    out = os.path.join(TMP, "r.json")
    r = subprocess.run([BINARY, "agree", *[os.path.join(TMP, n + ".jsonl") for n in names], "--json", out, "-q", *args],
                       capture_output=True, text=True)
    return r, (json.load(open(out)) if r.returncode == 0 else None)


for unit in ["token", "char"]:
    r, rep = run("--span-unit", unit, "--bootstrap", "200")
    expect(f"{unit}: runs", r.returncode == 0, r.stderr)
    if rep is None:
        continue
    triples = []
    seq = {n: {} for n in names}
    for n in names:
        for i, spans in data[n].items():
            seq[n][i] = unit_labels(docs[i], spans, unit)
            for k, lab in enumerate(seq[n][i]):
                triples.append((n, f"{i}:{k}", lab))
    task = AnnotationTask(data=triples)
    expect(f"{unit}: token_alpha == nltk alpha", close(rep["overall"]["token_alpha"]["value"], task.alpha()),
           (rep["overall"]["token_alpha"], task.alpha()))
    for p in rep["per_pair"]:
        a, b = p["annotator_a"], p["annotator_b"]
        common = sorted(set(data[a]) & set(data[b]))
        pt = [(c, f"{i}:{k}", lab) for c in (a, b) for i in common for k, lab in enumerate(seq[c][i])]
        pair_task = AnnotationTask(data=pt)
        expect(f"{unit}: {a}/{b} token_kappa == nltk kappa_pairwise", close(p["token_kappa"]["value"], pair_task.kappa_pairwise(a, b)),
               (p["token_kappa"], pair_task.kappa_pairwise(a, b)))
        expect(f"{unit}: {a}/{b} token_alpha == nltk alpha", close(p["token_alpha"]["value"], pair_task.alpha()),
               (p["token_alpha"], pair_task.alpha()))
        if unit != "token":
            continue
        exact = overlap = na = nb = 0
        for i in common:
            sa = {tuple(s) for s in data[a][i]}
            sb = {tuple(s) for s in data[b][i]}
            na += len(sa)
            nb += len(sb)
            exact += len(sa & sb)
            for lab in LABELS:
                x = [s for s in sa if s[2] == lab]
                y = [s for s in sb if s[2] == lab]
                if not x or not y:
                    continue
                m = np.array([[1.0 if s[0] < t[1] and t[0] < s[1] else 0.0 for t in y] for s in x])
                rows, cols = linear_sum_assignment(-m)
                overlap += int(m[rows, cols].sum())
        expect(f"{a}/{b} span counts", (p["spans_a"], p["spans_b"], p["exact_matches"], p["overlap_matches"]) == (na, nb, exact, overlap),
               (p["spans_a"], p["spans_b"], p["exact_matches"], p["overlap_matches"], na, nb, exact, overlap))
        expect(f"{a}/{b} span_f1_exact", close(p["span_f1_exact"]["value"], 2 * exact / (na + nb)), p["span_f1_exact"])
        expect(f"{a}/{b} span_f1_overlap", close(p["span_f1_overlap"]["value"], 2 * overlap / (na + nb)), p["span_f1_overlap"])
        ci = p["span_f1_exact"]
        expect(f"{a}/{b} interval brackets the value", ci["ci_low"] <= ci["value"] <= ci["ci_high"], ci)

# Deterministic, whatever the thread count.
outs = []
for threads in ["1", "2"]:
    out = os.path.join(TMP, f"t{threads}.json")
    subprocess.run([BINARY, "agree", *[os.path.join(TMP, n + ".jsonl") for n in names], "--json", out, "-q", "--threads", threads], check=True)
    outs.append(open(out, "rb").read())
expect("same bytes with 1 and 2 threads", outs[0] == outs[1])

print(f"{failures} failed")
sys.exit(1 if failures else 0)
