"""labelqa.mask against pycocotools' maskApi: a literal Python port of its C functions (rleEncode,
rleDecode, rleToString, rleFrString, rleArea, rleToBbox, rleMerge, bbIou, rleIou, rleFrPoly) is
the oracle, on the fixtures of the C++ tests (tests/unit/test_geometry_rle.cpp) and random ones."""
import math
import os
import random

import numpy as np
import pytest

from labelqa import mask
from conftest import SOURCE

# ---- pycocotools' maskApi.c, line for line ---------------------------------------------------


def c_int(x):
    """C's (int) of a double on x86: truncation, and INT_MIN for NaN or out of range."""
    if math.isnan(x) or not (-2**31 <= x < 2**31):
        return -2**31
    return int(x)


def rle_encode(flat):
    cnts, p, c = [], 0, 0
    for v in flat:
        if v != p:
            cnts.append(c)
            c = 0
            p = v
        c += 1
    cnts.append(c)
    return cnts


def rle_to_string(cnts):
    s = bytearray()
    for i, c in enumerate(cnts):
        x = c - (cnts[i - 2] if i > 2 else 0)
        more = True
        while more:
            ch = x & 0x1F
            x >>= 5
            more = (x != -1) if (ch & 0x10) else (x != 0)
            if more:
                ch |= 0x20
            s.append(ch + 48)
    return bytes(s)


def rle_fr_string(s):
    cnts, p = [], 0
    while p < len(s):
        x, k, more = 0, 0, True
        while more:
            c = s[p] - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(cnts) > 2:
            x += cnts[-2]
        cnts.append(x)
    return cnts


def rle_decode(cnts, h, w):
    out, v = [], 0
    for c in cnts:
        out += [v] * c
        v = 1 - v
    return np.array(out, dtype=np.uint8).reshape((h, w), order="F")


def rle_area(cnts):
    return sum(cnts[1::2])


def rle_to_bbox(cnts, h, w):
    m = len(cnts) // 2 * 2
    if m == 0:
        return [0.0, 0.0, 0.0, 0.0]
    xs, ys, xe, ye, cc, xp = w, h, 0, 0, 0, 0
    for j in range(m):
        cc += cnts[j]
        t = cc - j % 2
        y = t % h
        x = (t - y) // h
        if j % 2 == 0:
            xp = x
        elif xp < x:
            ys, ye = 0, h - 1
        xs, xe, ys, ye = min(xs, x), max(xe, x), min(ys, y), max(ye, y)
    return [float(xs), float(ys), float(xe - xs + 1), float(ye - ys + 1)]


def rle_merge(rles, intersect):
    h, w = rles[0][1], rles[0][2]
    if any(r[1] != h or r[2] != w for r in rles):
        return [], 0, 0
    acc = rle_decode(rles[0][0], h, w).flatten(order="F").astype(bool)
    for r in rles[1:]:
        other = rle_decode(r[0], h, w).flatten(order="F").astype(bool)
        acc = acc & other if intersect else acc | other
    return rle_encode(acc.astype(np.uint8)), h, w


def bb_iou(d, g, crowd):
    w = min(d[2] + d[0], g[2] + g[0]) - max(d[0], g[0])
    if w <= 0:
        return 0.0
    h = min(d[3] + d[1], g[3] + g[1]) - max(d[1], g[1])
    if h <= 0:
        return 0.0
    i = w * h
    u = d[2] * d[3] if crowd else d[2] * d[3] + g[2] * g[3] - i
    return i / u


def rle_iou(d, g, crowd):
    (dc, dh, dw), (gc, gh, gw) = d, g
    o = bb_iou(rle_to_bbox(dc, dh, dw), rle_to_bbox(gc, gh, gw), crowd)
    if o <= 0:
        return o
    if dh != gh or dw != gw:
        return -1.0
    a = rle_decode(dc, dh, dw).astype(bool)
    b = rle_decode(gc, gh, gw).astype(bool)
    i = int((a & b).sum())
    u = int(a.sum()) if crowd else int((a | b).sum())
    if i == 0:
        u = 1
    return i / u


def rle_fr_poly(xy, h, w):
    k = len(xy) // 2
    scale = 5.0
    x = [c_int(scale * xy[2 * j] + 0.5) for j in range(k)] + [0]
    y = [c_int(scale * xy[2 * j + 1] + 0.5) for j in range(k)] + [0]
    x[k], y[k] = x[0], y[0]
    u, v = [], []
    for j in range(k):
        xs, xe, ys, ye = x[j], x[j + 1], y[j], y[j + 1]
        dx, dy = abs(xe - xs), abs(ys - ye)
        flip = (dx >= dy and xs > xe) or (dx < dy and ys > ye)
        if flip:
            xs, xe, ys, ye = xe, xs, ye, ys
        if dx >= dy:
            s = (ye - ys) / dx if dx else math.nan
            for d in range(dx + 1):
                t = dx - d if flip else d
                u.append(t + xs)
                v.append(c_int(ys + s * t + 0.5))
        else:
            s = (xe - xs) / dy
            for d in range(dy + 1):
                t = dy - d if flip else d
                v.append(t + ys)
                u.append(c_int(xs + s * t + 0.5))
    px, py = [], []
    for j in range(1, len(u)):
        if u[j] == u[j - 1]:
            continue
        xd = float(u[j] if u[j] < u[j - 1] else u[j] - 1)
        xd = (xd + 0.5) / scale - 0.5
        if math.floor(xd) != xd or xd < 0 or xd > w - 1:
            continue
        yd = float(v[j] if v[j] < v[j - 1] else v[j - 1])
        yd = (yd + 0.5) / scale - 0.5
        yd = 0.0 if yd < 0 else (float(h) if yd > h else yd)
        px.append(int(xd))
        py.append(int(math.ceil(yd)))
    a = sorted([(px[j] * h + py[j]) & 0xFFFFFFFF for j in range(len(px))] + [h * w])
    prev = 0
    for j in range(len(a)):
        a[j], prev = a[j] - prev, a[j]
    b, j = [a[0]], 1
    while j < len(a):
        if a[j] > 0:
            b.append(a[j])
            j += 1
        else:
            j += 1
            if j < len(a):
                b[-1] += a[j]
                j += 1
    return b


def counts_of(rle):
    return rle_fr_string(rle["counts"])


# ---- fixtures ----------------------------------------------------------------------------------


def random_mask(rng, h, w, density):
    return (np.array([[rng.random() < density for _ in range(w)] for _ in range(h)], dtype=np.uint8))


def test_box_derived_by_hand():
    # tests/unit/test_geometry_rle.cpp: box [0,0,2,2] on 4x4 is counts 0, 2, 2, 2, 10.
    r = mask.frPyObjects([[0, 0, 2, 2]], 4, 4)[0]
    assert r == {"size": [4, 4], "counts": b"02208"}
    assert mask.area(r) == 4 and mask.area(r).dtype == np.uint32
    assert mask.toBbox(r).tolist() == [0.0, 0.0, 2.0, 2.0]


def test_encode_decode_area_bbox_against_maskapi():
    rng = random.Random(5)
    for trial in range(60):
        h, w = rng.randint(1, 30), rng.randint(1, 30)
        m = random_mask(rng, h, w, rng.choice([0.0, 0.05, 0.5, 0.95, 1.0]))
        f = np.asfortranarray(m)
        r = mask.encode(f)
        expected = rle_encode(m.flatten(order="F"))
        assert r["size"] == [h, w]
        assert r["counts"] == rle_to_string(expected), trial
        assert isinstance(r["counts"], bytes)
        d = mask.decode(r)
        assert d.dtype == np.uint8 and d.flags["F_CONTIGUOUS"] and d.shape == (h, w)
        assert (d == m).all()
        assert int(mask.area(r)) == rle_area(expected)
        assert mask.toBbox(r).tolist() == rle_to_bbox(expected, h, w)
    # Several at once: h x w x n in, a list out; decode of a list gives h x w x n.
    stack = np.asfortranarray(np.stack([random_mask(rng, 7, 9, 0.4) for _ in range(4)], axis=2))
    rles = mask.encode(stack)
    assert len(rles) == 4
    assert (mask.decode(rles) == stack).all() and mask.decode(rles).flags["F_CONTIGUOUS"]
    assert mask.area(rles).tolist() == [int(stack[:, :, i].sum()) for i in range(4)]
    assert mask.toBbox(rles).shape == (4, 4)


def test_values_other_than_0_and_1_encode_as_maskapi_does():
    m = np.asfortranarray(np.array([[0, 1, 2, 2, 0, 3]], dtype=np.uint8))
    assert mask.encode(m)["counts"] == rle_to_string(rle_encode(m.flatten(order="F")))


def test_encode_needs_fortran_uint8():
    with pytest.raises(ValueError):
        mask.encode(np.zeros((3, 4, 2), dtype=np.uint8))  # C order
    with pytest.raises(ValueError):
        mask.encode(np.zeros((3, 4, 1), dtype=np.float64, order="F"))


def test_polygons_against_rlefrpoly():
    rng = random.Random(11)
    for trial in range(300):
        h, w = rng.randint(1, 60), rng.randint(1, 60)
        k = rng.randint(3, 12)
        poly = []
        for _ in range(k):
            poly += [round(rng.uniform(-5, w + 5), rng.choice([0, 1, 2, 6])), round(rng.uniform(-5, h + 5), rng.choice([0, 1, 2, 6]))]
        r = mask.frPyObjects([poly], h, w)[0]
        assert r["counts"] == rle_to_string(rle_fr_poly(poly, h, w)), (trial, poly, h, w)
        with pytest.raises(TypeError):  # one flat polygon: pycocotools' len(pyobj[0]) fails on its first number
            mask.frPyObjects(poly, h, w)
    # A repeated vertex (pycocotools divides 0 by 0 there).
    poly = [1, 1, 1, 1, 8, 2, 5, 9]
    assert mask.frPyObjects([poly], 12, 12)[0]["counts"] == rle_to_string(rle_fr_poly(poly, 12, 12))


def test_boxes_and_uncompressed_counts():
    rng = random.Random(2)
    boxes = [[rng.uniform(-3, 20), rng.uniform(-3, 20), rng.uniform(0, 15), rng.uniform(0, 15)] for _ in range(40)]
    got = mask.frPyObjects(np.array(boxes), 24, 22)
    assert got == mask.frPyObjects(boxes, 24, 22)
    for b, r in zip(boxes, got):
        x0, y0, x1, y1 = b[0], b[1], b[0] + b[2], b[1] + b[3]
        assert r["counts"] == rle_to_string(rle_fr_poly([x0, y0, x0, y1, x1, y1, x1, y0], 24, 22))
    un = {"size": [3, 4], "counts": [2, 3, 1, 6]}
    assert mask.frPyObjects(un, 3, 4) == {"size": [3, 4], "counts": rle_to_string([2, 3, 1, 6])}
    assert mask.frPyObjects([un, un], 3, 4) == [mask.frPyObjects(un, 3, 4)] * 2
    with pytest.raises(Exception):
        mask.frPyObjects("nothing", 3, 4)


def test_merge_and_iou_against_maskapi():
    rng = random.Random(9)
    rles = [mask.encode(np.asfortranarray(random_mask(rng, 12, 10, rng.choice([0.0, 0.1, 0.3, 0.6])))) for _ in range(12)]
    raw = [(counts_of(r), 12, 10) for r in rles]
    for intersect in (0, 1):
        got = mask.merge(rles[:5], intersect=intersect)
        c, h, w = rle_merge(raw[:5], intersect)
        assert got == {"size": [h, w], "counts": rle_to_string(c)}
    crowd = [rng.random() < 0.3 for _ in range(7)]
    got = mask.iou(rles[:5], rles[5:], crowd)
    assert got.shape == (5, 7) and got.flags["F_CONTIGUOUS"] and got.dtype == np.float64
    for i in range(5):
        for j in range(7):
            assert got[i, j] == rle_iou(raw[i], raw[5 + j], crowd[j])
    boxes_d = [[rng.uniform(0, 10), rng.uniform(0, 10), rng.uniform(0, 6), rng.uniform(0, 6)] for _ in range(6)]
    boxes_g = [[rng.uniform(0, 10), rng.uniform(0, 10), rng.uniform(0, 6), rng.uniform(0, 6)] for _ in range(4)]
    gb = mask.iou(boxes_d, np.array(boxes_g), [0, 1, 0, 0])
    for i in range(6):
        for j in range(4):
            assert gb[i, j] == bb_iou(boxes_d[i], boxes_g[j], j == 1)
    assert mask.iou([], rles, [0] * 12) == []
    with pytest.raises(Exception):
        mask.iou(rles[:2], boxes_g, [0] * 4)
    with pytest.raises(Exception):
        mask.iou(rles[:2], rles[:3], [0, 0])


def test_different_sizes_as_maskapi_treats_them():
    a = mask.frPyObjects([[0, 0, 5, 5]], 10, 10)[0]
    b = mask.frPyObjects([[0, 0, 5, 5]], 12, 10)[0]
    assert mask.iou([a], [b], [0])[0, 0] == -1.0  # boxes overlap, sizes differ: rleIou gives -1
    assert mask.merge([a, b]) == {"size": [0, 0], "counts": b""}


def test_malformed_counts_are_refused():
    with pytest.raises(ValueError):
        mask.decode({"size": [4, 5], "counts": b"02208"})  # sums to 16, not 20
    with pytest.raises(TypeError):
        mask.area({"size": [4, 5], "counts": [1, 2]})


def test_pycocotools_own_strings_round_trip():
    path = os.path.join(SOURCE, "..", "shared", "samples", "coco", "cocoapi-results", "instances_val2014_fakesegm100_results.json")
    if not os.path.exists(path):
        pytest.skip("../shared/samples is absent: pycocotools' own RLE strings are not checked (they are where the samples are)")
    import json

    with open(path) as f:
        anns = json.load(f)
    assert len(anns) == 734
    segs = [a["segmentation"] for a in anns]
    for s in segs:
        d = mask.decode(s)
        again = mask.encode(np.asfortranarray(d))
        assert again["counts"] == s["counts"].encode()
        assert int(mask.area(s)) == int(d.sum()) > 0
        assert mask.toBbox(s).tolist() == rle_to_bbox(counts_of({"counts": s["counts"].encode()}), *s["size"])
