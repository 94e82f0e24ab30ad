#!/usr/bin/env python3
"""Writes the input-hygiene fixtures from files of this repository: the same exports with a UTF-8
byte order mark (as Windows tools write them) and gzip-compressed (mtime 0, so the bytes are
stable). Run from the repository root: python3 tests/data/formats/hygiene/make_hygiene.py"""
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..", "..")
BOM = b"\xef\xbb\xbf"


def src(*parts):
    return open(os.path.join(ROOT, *parts), "rb").read()


def put(name, data):
    open(os.path.join(HERE, name), "wb").write(data)


put("bom_alice.json", BOM + src("examples", "coco", "alice.json"))
put("bom_classification.json", BOM + src("tests", "data", "formats", "label_studio", "classification.json"))
put("bom_sentiment.csv", BOM + src("examples", "sentiment.csv"))
put("bom_a.xml", BOM + src("tests", "data", "formats", "cvat", "images", "a.xml"))
put("bom_doccano.jsonl", BOM + src("tests", "data", "formats", "spans", "doccano", "a.jsonl"))
for name, parts in [("alice.json.gz", ("examples", "coco", "alice.json")), ("sentiment.csv.gz", ("examples", "sentiment.csv")),
                    ("classification.json.gz", ("tests", "data", "formats", "label_studio", "classification.json"))]:
    put(name, gzip.compress(src(*parts), mtime=0))
put("truncated.json.gz", gzip.compress(src("examples", "coco", "alice.json"), mtime=0)[:200])
