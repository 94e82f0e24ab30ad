#!/usr/bin/env python3
"""Diarization error rate and Jaccard error rate of `labelqa agree` on RTTM against an independent
frame-level implementation in numpy (1 ms frames) of NIST md-eval's DER (speaker mapping by most
overlap, no-score collars around reference boundaries, -1 to leave out overlapped speech) and
dscore's JER; on generated RTTM pairs with overlaps, relabelled speakers, misses and false alarms,
every file's value and the overall one equal to 1e-9. Then segment F1 and boundary F1 on the same
pairs against a direct count.

Usage: test_segment_oracles.py LABELQA_BINARY
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from scipy.optimize import linear_sum_assignment

BINARY = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import harness  # noqa: E402
from harness import expect  # noqa: E402

TMP = tempfile.mkdtemp(prefix="labelqa-segments-")


def generate(seed, files=6):
    """(reference turns, system turns) per file: lists of (onset ms, end ms, speaker)."""
    rng = random.Random(seed)
    out = {}
    for f in range(files):
        length = rng.randrange(20000, 60000)
        speakers = [f"spk{k}" for k in range(rng.randrange(2, 5))]
        ref, t = [], rng.randrange(0, 2000)
        while t < length:
            d = rng.randrange(500, 6000)
            s = rng.choice(speakers)
            ref.append((t, min(t + d, length), s))
            if rng.random() < 0.25:  # an overlapping turn of another speaker
                o = rng.randrange(t, t + d)
                ref.append((o, min(o + rng.randrange(300, 2500), length + 3000), rng.choice([x for x in speakers if x != s])))
            t += d + rng.randrange(-300, 1500)
        names = {s: f"sys{k}" for k, s in enumerate(rng.sample(speakers, len(speakers)))}
        sys_turns = []
        for b, e, s in ref:
            if rng.random() < 0.08:
                continue  # missed
            b2, e2 = max(0, b + rng.randrange(-400, 401)), e + rng.randrange(-400, 401)
            if e2 <= b2:
                continue
            who = names[s] if rng.random() > 0.12 else rng.choice(list(names.values()) + ["sysX"])
            sys_turns.append((b2, e2, who))
        for _ in range(rng.randrange(0, 3)):  # false alarms
            b = rng.randrange(0, length)
            sys_turns.append((b, b + rng.randrange(200, 2000), rng.choice(list(names.values()))))
        out[f"file{f}"] = (ref, sys_turns)
    return out


def write_rttm(path, turns_by_file, side):
    with open(path, "w") as f:
        for fid, pair in turns_by_file.items():
            for b, e, s in pair[side]:
                f.write(f"SPEAKER {fid} 1 {b / 1000:.3f} {(e - b) / 1000:.3f} <NA> <NA> {s} <NA> <NA>\n")


def activity(turns, begin, end):
    """Frames x speakers: token counts per 1 ms frame of [begin, end)."""
    speakers = sorted({s for _, _, s in turns})
    m = np.zeros((end - begin, len(speakers)), dtype=np.int64)
    for b, e, s in turns:
        b, e = max(b, begin), min(e, end)
        if e > b:
            m[b - begin:e - begin, speakers.index(s)] += 1
    return m


def oracle(ref, sys_turns, collar_ms, skip_overlap):
    """md-eval's DER sums (scored, missed, false alarm, confusion) and dscore's JER terms of one file."""
    begin = min(b for b, _, _ in ref + sys_turns)
    end = max(e for _, e, _ in ref + sys_turns)
    R, S = activity(ref, begin, end), activity(sys_turns, begin, end)
    r, s = (R > 0).astype(np.int64), (S > 0).astype(np.int64)
    # The mapping: most overlap, one to one (frames of the evaluated time, no collars).
    overlap = r.T @ s
    rows, cols = linear_sum_assignment(-overlap)
    mapping = {i: j for i, j in zip(rows, cols) if overlap[i, j] > 0}
    score = np.ones(end - begin, dtype=bool)
    if collar_ms > 0:
        for b, e, _ in ref:
            for t in (b, e):
                score[max(0, t - collar_ms - begin):max(0, min(end, t + collar_ms) - begin)] = False
    if skip_overlap:
        score &= R.sum(axis=1) < 2
    nref, nsys = r.sum(axis=1), s.sum(axis=1)
    mapped = np.zeros(end - begin, dtype=np.int64)
    for i, j in mapping.items():
        mapped += r[:, i] * s[:, j]
    scored = (nref * score).sum()
    missed = (np.maximum(nref - nsys, 0) * score).sum()
    fa = (np.maximum(nsys - nref, 0) * score).sum()
    conf = ((np.minimum(nref, nsys) - mapped) * score).sum()
    # JER: dscore's contingency of reference and system speaker frames, no collar.
    ref_d, sys_d = r.sum(axis=0).astype(float), s.sum(axis=0).astype(float)
    inter = (r.T @ s).astype(float)
    union = ref_d[:, None] + sys_d[None, :] - inter
    jer = 1 - inter / union
    rr, cc = linear_sum_assignment(jer)
    jers = np.ones(len(ref_d))
    for i, j in zip(rr, cc):
        jers[i] = jer[i, j]
    return int(scored), int(missed), int(fa), int(conf), float(jers.sum()), len(ref_d)


def run_case(data, collar, skip_overlap):
    tag = f"c{collar}-{int(skip_overlap)}"
    flags = ["--collar", str(collar / 1000), "--per-image", "--bootstrap", "0", "--json", f"{tag}.json", "-q"] + (["--skip-overlap"] if skip_overlap else [])
    p = subprocess.run([BINARY, "agree", "ref.rttm", "sys.rttm", *flags], cwd=TMP, capture_output=True, text=True)
    expect(f"{tag}: agree runs", p.returncode == 0, p.stderr)
    with open(os.path.join(TMP, f"{tag}.json")) as f:
        report = json.load(f)
    per_item = {row["item"]: row["diarization"] for row in report["per_item"]}
    total = np.zeros(4)
    jer_sum, speakers = 0.0, 0
    for fid, (ref, sys_turns) in data.items():
        sc, mi, fa, co, js, n = oracle(ref, sys_turns, collar, skip_overlap)
        total += [sc, mi, fa, co]
        jer_sum += js
        speakers += n
        got = per_item[fid]
        expect(f"{tag} {fid}: scored, missed, false alarm and confusion seconds",
               [round(got[k] * 1000) for k in ("scored_seconds", "missed_seconds", "false_alarm_seconds", "confusion_seconds")] == [sc, mi, fa, co],
               f"{got} vs {(sc, mi, fa, co)}")
        expect(f"{tag} {fid}: DER", abs(got["der"]["value"] - (mi + fa + co) / sc) <= 1e-9, f"{got['der']['value']} vs {(mi + fa + co) / sc}")
        expect(f"{tag} {fid}: JER", abs(got["jer"]["value"] - js / n) <= 1e-9, f"{got['jer']['value']} vs {js / n}")
    overall = report["overall"]["diarization"]
    expect(f"{tag}: overall DER", abs(overall["der"]["value"] - (total[1] + total[2] + total[3]) / total[0]) <= 1e-9)
    expect(f"{tag}: overall JER", abs(overall["jer"]["value"] - jer_sum / speakers) <= 1e-9)
    return report


def main():
    data = generate(3)
    write_rttm(os.path.join(TMP, "ref.rttm"), data, 0)
    write_rttm(os.path.join(TMP, "sys.rttm"), data, 1)
    for collar, skip in ((0, False), (250, False), (250, True), (100, True)):
        run_case(data, collar, skip)
    # Boundary F1 at the collar: the greedy pairing of sorted boundaries within 0.25 s.
    report = run_case(data, 250, False)
    matched = na = nb = 0
    for ref, sys_turns in data.values():
        a = sorted(t for b, e, _ in ref for t in (b, e))
        b = sorted(t for bb, e, _ in sys_turns for t in (bb, e))
        na, nb = na + len(a), nb + len(b)
        i = j = 0
        while i < len(a) and j < len(b):
            if a[i] - b[j] > 250:
                j += 1
            elif b[j] - a[i] > 250:
                i += 1
            else:
                matched, i, j = matched + 1, i + 1, j + 1
    got = report["overall"]["boundaries"]
    expect("boundary counts", (got["boundaries_a"], got["boundaries_b"], got["matched"]) == (na, nb, matched), f"{got} vs {(na, nb, matched)}")
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
