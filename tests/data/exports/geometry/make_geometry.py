#!/usr/bin/env python3
"""Writes exact.json, exact2.json and boxes.json (COCO) for the one-geometry tests.

Two images of 100x100, three polygons each: a 40x40 square with a 20x20 corner cut off (area 1400).
Annotator "exact" (and "exact2") draws the pentagons; "boxes" draws each as its bounding rectangle.
By pixels the pentagon covers about 7/8 of the square (IoU about 0.875); by boxes they are identical.
"""
import json


def coco(as_box):
    anns, aid = [], 0
    for img in (1, 2):
        for (x, y) in ((5, 5), (55, 5), (30, 55)):
            aid += 1
            pent = [x, y, x + 40, y, x + 40, y + 20, x + 20, y + 40, x, y + 40]
            rect = [x, y, x + 40, y, x + 40, y + 40, x, y + 40]
            anns.append({"id": aid, "image_id": img, "category_id": 1, "iscrowd": 0, "bbox": [x, y, 40, 40],
                         "area": 1600 if as_box else 1400, "segmentation": [rect if as_box else pent]})
    return {"images": [{"id": i, "file_name": f"img{i}.jpg", "width": 100, "height": 100} for i in (1, 2)],
            "categories": [{"id": 1, "name": "sign"}], "annotations": anns}


json.dump(coco(False), open("exact.json", "w"), indent=1)
json.dump(coco(False), open("exact2.json", "w"), indent=1)
json.dump(coco(True), open("boxes.json", "w"), indent=1)
