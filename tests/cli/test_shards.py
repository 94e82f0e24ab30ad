#!/usr/bin/env python3
"""Sharded runs (docs/scale.md): `agree --partial` per shard and `labelqa merge` give the bytes of
one run over all the shards' files (given in path order), for 1, 2, 7 and 50 shards, merged in
two orders and as a tree; and every partial that must not merge is refused naming the files.

Usage: test_shards.py LABELQA_BINARY
"""
import json
import os
import random
import subprocess
import sys
import tempfile

BINARY = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import expect  # noqa: E402

harness.BINARY = BINARY
TMP = tempfile.mkdtemp(prefix="labelqa-shards-")


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, cwd=TMP)


def read(path):
    with open(os.path.join(TMP, path), "rb") as f:
        return f.read()


def write_shards(prefix, rows, shards, seed):
    """Rows (item, annotator, label) into `shards` CSV files, every item whole in one of them."""
    rng = random.Random(seed)
    items = sorted({r[0] for r in rows})
    home = {it: rng.randrange(shards) for it in items}
    names = [f"{prefix}-{k:02d}.csv" for k in range(shards)]
    files = [open(os.path.join(TMP, n), "w") for n in names]
    for f in files:
        f.write("item,annotator,label\n")
    for r in rows:
        files[home[r[0]]].write(",".join(map(str, r)) + "\n")
    for f in files:
        f.close()
    return names


def ratings(seed, items, annotators, labels, missing=0.15):
    rng = random.Random(seed)
    rows = []
    for i in range(items):
        truth = rng.choice(labels)
        for a in range(annotators):
            if rng.random() < missing:
                continue
            rows.append((f"item-{i:05d}", f"ann{a}", truth if rng.random() < 0.65 else rng.choice(labels)))
    rng.shuffle(rows)
    return rows


def check_sharding(name, rows, shards, flags):
    files = write_shards(f"{name}{shards}", rows, shards, seed=shards)
    parts = []
    for f in files:
        part = f[:-4] + ".part"
        p = run("agree", f, *flags, "--partial", part)
        expect(f"{name} {shards}: partial of {f}", p.returncode == 0 and os.path.exists(os.path.join(TMP, part)), p.stderr)
        parts.append(part)
    single = run("agree", *sorted(files), *flags, "--json", f"{name}{shards}-single.json", "-q")
    expect(f"{name} {shards}: single run", single.returncode == 0, single.stderr)
    for order, label in ((parts, "in order"), (list(reversed(parts)), "reversed")):
        m = run("merge", *order, "--json", f"{name}{shards}-merged.json", "--csv", f"{name}{shards}-merged.csv", "-q")
        expect(f"{name} {shards}: merge {label}", m.returncode == 0, m.stderr)
        expect(f"{name} {shards}: merged JSON {label} = single run's", read(f"{name}{shards}-merged.json") == read(f"{name}{shards}-single.json"))
    run("agree", *sorted(files), *flags, "--csv", f"{name}{shards}-single.csv", "-q")
    expect(f"{name} {shards}: merged CSV = single run's", read(f"{name}{shards}-merged.csv") == read(f"{name}{shards}-single.csv"))
    if shards >= 2:
        # A tree: halves merged into partials, then those merged.
        half = len(parts) // 2
        a = run("merge", *parts[:half], "--partial", f"{name}{shards}-a.part")
        b = run("merge", *parts[half:], "--partial", f"{name}{shards}-b.part")
        expect(f"{name} {shards}: tree levels", a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr)
        t = run("merge", f"{name}{shards}-b.part", f"{name}{shards}-a.part", "--json", f"{name}{shards}-tree.json", "-q")
        expect(f"{name} {shards}: tree merge = single run's", t.returncode == 0 and read(f"{name}{shards}-tree.json") == read(f"{name}{shards}-single.json"),
               t.stderr)
        # A merged partial is the same bytes whatever the order of its parts.
        run("merge", *reversed(parts[:half]), "--partial", f"{name}{shards}-a2.part")
        expect(f"{name} {shards}: merged partial bytes independent of order", read(f"{name}{shards}-a.part") == read(f"{name}{shards}-a2.part"))
    return parts


def check_gold_sharding(shards, rows, gold_path, policy_path):
    files = write_shards(f"gold{shards}", rows, shards, seed=40 + shards)
    flags = ["--gold", gold_path, "--policy", policy_path]
    parts = []
    for f in files:
        part = f[:-4] + ".part"
        p = run("gold", f, *flags, "--partial", part)
        expect(f"gold {shards}: partial of {f}", p.returncode == 0, p.stderr)
        parts.append(part)
    outs = ["--json", "{}.json", "--csv", "{}.csv", "--conflicts", "{}-conflicts.csv", "--junit", "{}.xml", "--markdown", "{}.md",
            "--sarif", "{}.sarif", "--gitlab-codequality", "{}-gl.json"]
    single = run("gold", *sorted(files), *flags, *[o.format(f"gold{shards}-single") for o in outs], "-q")
    for order, label in ((parts, "in order"), (list(reversed(parts)), "reversed")):
        m = run("merge", *order, *[o.format(f"gold{shards}-merged") for o in outs], "-q")
        expect(f"gold {shards}: merge {label} exits as the single run", m.returncode == single.returncode and m.returncode in (0, 1),
               m.stderr + single.stderr)
        for o in outs[1::2]:
            expect(f"gold {shards}: merged {o.format('')} {label} = single run's", read(o.format(f"gold{shards}-merged")) == read(o.format(f"gold{shards}-single")))
    if shards >= 2:
        run("merge", *parts[: shards // 2], "--partial", f"gold{shards}-a.part")
        run("merge", *parts[shards // 2:], "--partial", f"gold{shards}-b.part")
        t = run("merge", f"gold{shards}-a.part", f"gold{shards}-b.part", "--json", f"gold{shards}-tree.json", "-q")
        expect(f"gold {shards}: tree merge = single run's", read(f"gold{shards}-tree.json") == read(f"gold{shards}-single.json"), t.stderr)
    return parts


CLASSES = ["car", "person", "sign", "tree"]


def coco_deliveries(seed, images, annotators):
    """Per-annotator COCO exports of one image set: boxes, polygons and crowd regions (RLE), with
    jitter, misses, extra objects, wrong classes and images some annotator did not deliver."""
    rng = random.Random(seed)
    imgs = [{"id": 1000 + i, "file_name": f"img{i:04d}.jpg", "width": 320, "height": 240} for i in range(images)]
    truth = {}
    for im in imgs:
        objs = []
        for _ in range(rng.randrange(0, 6)):
            w, h = rng.randrange(8, 90), rng.randrange(8, 70)
            objs.append((rng.randrange(0, 320 - w), rng.randrange(0, 240 - h), w, h, rng.randrange(len(CLASSES)), rng.random() < 0.4))
        truth[im["id"]] = objs
    out = {}
    for a, name in enumerate(annotators):
        anns, listed = [], []
        for im in imgs:
            if rng.random() < 0.05 * a:
                continue
            listed.append(im)
            objs = list(truth[im["id"]])
            if rng.random() < 0.3:
                w, h = rng.randrange(8, 60), rng.randrange(8, 60)
                objs.append((rng.randrange(0, 320 - w), rng.randrange(0, 240 - h), w, h, rng.randrange(len(CLASSES)), False))
            for x, y, w, h, c, poly in objs:
                if rng.random() < 0.1:
                    continue
                j = lambda v: max(0, v + rng.randrange(-4, 5))
                x, y, w, h = j(x), j(y), max(2, j(w)), max(2, j(h))
                x, y = min(x, 318 - w), min(y, 238 - h)
                if rng.random() < 0.08:
                    c = rng.randrange(len(CLASSES))
                ann = {"id": len(anns) + 1, "image_id": im["id"], "category_id": c + 1, "iscrowd": 0, "bbox": [x, y, w, h], "area": w * h}
                if poly:
                    ann["segmentation"] = [[x, y, x + w, y + rng.randrange(0, h), x + w, y + h, x + rng.randrange(0, w), y + h]]
                anns.append(ann)
            if rng.random() < 0.05:
                # A crowd region over the image's left part: column-major runs of 240 rows.
                cols = rng.randrange(10, 60)
                anns.append({"id": len(anns) + 1, "image_id": im["id"], "category_id": 2, "iscrowd": 1, "bbox": [0, 0, cols, 240],
                             "area": cols * 240, "segmentation": {"size": [240, 320], "counts": [0, cols * 240, (320 - cols) * 240]}})
        out[name] = {"images": listed, "annotations": anns,
                     "categories": [{"id": k + 1, "name": c} for k, c in enumerate(CLASSES)]}
    return out


def compare_merges(name, shards, whole, parts, flags):
    """The shards' partials merged in order, reversed and as a tree give the bytes of one run over
    the whole files; merging is independent of the partials' order. Returns the single run's JSON."""
    tag = f"{name}{shards}"
    single = run("agree", *whole, *flags, "--json", f"{tag}-single.json", "--csv", f"{tag}-single.csv", "-q")
    expect(f"{name} {shards}: single run", single.returncode == 0, single.stderr)
    for order, label in ((parts, "in order"), (list(reversed(parts)), "reversed")):
        m = run("merge", *order, "--json", f"{tag}-merged.json", "--csv", f"{tag}-merged.csv", "-q")
        expect(f"{name} {shards}: merge {label}", m.returncode == 0, m.stderr)
        expect(f"{name} {shards}: merged JSON {label} = single run's", read(f"{tag}-merged.json") == read(f"{tag}-single.json"))
        expect(f"{name} {shards}: merged CSV {label} = single run's", read(f"{tag}-merged.csv") == read(f"{tag}-single.csv"))
    if shards >= 2:
        half = shards // 2
        run("merge", *parts[:half], "--partial", f"{tag}-a.part")
        run("merge", *parts[half:], "--partial", f"{tag}-b.part")
        t = run("merge", f"{tag}-b.part", f"{tag}-a.part", "--json", f"{tag}-tree.json", "-q")
        expect(f"{name} {shards}: tree merge = single run's", t.returncode == 0 and read(f"{tag}-tree.json") == read(f"{tag}-single.json"), t.stderr)
        run("merge", *reversed(parts[:half]), "--partial", f"{tag}-a2.part")
        expect(f"{name} {shards}: merged partial bytes independent of order", read(f"{tag}-a.part") == read(f"{tag}-a2.part"))
    return json.loads(read(f"{tag}-single.json"))


PERSON = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
          "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]


def keypoint_deliveries(seed, images, annotators):
    """COCO keypoint deliveries: people (17 keypoints, OKS with COCO's sigmas) and hands (3 named
    keypoints, no sigmas: PCK), with jitter, visibility flags that differ, misses, and attributes
    (occluded, colour) on boxes and people."""
    rng = random.Random(seed)
    imgs = [{"id": 1 + i, "file_name": f"kp{i:04d}.jpg", "width": 640, "height": 480} for i in range(images)]
    cats = [{"id": 1, "name": "person", "keypoints": PERSON, "skeleton": [[16, 14], [14, 12], [6, 8], [8, 10]]},
            {"id": 2, "name": "hand", "keypoints": ["wrist", "thumb", "index"], "skeleton": [[1, 2], [1, 3]]},
            {"id": 3, "name": "car"}]
    truth = {}
    for im in imgs:
        objs = []
        for _ in range(rng.randrange(0, 5)):
            cat = rng.choice([1, 1, 2, 3])
            x, y = rng.uniform(20, 500), rng.uniform(20, 350)
            w, h = rng.uniform(20, 120), rng.uniform(30, 120)
            K = 17 if cat == 1 else 3 if cat == 2 else 0
            pts = [(rng.uniform(x, x + w), rng.uniform(y, y + h), rng.choice([0, 1, 2, 2, 2])) for _ in range(K)]
            objs.append((cat, x, y, w, h, pts, rng.choice(["red", "blue", "green"])))
        truth[im["id"]] = objs
    out = {}
    for a, name in enumerate(annotators):
        anns, listed = [], []
        for im in imgs:
            if rng.random() < 0.04 * a:
                continue
            listed.append(im)
            for cat, x, y, w, h, pts, colour in truth[im["id"]]:
                if rng.random() < 0.08:
                    continue
                kps = []
                for px, py, v in pts:
                    if rng.random() < 0.1:
                        v = rng.choice([0, 1, 2])
                    kps += [round(px + rng.gauss(0, 3), 2), round(py + rng.gauss(0, 3), 2), v] if v else [0, 0, 0]
                ann = {"id": len(anns) + 1, "image_id": im["id"], "category_id": cat, "iscrowd": 0,
                       "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)], "area": round(w * h, 2),
                       "attributes": {"occluded": rng.random() < 0.3, "colour": colour if rng.random() < 0.85 else rng.choice(["red", "blue"])}}
                if kps:
                    ann["keypoints"] = kps
                    ann["num_keypoints"] = sum(1 for k in range(2, len(kps), 3) if kps[k] > 0)
                anns.append(ann)
        out[name] = {"images": listed, "annotations": anns, "categories": cats}
    return out


def line_deliveries(seed, images, annotators):
    """CVAT for images exports of lanes and kerbs (polylines, some drawn the other way) and signs
    (boxes), with attributes, misses and images some annotator left out."""
    rng = random.Random(seed)
    truth = []
    for i in range(images):
        objs = []
        for _ in range(rng.randrange(0, 5)):
            kind = rng.choice(["lane", "kerb", "sign"])
            pts = [(rng.uniform(10, 300), rng.uniform(10, 200)) for _ in range(rng.randrange(2, 6))]
            objs.append((kind, pts, rng.choice(["solid", "dashed"])))
        truth.append(objs)
    out = {}
    for a, name in enumerate(annotators):
        lines = ['<?xml version="1.0" encoding="utf-8"?>', "<annotations>", "  <version>1.1</version>"]
        for i, objs in enumerate(truth):
            if rng.random() < 0.04 * a:
                continue
            lines.append(f'  <image id="{i}" name="road{i:04d}.jpg" width="320" height="240">')
            for kind, pts, style in objs:
                if rng.random() < 0.08:
                    continue
                p = [(x + rng.gauss(0, 1.5), y + rng.gauss(0, 1.5)) for x, y in pts]
                style = style if rng.random() < 0.9 else rng.choice(["solid", "dashed"])
                attr = f'<attribute name="style">{style}</attribute>'
                if kind == "sign":
                    xs, ys = [q[0] for q in p], [q[1] for q in p]
                    lines.append(f'    <box label="sign" occluded="0" xtl="{min(xs):.2f}" ytl="{min(ys):.2f}" xbr="{max(xs) + 5:.2f}" '
                                 f'ybr="{max(ys) + 5:.2f}">{attr}</box>')
                    continue
                if rng.random() < 0.15:
                    p.reverse()
                pts_text = ";".join(f"{x:.2f},{y:.2f}" for x, y in p)
                lines.append(f'    <polyline label="{kind}" occluded="{int(rng.random() < 0.2)}" points="{pts_text}">{attr}</polyline>')
            lines.append("  </image>")
        lines.append("</annotations>")
        out[name] = "\n".join(lines) + "\n"
    return out


def check_line_sharding(name, data, shards, flags):
    """CVAT polylines split by image into shards: the merged report is the single run's."""
    os.makedirs(os.path.join(TMP, name), exist_ok=True)
    whole = []
    for ann, text in data.items():
        whole.append(f"{name}/{ann}.xml")
        with open(os.path.join(TMP, whole[-1]), "w") as f:
            f.write(text)
    rng = random.Random(shards)
    parts = []
    homes = {}
    for k in range(shards):
        files = []
        os.makedirs(os.path.join(TMP, f"{name}-{shards}-{k:02d}"), exist_ok=True)
        for ann, text in data.items():
            keep, inside = [], True
            for line in text.splitlines():
                if line.startswith("  <image "):
                    img = line.split('name="')[1].split('"')[0]
                    inside = homes.setdefault(img, rng.randrange(shards)) == k
                if inside or not line.startswith("    ") and not line.startswith("  <image") and not line.startswith("  </image"):
                    keep.append(line)
                if line.startswith("  </image>"):
                    inside = True
            files.append(f"{name}-{shards}-{k:02d}/{ann}.xml")
            with open(os.path.join(TMP, files[-1]), "w") as f:
                f.write("\n".join(keep) + "\n")
        part = f"{name}-{shards}-{k:02d}.part"
        p = run("agree", *files, *flags, "--input-names", ",".join(whole), "--partial", part)
        expect(f"{name} {shards}: partial {k}", p.returncode == 0, p.stderr)
        parts.append(part)
    return compare_merges(name, shards, whole, parts, flags)


def write_coco(folder, data):
    os.makedirs(os.path.join(TMP, folder), exist_ok=True)
    paths = []
    for name, d in data.items():
        path = f"{folder}/{name}.json"
        with open(os.path.join(TMP, path), "w") as f:
            json.dump(d, f)
        paths.append(path)
    return paths


def check_object_sharding(name, data, shards, flags, drop_empty=False):
    """COCO deliveries split by image into shards (every annotator's objects on an image in one
    shard): the merged report is the single run's over the whole files. With drop_empty, an
    annotator without images in a shard is left out of it (its pairs and classes then differ from
    the merged set's)."""
    whole = write_coco(name, data)
    rng = random.Random(shards)
    home = {im["id"]: rng.randrange(shards) for d in data.values() for im in d["images"]}
    parts = []
    for k in range(shards):
        piece = {}
        for ann, d in data.items():
            piece[ann] = {"images": [im for im in d["images"] if home[im["id"]] == k],
                          "annotations": [a for a in d["annotations"] if home[a["image_id"]] == k], "categories": d["categories"]}
        if drop_empty:
            piece = {ann: d for ann, d in piece.items() if d["images"]}
        files = write_coco(f"{name}-{shards}-{k:02d}", piece)
        part = f"{name}-{shards}-{k:02d}.part"
        names = [w for w in whole if os.path.basename(w)[:-5] in piece]
        p = run("agree", *files, *flags, "--input-names", ",".join(names), "--partial", part)
        expect(f"{name} {shards}: partial {k}", p.returncode == 0, p.stderr)
        parts.append(part)
    compare_merges(name, shards, whole, parts, flags)
    return parts


def main():
    coco = coco_deliveries(11, 400, ["alice", "bob", "carol"])
    for shards in (1, 2, 7, 50):
        check_object_sharding("objects", coco, shards, [])
    check_object_sharding("objflags", coco, 7, ["--per-image", "--match-by-class", "--iou-threshold", "0.6", "--bootstrap", "300", "--seed", "5"])
    check_object_sharding("objbox", coco, 7, ["--iou-type", "box"])
    # Keypoints (OKS and PCK classes, visibility), attributes of matched objects, polylines.
    kp = keypoint_deliveries(5, 300, ["ana", "ben", "cy"])
    for shards in (1, 2, 7, 40):
        check_object_sharding("keypoints", kp, shards, [])
    # A fourth annotator who labelled only the first images: most shards lack her.
    kp4 = dict(kp)
    kp4["bo"] = json.loads(json.dumps(kp["ben"]))
    kp4["bo"]["images"] = kp4["bo"]["images"][:25]
    kp4["bo"]["annotations"] = [a for a in kp4["bo"]["annotations"] if a["image_id"] <= kp4["bo"]["images"][-1]["id"]]
    check_object_sharding("keypoints4", kp4, 7, [], drop_empty=True)
    check_object_sharding("kpflags", kp, 7, ["--oks-threshold", "0.3", "--pck", "0.1", "--attributes", "colour", "--bootstrap", "200"])
    d = json.loads(read("keypoints7-single.json"))
    expect("keypoints shards: the single run has keypoint (OKS and PCK) and attribute sections",
           d.get("keypoints", {}).get("overall", {}).get("objects", 0) > 100 and len(d["keypoints"].get("per_class", [])) == 2 and
           {a["attribute"] for a in d.get("attributes", [])} == {"colour", "occluded"}, json.dumps(d.get("keypoints", {}))[:300])
    with open(os.path.join(TMP, "sigmas.json"), "w") as f:
        json.dump({"hand": {"wrist": 0.05, "thumb": 0.04, "index": 0.04}}, f)
    check_object_sharding("kpsigmas", kp, 7, ["--sigmas", os.path.join(TMP, "sigmas.json")])
    roads = line_deliveries(9, 300, ["ana", "ben", "cy"])
    for shards in (1, 7, 40):
        d = check_line_sharding("lines", roads, shards, ["--compare-direction"])
    expect("polyline shards: the single run has polyline and attribute sections",
           d.get("polylines", {}).get("overall", {}).get("objects", 0) > 100 and d["polylines"]["overall"].get("reversed", 0) > 0 and
           any(a["attribute"] == "style" for a in d.get("attributes", [])), json.dumps(d.get("polylines", {}))[:300])
    check_line_sharding("linesthick", roads, 7, ["--line-thickness", "0.02", "--ignore-attributes", "occluded"])
    d = json.loads(read("kpsigmas7-single.json"))
    expect("keypoints shards with --sigmas: hands compared by OKS", all(c.get("similarity") == "oks" for c in d["keypoints"]["per_class"]),
           json.dumps(d["keypoints"]["per_class"])[:300])
    run("agree", *write_coco("kpother", {k: v for k, v in kp.items()}), "--input-names", "keypoints/ana.json,keypoints/ben.json,keypoints/cy.json",
        "--oks-threshold", "0.7", "--partial", "kpother.part")
    r = run("merge", "keypoints-2-00.part", "kpother.part", "-q")
    expect("keypoints: another OKS threshold: exit 2 naming both", r.returncode == 2 and "kpother.part" in r.stderr and "oks_threshold=0.7" in r.stderr,
           r.stderr)

    # Refusals: an image in two shards, one annotator from two files, tracks, --matches, kinds mixed.
    obj = check_object_sharding("objrefuse", coco, 2, [])
    one = coco_deliveries(11, 3, ["alice", "bob", "carol"])
    files = write_coco("objrefuse-extra", one)
    run("agree", *files, "--input-names", "objrefuse/alice.json,objrefuse/bob.json,objrefuse/carol.json", "--partial", "objextra.part")
    r = run("merge", obj[1], "objextra.part", obj[0], "-q")
    expect("objects: an image in two shards: exit 2 naming the image and both files",
           r.returncode == 2 and "img0000.jpg" in r.stderr and "objextra.part" in r.stderr and "whole images" in r.stderr, r.stderr)
    files = write_coco("objrefuse-other", coco_deliveries(12, 5, ["alice", "bob", "carol"]))
    run("agree", *files, "--partial", "objother.part")
    r = run("merge", obj[0], "objother.part", "-q")
    expect("objects: one annotator from two files: exit 2 naming both", r.returncode == 2 and "objother.part" in r.stderr and "--input-names" in r.stderr,
           r.stderr)
    r = run("agree", *files, "--matches", "m.csv", "--partial", "m.part")
    expect("objects: --matches with --partial: usage error", r.returncode == 2 and "usage error" in r.stderr, r.stderr)
    run("agree", files[0], files[1], "--iou-threshold", "0.7", "--partial", "objiou.part")
    r = run("merge", obj[0], "objiou.part", "-q")
    expect("objects: other options: exit 2 naming both", r.returncode == 2 and "objiou.part" in r.stderr and "iou_threshold=0.7" in r.stderr, r.stderr)
    with open(os.path.join(TMP, "video.xml"), "w") as f:
        f.write('<annotations><meta><task><size>2</size></task></meta><track id="0" label="car">'
                '<box frame="0" xtl="1" ytl="1" xbr="20" ybr="20" outside="0" occluded="0"/>'
                '<box frame="1" xtl="2" ytl="1" xbr="21" ybr="20" outside="0" occluded="0"/></track></annotations>')
    r = run("agree", "video.xml", "video.xml", "--format", "cvat", "--annotators", "a,b", "--partial", "video.part")
    expect("objects: video tracks in a partial: usage error naming the track", r.returncode == 2 and "track" in r.stderr, r.stderr)
    nominal = ratings(1, 2500, 6, ["neg", "neu", "pos", "mixed"])
    for shards in (1, 2, 7, 50):
        check_sharding("nominal", nominal, shards, [])
    numeric = ratings(2, 1200, 4, [1, 2, 3, 4, 5])
    for level in ("ordinal", "interval", "ratio"):
        check_sharding(level, numeric, 7, ["--level", level])
    check_sharding("order", nominal, 7, ["--order", "neg,neu,mixed,pos", "--ci", "bootstrap", "--bootstrap", "300", "--seed", "9"])
    # "3" and "3.0" are one category, named as the first file names it.
    mixed = [(i, a, "3.0" if (l == 3 and i.endswith("7")) else l) for i, a, l in numeric]
    check_sharding("spelled", mixed, 7, ["--level", "interval"])

    # Gold: 2,000 items rated by 5 annotators, 300 of them gold.
    rng = random.Random(7)
    gold_rows, rows = [], []
    for i in range(2000):
        truth = rng.choice(["cat", "dog", "bird"])
        if i < 300:
            gold_rows.append((f"item-{i:05d}", truth))
        for a in range(5):
            if rng.random() < 0.3:
                continue
            rows.append((f"item-{i:05d}", f"ann{a}", truth if rng.random() < 0.85 - 0.05 * a else rng.choice(["cat", "dog", "bird"])))
    with open(os.path.join(TMP, "gold.csv"), "w") as f:
        f.write("item,label\n" + "".join(f"{i},{l}\n" for i, l in gold_rows))
    with open(os.path.join(TMP, "qa.toml"), "w") as f:
        f.write('[[rule]]\nmetric = "accuracy"\nmin = 0.75\n\n[[rule]]\nmetric = "recall"\nclass = "bird"\nmin = 0.8\ncompare = "ci_low"\n')
    for shards in (1, 2, 7, 50):
        gold_parts = check_gold_sharding(shards, rows, "gold.csv", "qa.toml")
    with open(os.path.join(TMP, "gold2.csv"), "w") as f:
        f.write("item,label\n" + "".join(f"{i},{l}\n" for i, l in gold_rows[:-1]))
    run("gold", "gold7-00.csv", "--gold", "gold2.csv", "--policy", "qa.toml", "--partial", "othergold.part")
    r = run("merge", "othergold.part", "gold7-01.part", "-q")
    expect("gold partials of other gold: exit 2 naming both", r.returncode == 2 and "othergold.part" in r.stderr and "gold7-01.part" in r.stderr, r.stderr)

    parts = check_sharding("refuse", nominal, 2, [])
    r = run("merge", parts[0], "objects-2-00.part", "-q")
    expect("label and object partials together: exit 2 naming both", r.returncode == 2 and "objects-2-00.part" in r.stderr and parts[0] in r.stderr,
           r.stderr)
    r = run("merge", parts[0], gold_parts[0], "-q")
    expect("agree and gold partials together: exit 2", r.returncode == 2 and "gold" in r.stderr, r.stderr)
    p = run("agree", "refuse2-00.csv", "--seed", "4", "--partial", "seed4.part")
    r = run("merge", parts[1], "seed4.part", "-q")
    expect("different options: exit 2 naming both files", r.returncode == 2 and "seed4.part" in r.stderr and parts[1] in r.stderr and "seed=4" in r.stderr,
           r.stderr)
    with open(os.path.join(TMP, "extra.csv"), "w") as f:
        f.write("item,annotator,label\nitem-00000,zed,neg\n")
    run("agree", "extra.csv", "--partial", "extra.part")
    r = run("merge", "extra.part", *parts, "-q")
    expect("an item in two shards: exit 2 naming the item and both files",
           r.returncode == 2 and 'item "item-00000"' in r.stderr and "extra.part" in r.stderr, r.stderr)
    r = run("merge", parts[0], parts[0], "-q")
    expect("a shard twice: exit 2", r.returncode == 2 and "twice" in r.stderr, r.stderr)
    data = read(parts[0])
    for label, damaged in (("cut short", data[: len(data) // 2]), ("a flipped byte", data[:40] + bytes([data[40] ^ 1]) + data[41:]),
                           ("empty", b""), ("another format", b"item,annotator,label\n")):
        with open(os.path.join(TMP, "bad.part"), "wb") as f:
            f.write(damaged)
        r = run("merge", "bad.part", parts[1], "-q")
        expect(f"a partial {label}: exit 2 naming it", r.returncode == 2 and "bad.part" in r.stderr and "error" in r.stderr, r.stderr)
    r = run("agree", "refuse2-00.csv", "--partial", "x.part", "--json", "x.json")
    expect("--partial with a report: usage error", r.returncode == 2, r.stderr)
    r = run("agree", "refuse2-00.csv", "--partial", "refuse2-00.csv")
    expect("--partial onto an input: refused", r.returncode == 2 and "refus" in r.stderr, r.stderr)
    g = run("merge", *parts, "--min", "fleiss_kappa=0.99", "-q")
    expect("merge gates: exit 1", g.returncode == 1 and "gate failed" in g.stderr, g.stderr)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
