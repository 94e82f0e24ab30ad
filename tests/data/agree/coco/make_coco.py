#!/usr/bin/python3
"""Writes the COCO fixtures of tests/data/agree/coco (deterministic; run from anywhere).

Every shape is an axis-aligned rectangle with integer corners, so its pixels are known without
any rasteriser: pycocotools covers exactly columns x0..x1-1 and rows y0..y1-1 for such a polygon
or box. The binary test computes the expected numbers from the rectangles below.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
W, H = 100, 80


def rect_poly(x0, y0, x1, y1):
    return [[x0, y0, x1, y0, x1, y1, x0, y1]]


def rect_counts(x0, y0, x1, y1, h=H, w=W):
    """Uncompressed column-major RLE of a rectangle (COCO layout: runs start with background)."""
    counts, pos = [], 0
    for x in range(x0, x1):
        start = x * h + y0
        counts += [start - pos, y1 - y0]
        pos = x * h + y1
    counts.append(h * w - pos)
    # merge zero-length background runs between adjacent full columns
    out = [counts[0]]
    i = 1
    while i < len(counts):
        if i + 1 < len(counts) and counts[i + 1] == 0 and i + 2 < len(counts):
            counts[i + 2] += counts[i]
            i += 2
            continue
        out.append(counts[i])
        i += 1
    return out


def compress(counts):
    """COCO's compressed counts string (pycocotools rleToString)."""
    s = []
    for i, x in enumerate(counts):
        if i > 2:
            x -= counts[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            s.append(chr(c + 48))
    return "".join(s)


# Rectangles (x0, y0, x1, y1) by annotation; see the docstring.
ALICE = {
    "images": [("img1.jpg", 1), ("img2.jpg", 2), ("img3.jpg", 3), ("img4.jpg", 4)],
    "categories": [(1, "cat"), (2, "dog")],
    "annotations": [
        # id, image id, category id, kind, rect, iscrowd
        (1, 1, 1, "box", (10, 10, 40, 30), 0),
        (2, 1, 2, "polygon", (50, 10, 90, 50), 0),
        (3, 1, 1, "polygon", (10, 60, 20, 70), 0),
        (4, 2, 2, "rle", (0, 0, 20, 20), 1),
        (5, 2, 1, "rle", (40, 40, 60, 60), 0),
        (6, 4, 1, "box", (0, 0, 10, 10), 0),
    ],
}
BOB = {
    "images": [("img2.jpg", 10), ("img1.jpg", 11), ("img3.jpg", 12), ("img5.jpg", 13)],
    "categories": [(1, "dog"), (3, "cat"), (7, "bird")],
    "annotations": [
        (101, 11, 3, "box", (12, 10, 42, 30), 0),
        (102, 11, 3, "polygon", (52, 10, 90, 50), 0),
        (103, 10, 1, "rle_string", (0, 0, 18, 20), 0),
        (104, 10, 3, "polygon", (40, 45, 60, 60), 0),
        (105, 10, 7, "box", (70, 60, 80, 70), 0),
        (106, 13, 1, "box", (0, 0, 5, 5), 0),
    ],
}


def build(spec):
    images = [{"id": i, "file_name": n, "width": W, "height": H} for n, i in spec["images"]]
    cats = [{"id": i, "name": n, "supercategory": "animal"} for i, n in spec["categories"]]
    anns = []
    for aid, img, cat, kind, (x0, y0, x1, y1), crowd in spec["annotations"]:
        a = {"id": aid, "image_id": img, "category_id": cat, "iscrowd": crowd,
             "bbox": [x0, y0, x1 - x0, y1 - y0], "area": (x1 - x0) * (y1 - y0)}
        if kind == "box":
            a["segmentation"] = []
        elif kind == "polygon":
            a["segmentation"] = rect_poly(x0, y0, x1, y1)
        elif kind == "rle":
            a["segmentation"] = {"size": [H, W], "counts": rect_counts(x0, y0, x1, y1)}
        else:
            a["segmentation"] = {"size": [H, W], "counts": compress(rect_counts(x0, y0, x1, y1))}
        anns.append(a)
    return {"info": {"description": "labelqa test fixture"}, "images": images, "annotations": anns, "categories": cats}


def write(name, obj, text=None):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text if text is not None else json.dumps(obj, indent=1) + "\n")


def main():
    write("alice.json", build(ALICE))
    write("bob.json", build(BOB))
    bad = os.path.join(HERE, "bad")
    os.makedirs(bad, exist_ok=True)
    text = json.dumps(build(ALICE), indent=1)
    write("bad/truncated.json", None, text[: len(text) * 2 // 3])
    odd = build(ALICE)
    odd["annotations"][1]["segmentation"] = [[50, 10, 90, 10, 90, 50, 50]]
    write("bad/odd_polygon.json", odd)
    rle = build(ALICE)
    rle["annotations"][4]["segmentation"]["counts"][-1] += 1
    write("bad/rle_sum.json", rle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
