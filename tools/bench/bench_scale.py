#!/usr/bin/env python3
"""Benchmark of sharded agreement (docs/scale.md): generates its own data, then

1. 5M ratings (1M items x 5 annotators x 10 classes) in one process, against the same ratings as
   10 shard files: `agree --partial` on each (two at a time, as on this machine's two cores) and
   `merge`, and labelqa.dask on a LocalCluster of 2 worker processes. Prints the overhead of
   sharding (target: at most 1.3x) and checks the bytes are the single run's.
2. 50M ratings in 50 shards (1M ratings each) on a LocalCluster of 2 worker processes: wall time
   and peak memory per worker (with --big; about 1.3 GB of CSV under WORK_DIR).

Usage: bench_scale.py BUILD_DIR [WORK_DIR] [--big]
Needs Debian's python3-distributed, and the Python package built in BUILD_DIR/python."""
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from benchutil import measure

ITEMS, ANNOTATORS, CLASSES = 1_000_000, 5, 10


def generate(gen, path, items, first, seed):
    if not os.path.exists(path):
        with open(path, "wb") as f:
            subprocess.run([gen, str(items), str(ANNOTATORS), str(CLASSES), "0", str(seed), "0.3", str(first)], stdout=f, check=True)
    return path


def best(fn, runs=3):
    results = [fn() for _ in range(runs)]
    return min(results, key=lambda r: r[0])


def shards_on_cli(labelqa, files, work, tag):
    """Each shard's partial, two at a time, then the merge: (wall, peak RSS of any one process)."""
    start = time.perf_counter()
    parts = [os.path.join(work, f"{tag}-{k}.part") for k in range(len(files))]
    with ThreadPoolExecutor(2) as pool:
        peaks = list(pool.map(lambda fp: measure([labelqa, "agree", fp[0], "--partial", fp[1], "--threads", "1"])[1], zip(files, parts)))
    _, merge_peak = measure([labelqa, "merge", *parts, "--json", os.path.join(work, f"{tag}-merged.json"), "-q"])
    return time.perf_counter() - start, max(peaks + [merge_peak])


def worker_peaks(client):
    return client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main():
    build = os.path.abspath(sys.argv[1])
    args = [a for a in sys.argv[2:] if not a.startswith("--")]
    work = os.path.abspath(args[0] if args else os.path.join(build, "bench-scale"))
    big = "--big" in sys.argv
    os.makedirs(work, exist_ok=True)
    sys.path.insert(0, os.path.join(build, "python"))
    os.environ["PYTHONPATH"] = os.path.join(build, "python") + os.pathsep + os.environ.get("PYTHONPATH", "")
    import labelqa
    import labelqa.dask
    from distributed import Client, LocalCluster

    labelqa_bin = os.path.join(build, "labelqa")
    gen = os.path.join(build, "labelqa_bench_gen")
    per = ITEMS // 10
    files = [generate(gen, os.path.join(work, f"shard-{k}.csv"), per, k * per, 100 + k) for k in range(10)]
    print(f"1. {ITEMS:,} items x {ANNOTATORS} annotators x {CLASSES} classes (30% random ratings) = {ITEMS * ANNOTATORS:,} ratings, as 10 shard files")
    single_json = os.path.join(work, "single.json")
    single, single_rss = best(lambda: measure([labelqa_bin, "agree", *files, "--json", single_json, "-q"]))
    print(f"  one process: labelqa agree (10 files) --json        {single:7.2f} s  peak RSS {single_rss:6.0f} MB")
    cli, cli_rss = best(lambda: shards_on_cli(labelqa_bin, files, work, "cli"))
    same = open(os.path.join(work, "cli-merged.json"), "rb").read() == open(single_json, "rb").read()
    print(f"  10 x agree --partial (2 at a time) + merge          {cli:7.2f} s  peak RSS {cli_rss:6.0f} MB   -> {cli / single:.2f}x"
          f"   same bytes: {same}")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        expected = labelqa.agree(files)

        def dask_run():
            start = time.perf_counter()
            r = labelqa.dask.agree(files, client=client)
            return time.perf_counter() - start, r

        wall, result = best(dask_run)
        import json
        same = json.dumps(result, sort_keys=True) == json.dumps(expected, sort_keys=True)
        peaks = worker_peaks(client)
        print(f"  labelqa.dask.agree, LocalCluster of 2 workers        {wall:7.2f} s  peak RSS per worker "
              f"{max(peaks.values()):6.0f} MB   -> {wall / single:.2f}x   same result: {same}")
    if not big:
        return
    print("2. 50 shards of 200,000 items x 5 annotators (50M ratings)")
    big_files = [generate(gen, os.path.join(work, f"big-{k:02d}.csv"), 200_000, k * 200_000, 1000 + k) for k in range(50)]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        start = time.perf_counter()
        result = labelqa.dask.agree(big_files, client=client)
        wall = time.perf_counter() - start
        peaks = worker_peaks(client)
        print(f"  labelqa.dask.agree, LocalCluster of 2 workers        {wall:7.2f} s  peak RSS per worker "
              f"{max(peaks.values()):6.0f} MB  ({result['summary']['ratings']:,} ratings, {result['summary']['items']:,} items)")
    one, one_rss = measure([labelqa_bin, "agree", *big_files, "--json", os.path.join(work, "big-single.json"), "-q"])
    print(f"  one process over the 50 files (for comparison)      {one:7.2f} s  peak RSS {one_rss:6.0f} MB")


if __name__ == "__main__":
    main()
