#!/usr/bin/env python3
"""Word error rate on 100,000 transcripts of 20 words (50,000 recordings, 2 transcribers):
`labelqa agree` beside a pure Python word-level Levenshtein WER with sclite's costs (substitution
4, insertion and deletion 3), the way Python WER tools compute it pair by pair. Prints wall time,
peak memory, the ratio, and checks both give the same substitution, deletion and insertion counts.

Usage: bench_transcripts.py BUILD_DIR [RECORDINGS]   (default 50,000 recordings: 100,000 transcripts)
"""
import csv
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import measure  # noqa: E402

VOCAB = [f"w{k}" for k in range(400)]


def generate(path, recordings, seed=1):
    rng = random.Random(seed)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item", "annotator", "text"])
        for i in range(recordings):
            words = [rng.choice(VOCAB) for _ in range(20)]
            other = []
            for x in words:
                r = rng.random()
                if r < 0.04:
                    continue
                other.append(rng.choice(VOCAB) if r < 0.1 else x)
                if rng.random() < 0.03:
                    other.append(rng.choice(VOCAB))
            w.writerow([f"rec{i:06d}", "ann", " ".join(words)])
            w.writerow([f"rec{i:06d}", "bob", " ".join(other)])


def python_wer(path):
    """Sum of (S, D, I, N) over items: ann's text the reference, bob's the hypothesis."""
    texts = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            texts.setdefault(row["item"], {})[row["annotator"]] = row["text"].lower().split()
    total = [0, 0, 0, 0]
    for t in texts.values():
        ref, hyp = t["ann"], t["bob"]
        n, m = len(ref), len(hyp)
        # cost, substitutions, deletions, insertions of the best alignment of prefixes
        prev = [(3 * j, 0, 0, j) for j in range(m + 1)]
        for i in range(1, n + 1):
            cur = [(3 * i, 0, i, 0)]
            for j in range(1, m + 1):
                c, s, d, ins = prev[j - 1]
                best = (c, s, d, ins) if ref[i - 1] == hyp[j - 1] else (c + 4, s + 1, d, ins)
                c, s, d, ins = prev[j]
                if c + 3 < best[0]:
                    best = (c + 3, s, d + 1, ins)
                c, s, d, ins = cur[j - 1]
                if c + 3 < best[0]:
                    best = (c + 3, s, d, ins + 1)
                cur.append(best)
            prev = cur
        _, s, d, ins = prev[m]
        total = [total[0] + s, total[1] + d, total[2] + ins, total[3] + n]
    return total


def main():
    build = sys.argv[1]
    recordings = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
    work = tempfile.mkdtemp(prefix="labelqa-bench-transcripts-")
    path = os.path.join(work, "t.csv")
    generate(path, recordings)
    print(f"{recordings} recordings x 2 transcribers: {2 * recordings} transcripts of 20 words")
    out = os.path.join(work, "r.json")
    rows = []
    for flags, label in ((["--bootstrap", "0"], "labelqa agree, no intervals"), ([], "labelqa agree, 1000 bootstrap replicates")):
        wall, rss = measure([os.path.join(build, "labelqa"), "agree", path, "--json", out, "-q", *flags])
        rows.append((label, wall, rss))
    with open(out) as f:
        o = json.load(f)["overall"]
    result = os.path.join(work, "py.txt")
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); import bench_transcripts as b; "
            f"open({result!r}, 'w').write(' '.join(map(str, b.python_wer({path!r}))))")
    wall, rss = measure([sys.executable, "-c", code])
    rows.append(("Python Levenshtein WER (sclite's costs)", wall, rss))
    with open(result) as f:
        s, d, ins, n = map(int, f.read().split())
    base = rows[-1][1]
    print(f"{'':44}{'wall s':>8}{'peak MB':>9}{'speed-up':>10}")
    for label, w, r in rows:
        print(f"{label:44}{w:8.2f}{r:9.0f}{base / w:9.1f}x")
    print(f"WER labelqa {o['wer']['value']:.6f} python {(s + d + ins) / n:.6f}; S D I labelqa "
          f"{o['word_substitutions']} {o['word_deletions']} {o['word_insertions']} python {s} {d} {ins}")


if __name__ == "__main__":
    main()
