"""A drop-in for ``pycocotools.mask``: the same functions, signatures, dtypes, array orders and
results (RLE strings byte for byte), on labelqa's run-length core.

    from labelqa import mask as maskUtils   # instead of: from pycocotools import mask as maskUtils

Differences, all on input pycocotools mishandles: RLE counts that are malformed or do not add
up to height x width raise ValueError (pycocotools reads past them); ``decode`` of RLEs of
different sizes raises ValueError.
"""

import numpy as np

from ._labelqa import mask as _m

__all__ = ["encode", "decode", "iou", "area", "toBbox", "merge", "frPyObjects"]


def encode(bimask):
    """Binary mask(s) to RLE: an h x w (or h x w x n) uint8 array in Fortran order."""
    if len(bimask.shape) == 3:
        return _m.encode(bimask)
    if len(bimask.shape) == 2:
        h, w = bimask.shape
        return _m.encode(bimask.reshape((h, w, 1), order="F"))[0]
    raise ValueError("encode needs an h x w or h x w x n array")


def decode(rleObjs):
    """RLE(s) to binary mask(s): h x w (or h x w x n) uint8, Fortran order."""
    if isinstance(rleObjs, list):
        return _m.decode(rleObjs)
    return _m.decode([rleObjs])[:, :, 0]


def area(rleObjs):
    """Pixel counts (uint32)."""
    if isinstance(rleObjs, list):
        return _m.area(rleObjs)
    return _m.area([rleObjs])[0]


def toBbox(rleObjs):
    """Tight boxes [x, y, w, h] (float64); zeros for an empty mask."""
    if isinstance(rleObjs, list):
        return _m.to_bbox(rleObjs)
    return _m.to_bbox([rleObjs])[0]


def merge(rleObjs, intersect=0):
    """The union (or, with intersect, the intersection) of a list of RLEs, as one RLE."""
    return _m.merge(rleObjs, bool(intersect))


def _preproc(objs):
    # pycocotools' _preproc: boxes as an n x 4 float64 array, or a list of RLEs.
    if len(objs) == 0:
        return objs, None
    if isinstance(objs, np.ndarray):
        if len(objs.shape) == 1:
            objs = objs.reshape((1, objs.shape[0]))
        if objs.shape[1] != 4:
            raise Exception("numpy ndarray input is only for *bounding boxes* and should have Nx4 dimension")
        return objs.astype(np.double), "box"
    if isinstance(objs, list):
        isbox = all((len(obj) == 4) and (isinstance(obj, (list, np.ndarray))) for obj in objs)
        isrle = all(isinstance(obj, dict) for obj in objs)
        if isbox:
            objs = np.array(objs, dtype=np.double)
            if len(objs.shape) == 1:
                objs = objs.reshape((1, objs.shape[0]))
            return objs, "box"
        if isrle:
            return objs, "rle"
        raise Exception("list input can be bounding box (Nx4) or RLEs ([RLE])")
    raise Exception("unrecognized type.  The following type: RLEs (rle), np.ndarray (box), and list (box) are supported.")


def iou(dt, gt, pyiscrowd):
    """IoU of every detection with every ground truth (m x n float64, Fortran order): RLEs or boxes.

    A crowd ground truth divides the intersection by the detection's area, as in COCO.
    """
    dt, dkind = _preproc(dt)
    gt, gkind = _preproc(gt)
    if len(dt) == 0 or len(gt) == 0:
        return []
    if dkind != gkind:
        raise Exception("The dt and gt should have the same data type, either RLEs, list or np.ndarray")
    crowd = [bool(c) for c in pyiscrowd]
    if dkind == "box":
        return _m.iou_boxes(dt, gt, crowd)
    return _m.iou_rles(dt, gt, crowd)


def frPyObjects(pyobj, h, w):
    """Polygons, boxes or uncompressed RLEs to compressed RLE(s), as pycocotools decides the kind."""
    if isinstance(pyobj, np.ndarray):
        return _m.from_boxes(np.asarray(pyobj, dtype=np.double).reshape((-1, 4)), h, w)
    if isinstance(pyobj, list) and len(pyobj[0]) == 4:
        return _m.from_boxes(np.array(pyobj, dtype=np.double).reshape((-1, 4)), h, w)
    if isinstance(pyobj, list) and len(pyobj[0]) > 4:
        return _m.from_polygons(pyobj, h, w)
    if isinstance(pyobj, list) and isinstance(pyobj[0], dict) and "counts" in pyobj[0] and "size" in pyobj[0]:
        return _m.from_uncompressed(pyobj)
    if isinstance(pyobj, list) and len(pyobj) > 4:
        return _m.from_polygons([pyobj], h, w)[0]
    if isinstance(pyobj, dict) and "counts" in pyobj and "size" in pyobj:
        return _m.from_uncompressed([pyobj])[0]
    raise Exception("input type is not supported.")
