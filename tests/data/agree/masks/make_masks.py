#!/usr/bin/python3
"""Writes the PNG mask fixtures of tests/data/agree/masks (run from anywhere; deterministic).

The arrays are defined here once: the binary test imports this module and computes the expected
numbers from the same arrays with numpy, independently of labelqa's code.
"""
import os
import struct
import sys
import zlib

import numpy as np

W, H = 40, 30
HERE = os.path.dirname(os.path.abspath(__file__))


def png(path, arr, depth=8, palette=None):
    """Writes a grayscale (8/16-bit) or palette PNG with filter type 0 on every row."""
    arr = np.asarray(arr)
    h, w = arr.shape
    color_type = 3 if palette is not None else 0
    if depth == 16:
        rows = arr.astype(">u2").tobytes()
        stride = w * 2
    else:
        rows = arr.astype(np.uint8).tobytes()
        stride = w
    raw = b"".join(b"\x00" + rows[y * stride:(y + 1) * stride] for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(c for rgb in palette for c in rgb))
    out += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(out)


def semantic():
    """{annotator: {name: (array, depth, palette)}} of the semantic fixtures (values: class ids, 255 ignore)."""
    pal = [(0, 0, 0), (128, 64, 128), (0, 0, 142), (220, 20, 60)] + [(i, i, i) for i in range(4, 256)]
    a1 = np.zeros((H, W), np.uint16)
    a1[5:15, 5:20] = 1
    a1[18:28, 22:38] = 2
    a1[0, :] = 255
    a2 = np.zeros((H, W), np.uint16)
    a2[6:16, 5:20] = 1
    a2[18:28, 25:38] = 2
    a2[2:4, 30:34] = 3
    a2[0, :] = 255
    b1 = np.zeros((H, W), np.uint16)
    b1[0:10, 0:10] = 2
    b1[20:30, 0:40] = 1
    b2 = b1.copy()
    b2[0:10, 0:12] = 2
    b2[25:30, 0:40] = 300  # a value the class map does not name
    c1 = np.zeros((H, W), np.uint16)
    c1[10:20, 10:30] = 3
    c2 = np.zeros((H, W), np.uint16)
    c2[10:20, 12:30] = 3
    c2[29, 39] = 255
    d1 = np.ones((H, W), np.uint16)
    return {
        "ann1": {"a.png": (a1, 8, None), "b.png": (b1, 16, None), "c.png": (c1, 8, pal), "d.png": (d1, 8, None)},
        "ann2": {"a.png": (a2, 8, None), "b.png": (b2, 16, None), "c.png": (c2, 8, pal)},
    }


def instances():
    """Instance-id masks (16-bit, class * 1000 + instance)."""
    i1 = np.zeros((H, W), np.uint16)
    i1[2:12, 2:12] = 24001
    i1[15:25, 2:12] = 24002
    i1[5:20, 20:35] = 26001
    i2 = np.zeros((H, W), np.uint16)
    i2[2:12, 3:12] = 24001
    i2[5:20, 21:35] = 26001
    i2[26:29, 36:39] = 26002
    return {"ann1": {"i.png": (i1, 16, None)}, "ann2": {"i.png": (i2, 16, None)}}


def main():
    for ann, files in semantic().items():
        for name, (arr, depth, pal) in files.items():
            png(os.path.join(HERE, "semantic", ann, name), arr, depth, pal)
    for ann, files in instances().items():
        for name, (arr, depth, pal) in files.items():
            png(os.path.join(HERE, "instances", ann, name), arr, depth, pal)
    # Bad inputs: masks of one image with different sizes, and a truncated PNG.
    png(os.path.join(HERE, "bad_size", "ann1", "x.png"), np.zeros((H, W)))
    png(os.path.join(HERE, "bad_size", "ann2", "x.png"), np.zeros((H, W - 1)))
    png(os.path.join(HERE, "corrupt", "ann1", "y.png"), np.zeros((H, W)))
    png(os.path.join(HERE, "corrupt", "ann2", "y.png"), np.arange(H * W).reshape(H, W) % 7)
    path = os.path.join(HERE, "corrupt", "ann2", "y.png")
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(HERE, "classes.csv"), "w") as f:
        f.write("value,name\n0,background\n1,road\n2,car\n3,person\n")
    with open(os.path.join(HERE, "instance_classes.json"), "w") as f:
        f.write('{"24": "person", "26": "car"}\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
