#!/usr/bin/env python3
"""Speaker-turn agreement: `labelqa agree` on two RTTM files against dscore's way of computing DER
and JER, frame by frame in numpy (10 ms frames, scipy's Hungarian algorithm), on generated
recordings (30 minutes each, 2 to 5 speakers, overlaps, relabelled speakers, misses and false
alarms). dscore itself runs NIST's md-eval Perl script for DER, which is slower still; the numpy
version is the fastest Python way to the same numbers. Prints wall time, peak memory and the
ratio, and checks that both give the same DER and JER (to the frames' rounding).

Usage: bench_segments.py BUILD_DIR [RECORDINGS]   (default 200 recordings, 100 hours of speech)
       bench_segments.py BUILD_DIR --big            (20,000 recordings, 10,000 hours: labelqa alone)
"""
import json
import os
import random
import sys
import tempfile

import numpy as np
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchutil import measure  # noqa: E402

STEP = 10  # ms, dscore's frame step


def generate(seed, recordings):
    rng = random.Random(seed)
    out = {}
    for f in range(recordings):
        length = 30 * 60 * 1000
        speakers = [f"spk{k}" for k in range(rng.randrange(2, 6))]
        ref, t = [], 0
        while t < length:
            d = rng.randrange(800, 12000)
            s = rng.choice(speakers)
            ref.append((t, min(t + d, length), s))
            if rng.random() < 0.15:
                o = rng.randrange(t, t + d)
                ref.append((o, min(o + rng.randrange(300, 2500), length), rng.choice([x for x in speakers if x != s])))
            t += d + rng.randrange(-200, 1500)
        names = {s: f"sys{k}" for k, s in enumerate(rng.sample(speakers, len(speakers)))}
        hyp = []
        for b, e, s in ref:
            if rng.random() < 0.05:
                continue
            b2, e2 = max(0, b + rng.randrange(-300, 301)), min(length, e + rng.randrange(-300, 301))
            if e2 > b2:
                hyp.append((b2, e2, names[s] if rng.random() > 0.1 else rng.choice(list(names.values()))))
        out[f"rec{f:04d}"] = (ref, hyp)
    return out


def write_rttm(path, data, side):
    with open(path, "w") as f:
        for fid, pair in data.items():
            for b, e, s in pair[side]:
                f.write(f"SPEAKER {fid} 1 {b / 1000:.3f} {(e - b) / 1000:.3f} <NA> <NA> {s} <NA> <NA>\n")


def read_rttm(path):
    turns = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            b = round(float(p[3]) * 1000)
            turns.setdefault(p[1], []).append((b, b + round(float(p[4]) * 1000), p[7]))
    return turns


def frames(turns, begin, end):
    speakers = sorted({s for _, _, s in turns})
    n = (end - begin) // STEP
    m = np.zeros((n, len(speakers)), dtype=bool)
    for b, e, s in turns:
        m[(b - begin) // STEP:(e - begin) // STEP, speakers.index(s)] = True
    return m


def numpy_der_jer(ref_path, sys_path, collar_ms):
    """DER (md-eval's sums over frames) and JER (dscore's) of all recordings."""
    refs, hyps = read_rttm(ref_path), read_rttm(sys_path)
    totals = np.zeros(4)
    jers = []
    for fid, ref in refs.items():
        hyp = hyps.get(fid, [])
        begin = min(b for b, _, _ in ref + hyp)
        end = max(e for _, e, _ in ref + hyp)
        r, s = frames(ref, begin, end), frames(hyp, begin, end)
        ri, si = r.astype(np.int32), s.astype(np.int32)
        overlap = ri.T @ si
        rows, cols = linear_sum_assignment(-overlap)
        score = np.ones(len(r), dtype=bool)
        for b, e, _ in ref:
            for t in (b, e):
                score[max(0, (t - collar_ms - begin) // STEP):max(0, (t + collar_ms - begin) // STEP)] = False
        nref, nsys = ri.sum(axis=1), si.sum(axis=1)
        mapped = np.zeros(len(r), dtype=np.int64)
        for i, j in zip(rows, cols):
            if overlap[i, j] > 0:
                mapped += ri[:, i] * si[:, j]
        totals += [(nref * score).sum(), (np.maximum(nref - nsys, 0) * score).sum(), (np.maximum(nsys - nref, 0) * score).sum(),
                   ((np.minimum(nref, nsys) - mapped) * score).sum()]
        rd, sd = ri.sum(axis=0).astype(float), si.sum(axis=0).astype(float)
        jer = 1 - overlap / (rd[:, None] + sd[None, :] - overlap)
        rr, cc = linear_sum_assignment(jer)
        js = np.ones(len(rd))
        js[rr] = jer[rr, cc]
        jers.extend(js)
    return (totals[1] + totals[2] + totals[3]) / totals[0], float(np.mean(jers))


def big(binary, work):
    """10,000 hours (20,000 recordings of 30 minutes): labelqa alone, interval arithmetic only."""
    data = generate(1, 20000)
    ref, hyp = os.path.join(work, "ref.rttm"), os.path.join(work, "sys.rttm")
    write_rttm(ref, data, 0)
    write_rttm(hyp, data, 1)
    turns = sum(len(a) + len(b) for a, b in data.values())
    del data
    print(f"20000 recordings of 30 minutes (10,000 hours), {turns} turns, {(os.path.getsize(ref) + os.path.getsize(hyp)) / 1e6:.0f} MB of RTTM")
    out = os.path.join(work, "r.json")
    print(f"{'':44}{'wall s':>8}{'peak MB':>9}")
    for flags, label in ((["--bootstrap", "0"], "labelqa agree, no intervals"), ([], "labelqa agree, 1000 bootstrap replicates")):
        wall, rss = measure([binary, "agree", ref, hyp, "--collar", "0.25", "--json", out, "-q", *flags])
        print(f"{label:44}{wall:8.2f}{rss:9.0f}")
    with open(out) as f:
        d = json.load(f)["overall"]["diarization"]
    print(f"DER {d['der']['value']:.6f}, JER {d['jer']['value']:.6f}")


def main():
    build = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "--big":
        return big(os.path.join(build, "labelqa"), tempfile.mkdtemp(prefix="labelqa-bench-segments-"))
    recordings = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    binary = os.path.join(build, "labelqa")
    work = tempfile.mkdtemp(prefix="labelqa-bench-segments-")
    data = generate(1, recordings)
    ref, hyp = os.path.join(work, "ref.rttm"), os.path.join(work, "sys.rttm")
    write_rttm(ref, data, 0)
    write_rttm(hyp, data, 1)
    turns = sum(len(a) + len(b) for a, b in data.values())
    print(f"{recordings} recordings of 30 minutes, {turns} turns")
    out = os.path.join(work, "r.json")
    rows = []
    for flags, label in ((["--bootstrap", "0"], "labelqa agree, no intervals"), ([], "labelqa agree, 1000 bootstrap replicates")):
        wall, rss = measure([binary, "agree", ref, hyp, "--collar", "0.25", "--resolution", "0.01", "--json", out, "-q", *flags])
        rows.append((label, wall, rss))
    with open(out) as f:
        report = json.load(f)["overall"]["diarization"]
    # The numpy reference, in a child process for its peak memory.
    result = os.path.join(work, "numpy.txt")
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); import bench_segments as b; "
            f"open({result!r}, 'w').write(' '.join(map(str, b.numpy_der_jer({ref!r}, {hyp!r}, 250))))")
    wall, rss = measure([sys.executable, "-c", code])
    with open(result) as f:
        der, jer = map(float, f.read().split())
    rows.append(("numpy frames (dscore's way, 10 ms)", wall, rss))
    base = rows[-1][1]
    print(f"{'':44}{'wall s':>8}{'peak MB':>9}{'speed-up':>10}")
    for label, w, r in rows:
        print(f"{label:44}{w:8.2f}{r:9.0f}{base / w:9.1f}x")
    print(f"DER labelqa {report['der']['value']:.6f} numpy {der:.6f}; JER labelqa {report['jer']['value']:.6f} numpy {jer:.6f}")


if __name__ == "__main__":
    main()
