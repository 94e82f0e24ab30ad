#!/usr/bin/env python3
"""Builds the seed corpus of the fuzz targets (tests/fuzz/targets.cpp) from the files the tests
already use: examples/, tests/data/ and ../shared/samples/ (each file sorted to the target of its
kind, at most 64 KB). Usage: make_corpus.py OUT_DIR  (writes OUT_DIR/<target>/<n>)"""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SOURCES = [os.path.join(ROOT, "examples"), os.path.join(ROOT, "tests", "data"), os.path.join(ROOT, "..", "shared", "samples")]
MAX = 64 * 1024


def kinds(path, data):
    """The targets a file seeds, with the prefix byte each target reads first."""
    name = path.lower()
    head = data[:4096]
    out = []
    if name.endswith(".csv"):
        out.append(("table", b"\x00"))
    elif name.endswith(".tsv"):
        out.append(("table", b"\x01"))
    elif name.endswith(".jsonl"):
        out += [("table", b"\x02"), ("spans", b"\x00"), ("spans", b"\x01")]
    elif name.endswith(".json"):
        if b'"image_id"' in head or b'"annotations"' in head and b'"images"' in head:
            out.append(("coco", b""))
        if b'"data"' in head:
            out.append(("label_studio", b""))
        if b'"shapes"' in head:
            out.append(("labelme", b""))
        if b'"rule"' in head or b'"iou_threshold"' in head:
            out.append(("policy", b"\x01"))
    elif name.endswith(".xml"):
        if b"<annotations" in head:
            out.append(("cvat", b""))
        elif b"<annotation" in head:
            out.append(("voc", b""))
    elif name.endswith(".rttm"):
        out.append(("segments", b"\x00"))
    elif name.endswith(".srt"):
        out.append(("segments", b"\x01"))
    elif name.endswith(".vtt"):
        out.append(("segments", b"\x02"))
    elif name.endswith(".textgrid"):
        out.append(("segments", b"\x03"))
    elif name.endswith(".png"):
        out.append(("png", b""))
    elif name.endswith(".toml"):
        out.append(("policy", b"\x00"))
    elif name.endswith(".txt") and os.path.basename(name) not in ("classes.txt", "obj.names"):
        out.append(("yolo", b""))
    return out


def main():
    out_dir = sys.argv[1]
    count = 0
    for src in SOURCES:
        for dirpath, dirs, files in os.walk(src):
            dirs.sort()
            for f in sorted(files):
                path = os.path.join(dirpath, f)
                if os.path.getsize(path) > MAX:
                    continue
                data = open(path, "rb").read()
                for target, prefix in kinds(path, data):
                    seed = prefix + data
                    d = os.path.join(out_dir, target)
                    os.makedirs(d, exist_ok=True)
                    with open(os.path.join(d, hashlib.sha1(seed).hexdigest()[:16]), "wb") as out:
                        out.write(seed)
                    count += 1
    # RLE: image sizes (two bytes) then counts strings, CVAT run lengths and brush bytes.
    d = os.path.join(out_dir, "rle")
    os.makedirs(d, exist_ok=True)
    for i, seed in enumerate([b"\x04\x04" + b"0a2", b"\x0a\x0a" + b"52203", b"\x03\x05" + b"1, 2, 3, 4, 5", b"\x02\x02" + bytes([0, 0, 0, 16, 1, 2, 3])]):
        open(os.path.join(d, f"seed{i}"), "wb").write(seed)
        count += 1
    print(f"{count} seeds in {out_dir}")


if __name__ == "__main__":
    main()
