#!/usr/bin/env python3
"""Writes the hand-made defect fixtures of `labelqa validate`: one small file per finding code,
each with exactly one defect, and a clean delivery with none. The expected findings are in
tests/cli/test_validate.py. Run from anywhere: python3 tests/data/defects/make_defects.py"""
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
W, H = 100, 80
CATEGORIES = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
IMAGE = {"id": 1, "file_name": "a.jpg", "width": W, "height": H}


def square(x, y, s):
    return [x, y, x + s, y, x + s, y + s, x, y + s]


def coco(name, annotations, images=None, categories=None):
    doc = {"images": images or [IMAGE], "categories": categories or CATEGORIES, "annotations": annotations}
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def ann(i, cat=1, seg=None, bbox=None, image=1, **extra):
    a = {"id": i, "image_id": image, "category_id": cat, "iscrowd": 0}
    if seg is not None:
        a["segmentation"] = seg
    if bbox is not None:
        a["bbox"] = bbox
    a.update(extra)
    return a


def png(path, rows):
    """An 8-bit grayscale PNG of the given rows of values."""
    h, w = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return data


def mask(fill=1, block=None):
    rows = [[fill] * 20 for _ in range(16)]
    if block:
        x, y, w, h, v = block
        for r in range(y, y + h):
            for c in range(x, x + w):
                rows[r][c] = v
    return rows


def cvat_video(name, boxes, colours=None):
    """boxes: (frame, outside, xtl, ytl, xbr, ybr) of track 0, label cat; colours: its mutable
    attribute "colour" per box."""
    shapes = "\n".join(
        f'    <box frame="{f}" outside="{o}" occluded="0" keyframe="1" xtl="{a:.2f}" ytl="{b:.2f}" xbr="{c:.2f}" ybr="{d:.2f}" z_order="0">'
        + (f'<attribute name="colour">{colours[k]}</attribute>' if colours else "") + '</box>'
        for k, (f, o, a, b, c, d) in enumerate(boxes))
    cat_attributes = ("<attribute><name>colour</name><mutable>True</mutable><input_type>select</input_type>"
                      "<default_value>red</default_value><values>red\nblue</values></attribute>") if colours else ""
    text = f"""<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <id>1</id>
      <name>walk</name>
      <size>6</size>
      <mode>interpolation</mode>
      <start_frame>0</start_frame>
      <stop_frame>5</stop_frame>
      <labels>
        <label><name>cat</name><attributes>{cat_attributes}</attributes></label>
        <label><name>dog</name><attributes></attributes></label>
      </labels>
      <original_size><width>{W}</width><height>{H}</height></original_size>
    </task>
  </meta>
  <track id="0" label="cat">
{shapes}
  </track>
</annotations>
"""
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)


def main():
    with open(os.path.join(HERE, "classes.csv"), "w") as f:
        f.write("value,name\n0,unlabeled\n1,cat\n2,dog\n")
    # A clean delivery: two polygons apart, a box, consistent bbox and area.
    os.makedirs(os.path.join(HERE, "clean"), exist_ok=True)
    coco("clean/clean.json", [ann(1, 1, [square(10, 10, 30)], [10, 10, 30, 30], area=900),
                              ann(2, 2, [square(50, 20, 20)], [50, 20, 20, 20], area=400),
                              ann(3, 1, None, [60, 50, 30, 20], area=600)])
    png(os.path.join(HERE, "clean", "masks", "a.png"), mask(1, (0, 0, 10, 16, 2)))

    text = json.dumps({"images": [IMAGE], "categories": CATEGORIES, "annotations": [ann(1, 1, None, [1, 2, 3, 4])]}, indent=1)
    with open(os.path.join(HERE, "broken_file.json"), "w") as f:
        f.write(text[: text.index('"bbox"') + 14])  # cut inside the bbox: a truncated download
    coco("schema.json", [ann(1, 1, None, [10, 10, 20, 20]), {"id": 2, "image_id": 1, "bbox": [40, 40, 10, 10]}])
    coco("missing_reference.json", [ann(1, 1, None, [10, 10, 20, 20]), ann(3, 1, None, [40, 40, 10, 10], image=99)])
    coco("unknown_class.json", [ann(4, 3, None, [10, 10, 20, 20])], categories=CATEGORIES + [{"id": 3, "name": "unicorn"}])
    coco("out_of_image.json", [ann(5, 1, [[10, 10, 120, 10, 60, 50]], [10, 10, 110, 40])])
    coco("degenerate.json", [ann(6, 1, [[10, 10, 30, 30]], [10, 10, 20, 20])])
    coco("self_intersection.json", [ann(7, 1, [[10, 10, 50, 50, 50, 10, 10, 50]], [10, 10, 40, 40])])
    coco("overlap.json", [ann(8, 1, [square(10, 10, 30)], [10, 10, 30, 30]), ann(9, 2, [square(30, 30, 30)], [30, 30, 30, 30])])
    coco("duplicate.json", [ann(10, 1, None, [10, 10, 40, 40]), ann(11, 1, None, [10, 10, 40, 41])])
    coco("bbox_mismatch.json", [ann(12, 1, [square(10, 10, 30)], [0, 0, 50, 50])])
    coco("bbox_mismatch_area.json", [ann(13, 1, [square(10, 10, 30)], [10, 10, 30, 30], area=5000)])
    coco("outside_path.json", [ann(14, 1, None, [10, 10, 20, 20])], images=[dict(IMAGE, file_name="../../etc/passwd")])
    cvat_video("track_gap.xml", [(0, 0, 10, 10, 30, 30), (1, 0, 10, 10, 30, 30), (2, 1, 10, 10, 30, 30),
                                 (4, 0, 10, 10, 30, 30), (5, 0, 10, 10, 30, 30)])
    # The track ends at frame 2 (outside), and its colour changes to blue there, where nothing is
    # drawn: no frame shows blue.
    cvat_video("outside_attribute.xml", [(0, 0, 10, 10, 30, 30), (1, 0, 10, 10, 30, 30), (2, 1, 10, 10, 30, 30)],
               colours=["red", "red", "blue"])
    # A CVAT polyline of one point: a line needs two.
    with open(os.path.join(HERE, "polyline.xml"), "w") as f:
        f.write(f"""<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <image id="0" name="road.jpg" width="{W}" height="{H}">
    <polyline label="cat" occluded="0" points="10,10;30,20" z_order="0"/>
    <polyline label="dog" occluded="0" points="40,40" z_order="0"/>
  </image>
</annotations>
""")
    cvat_video("track_jump.xml", [(0, 0, 10, 10, 30, 30), (1, 0, 11, 10, 31, 30), (2, 0, 70, 50, 90, 70), (5, 0, 70, 50, 90, 70)])
    # Semantic masks of 20 x 16: a 5 x 4 unlabeled block; a 3 x 2 block of a value the class map
    # does not name; a truncated PNG.
    png(os.path.join(HERE, "unlabeled_region", "a.png"), mask(1, (2, 3, 5, 4, 0)))
    png(os.path.join(HERE, "unknown_value", "a.png"), mask(1, (10, 5, 3, 2, 7)))
    data = png(os.path.join(HERE, "broken_png", "a.png"), mask(1))
    with open(os.path.join(HERE, "broken_png", "a.png"), "wb") as f:
        f.write(data[:40])
    # A mask whose image is larger than it.
    png(os.path.join(HERE, "mask_size", "masks", "a.png"), mask(1))
    png(os.path.join(HERE, "mask_size", "images", "a.png"), [[0] * 24 for _ in range(16)])


if __name__ == "__main__":
    main()
