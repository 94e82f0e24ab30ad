#!/usr/bin/env python3
"""Writes a.json and b.json (COCO) for the crowd-region tests.

One 100x100 image. Both files hold a crowd region (iscrowd 1, the box 0..60 x 0..60) and two cars;
b's first car is shifted by one pixel, and b also marks one person (10..20 x 10..30) inside the crowd
region, which a did not draw. COCOeval treats a crowd region as an ignore region: the person is
neither matched nor missed (ignored), the crowd regions are no objects, the cars match.
"""
import json


def coco(people, cars):
    anns = []

    def add(cat, bbox, crowd=0):
        x, y, w, h = bbox
        anns.append({"id": len(anns) + 1, "image_id": 1, "category_id": cat, "bbox": bbox, "area": w * h, "iscrowd": crowd,
                     "segmentation": [[x, y, x + w, y, x + w, y + h, x, y + h]]})
    add(1, [0, 0, 60, 60], 1)
    for p in people:
        add(1, p)
    for c in cars:
        add(2, c)
    return {"images": [{"id": 1, "file_name": "street.jpg", "width": 100, "height": 100}],
            "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}], "annotations": anns}


json.dump(coco([], [[70, 70, 20, 20], [70, 10, 20, 20]]), open("a.json", "w"), indent=1)
json.dump(coco([[10, 10, 10, 20]], [[71, 70, 20, 20], [70, 10, 20, 20]]), open("b.json", "w"), indent=1)
