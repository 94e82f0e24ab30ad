#!/usr/bin/env python3
"""WER and CER of `labelqa agree` on transcripts against NIST sclite (Debian package sctk), on
generated transcripts with every edit type: for each annotator pair, the word (and character)
substitutions, deletions, insertions and reference counts equal sclite's raw summary (-o rsum).

Usage: test_transcript_oracles.py LABELQA_BINARY
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

BINARY = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import harness  # noqa: E402
from harness import expect  # noqa: E402

TMP = tempfile.mkdtemp(prefix="labelqa-transcripts-")
VOCAB = ["the", "a", "cat", "dog", "sat", "ran", "on", "mat", "big", "red", "house", "went", "home", "to", "and", "it", "was", "very",
         "quick", "brown", "fox", "jumps", "over", "lazy", "éclair", "naïve"]


def variant(rng, words):
    out = []
    for w in words:
        r = rng.random()
        if r < 0.08:
            continue  # deletion
        if r < 0.16:
            out.append(rng.choice(VOCAB))  # substitution (or, by chance, the same word)
        else:
            out.append(w)
        if rng.random() < 0.06:
            out.append(rng.choice(VOCAB))  # insertion
    return out


def sclite_counts(pairs, tag):
    """(correct, substitutions, deletions, insertions) sclite sums over (reference, hypothesis) token lists."""
    d = os.path.join(TMP, tag)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "ref.trn"), "w") as r, open(os.path.join(d, "hyp.trn"), "w") as h:
        for k, (ref, hyp) in enumerate(pairs):
            r.write(" ".join(ref) + f" (u{k:05d})\n")
            h.write(" ".join(hyp) + f" (u{k:05d})\n")
    out = subprocess.run(["sctk", "sclite", "-r", "ref.trn", "trn", "-h", "hyp.trn", "trn", "-i", "rm", "-o", "rsum", "stdout"], cwd=d,
                         capture_output=True, text=True).stdout
    m = re.search(r"\|\s*Sum\s*\|\s*(\d+)\s+(\d+)\s*\|\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", out)
    if not m:
        raise SystemExit(f"cannot read sclite's summary:\n{out}")
    _, _, c, s, dl, i = map(int, m.groups())
    return c, s, dl, i


def chars(text):
    return ["<sp>" if ch == " " else ch for ch in text]


def normalize(text):  # case and space, as labelqa's default
    return " ".join(text.lower().split())


def main():
    if shutil.which("sctk") is None:
        print("skipped: sclite (Debian package sctk) is not installed: WER and CER are not compared with it")
        return 0
    rng = random.Random(11)
    annotators = ["ann", "bob", "cy"]
    texts = {}
    for i in range(150):
        base = [rng.choice(VOCAB) for _ in range(rng.randint(1, 14))]
        for a in annotators:
            if rng.random() < 0.1:
                continue
            words = variant(rng, base)
            if rng.random() < 0.03:
                words = []  # an empty transcript
            # Case and spacing that the default normalisation undoes.
            text = "  ".join(w.upper() if rng.random() < 0.1 else w for w in words) if rng.random() < 0.3 else " ".join(words)
            texts[(f"item{i:03d}", a)] = text
    path = os.path.join(TMP, "t.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("item,annotator,text\n")
        for (item, a), t in texts.items():
            f.write(f'{item},{a},"{t}"\n')
    p = subprocess.run([BINARY, "agree", path, "--json", "-", "-q", "--bootstrap", "0"], capture_output=True, text=True)
    expect("agree on transcripts runs", p.returncode == 0, p.stderr)
    report = json.loads(p.stdout)
    items = sorted({i for i, _ in texts})
    totals = [0, 0, 0, 0]
    for row in report["per_pair"]:
        a, b = row["annotator_a"], row["annotator_b"]
        both = [i for i in items if (i, a) in texts and (i, b) in texts]
        words = [(normalize(texts[(i, a)]).split(), normalize(texts[(i, b)]).split()) for i in both]
        c, s, d, ins = sclite_counts(words, f"w-{a}-{b}")
        expect(f"{a}/{b}: items", row["items"] == len(both), (row["items"], len(both)))
        got = (row["reference_words"] - row["word_substitutions"] - row["word_deletions"], row["word_substitutions"], row["word_deletions"],
               row["word_insertions"])
        expect(f"{a}/{b}: word C S D I = sclite's", got == (c, s, d, ins), (got, (c, s, d, ins)))
        expect(f"{a}/{b}: WER = (S + D + I) / (C + S + D)", abs(row["wer"]["value"] - (s + d + ins) / (c + s + d)) < 1e-15)
        totals = [x + y for x, y in zip(totals, (c, s, d, ins))]
        ch = [(chars(normalize(texts[(i, a)])), chars(normalize(texts[(i, b)]))) for i in both]
        c2, s2, d2, i2 = sclite_counts(ch, f"c-{a}-{b}")
        got = (row["reference_chars"] - row["char_substitutions"] - row["char_deletions"], row["char_substitutions"], row["char_deletions"],
               row["char_insertions"])
        expect(f"{a}/{b}: character C S D I = sclite's on the characters", got == (c2, s2, d2, i2), (got, (c2, s2, d2, i2)))
    o = report["overall"]
    expect("overall word counts: the pairs' sums", (o["word_substitutions"], o["word_deletions"], o["word_insertions"]) == tuple(totals[1:]),
           (o, totals))
    expect("every edit type occurs", all(t > 0 for t in totals[1:]), totals)
    gold_against_sclite(rng, texts, items)
    return harness.summary()


def gold_against_sclite(rng, texts, items):
    """`labelqa gold` on the same transcripts against a gold table: each annotator's (and the vendor's)
    word and character counts equal sclite's with gold as the reference."""
    gold = {}
    for i in items:
        if rng.random() < 0.1:
            continue  # items without gold
        gold[i] = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(0, 12))) if rng.random() < 0.2 else next(
            texts[(i, a)] for a in ("ann", "bob", "cy") if (i, a) in texts)
    path = os.path.join(TMP, "gold.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("item,text\n")
        for i, t in gold.items():
            f.write(f'{i},"{t}"\n')
    p = subprocess.run([BINARY, "gold", os.path.join(TMP, "t.csv"), "--gold", path, "--json", "-", "-q", "--bootstrap", "0"], capture_output=True, text=True)
    expect("gold on transcripts runs", p.returncode == 0, p.stderr)
    report = json.loads(p.stdout)
    pooled = {"w": [], "c": []}
    for row in report["annotators"]:
        a = row["annotator"]
        both = [i for i in items if (i, a) in texts and i in gold]
        expect(f"gold {a}: gold items scored", row["gold_items"] == len(both), (row["gold_items"], len(both)))
        words = [(normalize(gold[i]).split(), normalize(texts[(i, a)]).split()) for i in both]
        ch = [(chars(normalize(gold[i])), chars(normalize(texts[(i, a)]))) for i in both]
        pooled["w"] += words
        pooled["c"] += ch
        for unit, pairs, key in (("word", words, "words"), ("char", ch, "chars")):
            c, s, d, ins = sclite_counts(pairs, f"g{unit}-{a}")
            got = (row[f"reference_{key}"] - row[f"{unit}_substitutions"] - row[f"{unit}_deletions"], row[f"{unit}_substitutions"],
                   row[f"{unit}_deletions"], row[f"{unit}_insertions"])
            expect(f"gold {a}: {unit} C S D I = sclite's", got == (c, s, d, ins), (got, (c, s, d, ins)))
            rate = row["wer" if unit == "word" else "cer"]["value"]
            expect(f"gold {a}: {'WER' if unit == 'word' else 'CER'} = (S + D + I) / (C + S + D)", abs(rate - (s + d + ins) / (c + s + d)) < 1e-15)
    v = report["vendor"]
    c, s, d, ins = sclite_counts(pooled["w"], "gw-vendor")
    expect("gold vendor: word counts = sclite's over every annotator's gold items",
           (v["word_substitutions"], v["word_deletions"], v["word_insertions"], v["reference_words"]) == (s, d, ins, c + s + d), v)
    mismatching = sum(1 for a in ("ann", "bob", "cy") for i in items if (i, a) in texts and i in gold and normalize(texts[(i, a)]) != normalize(gold[i]))
    expect("one mismatching_transcript conflict per differing text", len(report["conflicts"]) == mismatching, (len(report["conflicts"]), mismatching))


if __name__ == "__main__":
    sys.exit(main())
