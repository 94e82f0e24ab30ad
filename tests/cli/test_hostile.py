#!/usr/bin/env python3
"""Hostile deliveries (tests/data/hostile, and inputs generated here): no crash, a clear error
naming the file, the element and the limit, exit 2.

Usage: test_hostile.py LABELQA_BINARY SOURCE_DIR
"""
import json
import subprocess
import os
import sys
import tempfile

BINARY, SRC = sys.argv[1], os.path.abspath(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import expect, run  # noqa: E402

harness.BINARY = BINARY
H = os.path.join(SRC, "tests", "data", "hostile")
TMP = tempfile.mkdtemp(prefix="labelqa-hostile-")
GOLD = os.path.join(SRC, "examples", "gold")


def timed(*args):
    """Runs labelqa under /usr/bin/time: (process, seconds, peak KB)."""
    p = subprocess.run(["/usr/bin/time", "-f", "@@ %e %M", BINARY, *args], capture_output=True, text=True)
    last = [x for x in p.stderr.splitlines() if x.startswith("@@ ")]
    secs, kb = (float(last[-1].split()[1]), int(last[-1].split()[2])) if last else (0.0, 0)
    return p, secs, kb


# The limit every input is held to: N bytes of input cost at most 64 x N + 200 MB of peak memory
# and 10 s. Measured where it means something: an optimised build (not the sanitizer build, whose
# shadow memory and checks multiply both), with /usr/bin/time (Debian package time).
MEASURE = os.path.exists("/usr/bin/time") and os.environ.get("LABELQA_MEASURE") == "1"
# Under the sanitizers (LABELQA_SANITIZED=1, as ctest sets it there) the inputs that matter only
# at scale are a tenth of their size: the same code runs, memory errors show alike.
SCALE = 10 if os.environ.get("LABELQA_SANITIZED") == "1" else 1
if SCALE > 1:
    print(f"the inputs at scale are 1/{SCALE} of their size (sanitizer build)")
if not MEASURE:
    print("skipped: the memory and time limits (measured in an optimised build with /usr/bin/time, LABELQA_MEASURE=1 as ctest sets it)")


def input_bytes(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)
    return os.path.getsize(path)


def bounded(label, inputs, *args):
    """Runs labelqa; where measured, checks the limit for the total size of `inputs`."""
    if not MEASURE:
        return run(*args)
    p, secs, kb = timed(*args)
    n = sum(input_bytes(x) for x in set(inputs))
    limit_kb = (64 * n + (200 << 20)) / 1024
    expect(f"{label}: within 10 s and 64 x {n} bytes + 200 MB", secs < 10 and kb <= limit_kb, f"{secs} s, {kb} KB (limit {limit_kb:.0f} KB)")
    return p


# Image sizes that read as 0, a float, a string, 2^32 or 1e19: every command refuses them, naming
# the field; none crashes (a polygon on a 0 x 0 image used to crash agree and gold).
bad_sizes = {"cvat_no_size.xml": "image.width", "cvat_zero_size.xml": "image.width", "cvat_video_nan_size.xml": "meta.original_size",
             "labelme_zero_width.json": "imageWidth", "labelme_float_width.json": "imageWidth", "labelme_string_width.json": "imageWidth",
             "ls_width_2_32.json": "original_width", "ls_width_1e19.json": "original_width"}
for name, field in bad_sizes.items():
    f = os.path.join(H, name)
    for cmd in (["agree", f], ["report", f], ["gold", f, "--gold", f]):
        r = bounded(f"{cmd[0]} {name}", [f], *cmd)
        expect(f"{cmd[0]} {name}: exit 2 naming {field}", r.returncode == 2 and field in r.stderr and name in r.stderr, f"{r.returncode} {r.stderr}")
    r = run("validate", f, "--json", "-", "-q")
    d = json.loads(r.stdout) if r.stdout.strip() else None
    expect(f"validate {name}: a schema finding, exit 2", r.returncode == 2 and d is not None and [x["code"] for x in d["findings"]] == ["schema"] and
           field in d["findings"][0]["message"], f"{r.returncode} {r.stdout[:400]} {r.stderr}")

# A task id whose id * 1000 would overflow is read like any other.
r = run("validate", os.path.join(H, "ls_task_id_max.json"), "--json", "-", "-q")
expect("Label Studio task id 2^63 - 1: read, no overflow", r.returncode == 0 and json.loads(r.stdout)["summary"]["annotations"] == 1, r.stdout + r.stderr)

# Policies with keys nested 50,000 levels deep overflowed the TOML parser's stack.
for name, text in (("dotted.toml", "a" + ".a" * 50000 + " = 1\n"), ("header.toml", "[" + "b." * 50000 + "b]\nx = 1\n")):
    p = os.path.join(TMP, name)
    open(p, "w").write(text)
    r = run("gold", os.path.join(GOLD, "delivery.csv"), "--gold", os.path.join(GOLD, "gold.csv"), "--policy", p)
    expect(f"deep TOML {name}: exit 2 naming the limit", r.returncode == 2 and "at most 64 levels" in r.stderr and name in r.stderr, f"{r.returncode} {r.stderr[:300]}")
# A policy whose keys stay shallow, with dots inside strings and numbers, is read as before.
p = os.path.join(TMP, "ok.toml")
open(p, "w").write('compare = "value"\niou_threshold = 0.5\n[[rule]]\nmetric = "accuracy"\nmin = 0.5\nsubject = "all"\n# a.b.c.d.e.f\n')
r = run("gold", os.path.join(GOLD, "delivery.csv"), "--gold", os.path.join(GOLD, "gold.csv"), "--policy", p)
expect("shallow TOML with dots in values: read", r.returncode in (0, 1), r.stderr)

# ---- Compressed bombs ----
import struct  # noqa: E402
import zipfile  # noqa: E402
import zlib  # noqa: E402

xml = open(os.path.join(SRC, "tests", "data", "formats", "cvat", "images", "a.xml"), "rb").read()
liar = os.path.join(TMP, "liar.zip")
with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("annotations.xml", xml)
data = bytearray(open(liar, "rb").read())
cd = data.rfind(b"PK\x01\x02")
struct.pack_into("<I", data, cd + 24, 0xFFFFFFF0)  # the central directory claims a 4 GiB member
open(liar, "wb").write(bytes(data))
r = bounded("liar.zip", [liar], "agree", liar, os.path.join(SRC, "tests", "data", "formats", "cvat", "images", "b.xml"), "--format", "cvat")
expect("a zip member claiming 4 GiB: refused before allocating", r.returncode == 2 and "refused" in r.stderr and "liar.zip" in r.stderr, r.stderr)
# --max-uncompressed lowers the limit: a 20 KB .gz of a real export, allowed 1 KB, is refused naming both.
gz = os.path.join(TMP, "export.xml.gz")
import gzip  # noqa: E402
with gzip.open(gz, "wb") as z:
    z.write(xml)
r = run("agree", gz, gz, "--annotators", "a,b", "--format", "cvat", "--max-uncompressed", "1K")
expect("--max-uncompressed 1K: the .gz is refused naming the limit", r.returncode == 2 and "export.xml.gz" in r.stderr and
       "uncompressed-size limit 1024" in r.stderr and "(see --max-uncompressed)" in r.stderr, r.stderr)
r = run("agree", gz, gz, "--annotators", "a,b", "--format", "cvat", "--max-uncompressed", "1G")
expect("--max-uncompressed 1G: read", r.returncode == 0, r.stderr)
r = run("agree", gz, gz, "--annotators", "a,b", "--max-uncompressed", "lots")
expect("--max-uncompressed lots: usage error", r.returncode == 2 and "512M" in r.stderr, r.stderr)
bomb = os.path.join(TMP, "bomb.zip")
comp = zlib.compressobj(9, zlib.DEFLATED, -15)
chunks = [comp.compress(b"\0" * (1 << 20)) for _ in range(256)] + [comp.flush()]
payload = b"".join(chunks)
with open(bomb, "wb") as f:
    name = b"annotations.xml"
    crc = 0
    for _ in range(256):
        crc = zlib.crc32(b"\0" * (1 << 20), crc)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(payload), 256 << 20, len(name), 0) + name
    f.write(local + payload)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(payload), 256 << 20, len(name), 0, 0, 0, 0, 0, 0) + name
    f.write(central)
    f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(payload), 0))
r = bounded("bomb.zip", [bomb], "agree", bomb, os.path.join(SRC, "tests", "data", "formats", "cvat", "images", "b.xml"), "--format", "cvat")
expect(f"a {os.path.getsize(bomb)}-byte zip holding 256 MiB: refused (ratio)", r.returncode == 2 and "refused" in r.stderr, r.stderr)


# ---- Text that is not what it claims ----
# Invalid UTF-8 in a label: the file and line, never a raw JSON library exception.
bad_csv = os.path.join(TMP, "latin1.csv")
open(bad_csv, "wb").write(b"item,annotator,label\n1,a,ok\n1,b,caf\xe9\n2,a,ok\n2,b,ok\n")
for cmd in ("agree", "report"):
    r = run(cmd, bad_csv, *(["--out", os.path.join(TMP, "latin1_report")] if cmd == "report" else []))
    expect(f"{cmd}: invalid UTF-8 in a table names file, line and byte", r.returncode == 2 and "latin1.csv:3" in r.stderr and "0xE9" in r.stderr and
           "json.exception" not in r.stderr, r.stderr)
cvat_bad = os.path.join(TMP, "latin1_cvat.xml")
open(cvat_bad, "wb").write(b'<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n<image id="0" name="a.jpg" width="10" height="10">\n'
                           b'<box label="caf\xe9" xtl="1" ytl="1" xbr="5" ybr="5" occluded="0"/>\n</image>\n</annotations>\n')
r = run("agree", cvat_bad, cvat_bad, "--format", "cvat", "--annotators", "a,b")
expect("CVAT: invalid UTF-8 names line 4", r.returncode == 2 and "latin1_cvat.xml:4" in r.stderr and "UTF-8" in r.stderr, r.stderr)
ls_bad = os.path.join(TMP, "latin1_ls.json")
open(ls_bad, "wb").write(b'[{"id": 1, "data": {"image": "a.jpg"},\n "annotations": [{"id": 1, "completed_by": 1, "result": [{"id": "r", "type": "choices",\n'
                         b' "value": {"choices": ["caf\xe9"]}}]}]}]\n')
r = run("validate", ls_bad, "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout.strip() else None
expect("Label Studio: invalid UTF-8 is a broken_file finding at line 3", r.returncode == 2 and d is not None and
       [(x["code"], x["location"].get("line")) for x in d["findings"]] == [("broken_file", 3)], r.stdout[:600])
# Parse errors name the line and column (Label Studio, LabelMe).
ls_trunc = os.path.join(TMP, "ls_trunc.json")
open(ls_trunc, "w").write('[{"id": 1,\n "data": {"image": "a.jpg"},\n "annotations": [1,,]}]\n')
r = run("agree", ls_trunc, "--format", "label-studio")
expect("Label Studio syntax error: line 3, column", r.returncode == 2 and "ls_trunc.json:3: invalid JSON at column" in r.stderr, r.stderr)
lm_dir = os.path.join(TMP, "labelme_syntax")
os.makedirs(lm_dir, exist_ok=True)
open(os.path.join(lm_dir, "a.json"), "w").write('{"version": "5.2.1", "shapes": [\n{"label": "a" "points": []}]}\n')
r = run("validate", lm_dir, "--format", "labelme")
expect("LabelMe syntax error: the JSON file and line 2", r.returncode == 2 and "a.json:2: invalid JSON at column" in r.stdout, r.stdout + r.stderr)
# A BMP whose height is INT_MIN (a top-down image of -2^31 rows): refused as an image size, no
# undefined std::abs (the sanitizer build runs this test).
bdir = os.path.join(TMP, "yolo_bmp")
os.makedirs(os.path.join(bdir, "images"), exist_ok=True)
os.makedirs(os.path.join(bdir, "labels"), exist_ok=True)
open(os.path.join(bdir, "classes.txt"), "w").write("car\n")
open(os.path.join(bdir, "labels", "img1.txt"), "w").write("0 0.5 0.5 0.2 0.2\n")
header = b"BM" + (54).to_bytes(4, "little") + b"\0" * 8 + (40).to_bytes(4, "little") + (10).to_bytes(4, "little") + (-2**31).to_bytes(4, "little", signed=True)
open(os.path.join(bdir, "images", "img1.bmp"), "wb").write(header + b"\0" * 28)
r = run("agree", bdir, bdir, "--format", "yolo", "--annotators", "a,b")
expect("BMP height INT_MIN: exit 2 naming the image and its size", r.returncode == 2 and "img1.bmp" in r.stderr and "2147483648" in r.stderr and
       "runtime error" not in r.stderr, r.stderr)



# 100,000 nesting levels in each JSON reader (the sanitizer build runs this too: no parser
# assertion, no stack overflow): a clear exit 2.
deep = "[" * 100000 + "]" * 100000
deep_cases = {"deep_ls.json": '[{"id": 1, "data": {"image": "a.jpg"}, "annotations": [{"id": 1, "completed_by": 1, "result": %s}]}]' % deep,
              "deep_coco.json": '{"images": [], "categories": [], "annotations": [%s]}' % deep,
              "deep_spans.jsonl": '{"id": 1, "text": "abc", "label": %s}\n' % deep}
for name, text in deep_cases.items():
    f = os.path.join(TMP, name)
    open(f, "w").write(text)
    r = run("agree", f, f, "--annotators", "a,b")
    expect(f"{name}: 100,000 nesting levels, exit 2 naming the file", r.returncode == 2 and name in r.stderr and "Sanitizer" not in r.stderr, r.stderr[-400:])

# ---- Memory and time bombs ----
def cvat_tracks(path, tracks, meta, outside_first=False):
    head = ('<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>\n' +
            ('<meta><task><start_frame>0</start_frame><stop_frame>1999999</stop_frame><original_size><width>100</width>'
             '<height>100</height></original_size></task></meta>\n' if meta else ""))
    body = "".join(f'<track id="{k}" label="car">\n<box frame="0" outside="{int(outside_first)}" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="5" ybr="5"/>\n'
                   f'<box frame="1999999" outside="0" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="5" ybr="5"/>\n</track>\n' for k in range(tracks))
    open(path, "w").write(head + body + "</annotations>\n")



# (1,000 tracks outside for 2,000,000 frames each, then shown: the frames walked over count too.)
for name, tracks, meta, outside_first in (("track_bomb.xml", 1, False, False), ("ten_tracks.xml", 10, True, False),
                                          ("outside_tracks.xml", 1000, True, True)):
    f = os.path.join(TMP, name)
    cvat_tracks(f, tracks, meta, outside_first)
    r = bounded(name, [f], "agree", f, f, "--annotators", "a,b")
    expect(f"CVAT {name}: tracks over 2,000,000 frames refused naming the track and the limit", r.returncode == 2 and
           f"{name}:" in r.stderr and "track 0" in r.stderr and "expand to more than" in r.stderr, r.stderr)
mask_box = os.path.join(TMP, "mask_box.xml")
open(mask_box, "w").write('<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>\n<image id="0" name="a.jpg" width="1000000" height="4000">\n'
                          '<mask label="car" source="manual" occluded="0" rle="0, 1000000000000" left="0" top="0" width="1000000" height="1000000" z_order="0"/>\n'
                          '</image></annotations>\n')
brush = os.path.join(TMP, "brush.json")
json.dump([{"id": 1, "data": {"image": "a.jpg"}, "annotations": [{"id": 1, "completed_by": 1, "result": [
    {"id": "r", "type": "brushlabels", "original_width": 65536, "original_height": 65536, "value": {"format": "rle", "rle": [0] * 10, "brushlabels": ["car"]}}]}]}],
          open(brush, "w"))
for f, where in ((mask_box, "mask_box.xml:4"), (brush, "brush.json")):
    r = bounded(os.path.basename(f), [f], "agree", f, f, "--annotators", "a,b")
    expect(f"{os.path.basename(f)}: a mask past 2^27 pixels refused before decoding", r.returncode == 2 and where in r.stderr and "134217728" in r.stderr, r.stderr)
# 3,000 identical boxes on one image (and 3,000 scattered ones): the matching is not cubic in the image.
for kind in ("identical", "scattered"):
    rng = __import__("random").Random(5)
    docs = []
    for who in "ab":
        anns = [{"id": k + 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 100,
                 "bbox": [10, 10, 50, 50] if kind == "identical" else [rng.uniform(0, 900), rng.uniform(0, 900), rng.uniform(20, 100), rng.uniform(20, 100)]}
                for k in range(3000)]
        path = os.path.join(TMP, f"boxes_{kind}_{who}.json")
        json.dump({"images": [{"id": 1, "file_name": "a.jpg", "width": 1000, "height": 1000}], "annotations": anns, "categories": [{"id": 1, "name": "c"}]},
                  open(path, "w"))
        docs.append(path)
    r = bounded(f"3,000 {kind} boxes on one image", docs, "agree", *docs, "--json", os.path.join(TMP, "boxes.json"), "-q")
    expect(f"3,000 {kind} boxes on one image: agree reads them", r.returncode == 0, r.stderr[-300:])

# 5,000 copies of one polygon: each later copy is one duplicate finding (not 12.5 million), and an
# annotation's overlaps are listed up to 100, the rest counted in one finding.
for classes in (1, 2):
    polys = [{"id": k + 1, "image_id": 1, "category_id": 1 + k % classes, "segmentation": [[10, 10, 60, 10, 60, 60, 10, 60]], "bbox": [10, 10, 50, 50],
              "area": 2500, "iscrowd": 0} for k in range(5000)]
    path = os.path.join(TMP, f"polygons_{classes}.json")
    json.dump({"images": [{"id": 1, "file_name": "a.jpg", "width": 1000, "height": 1000}], "annotations": polys,
               "categories": [{"id": c + 1, "name": "cd"[c]} for c in range(classes)]}, open(path, "w"))
    out = os.path.join(TMP, f"polygons_{classes}_report.json")
    r = bounded(f"validate 5,000 polygons ({classes} class)", [path], "validate", path, "--json", out, "-q")
    d = json.load(open(out)) if os.path.exists(out) else {"findings": []}
    codes = [x["code"] for x in d["findings"]]
    if classes == 1:
        expect("5,000 identical polygons: 4,999 duplicate findings, each against annotation 1", r.returncode == 0 and codes == ["duplicate"] * 4999 and
               all(x["other_annotation"] == "1" or x["annotation"] == "1" for x in d["findings"]), f"{r.returncode} {len(codes)} {r.stderr[-300:]}")
    else:
        capped = [x for x in d["findings"] if "more annotations than the 100 listed" in x["message"]]
        expect("two classes of identical polygons: overlaps listed up to 100 per annotation, then counted", r.returncode == 0 and len(capped) >= 1 and
               len(codes) < 10000, f"{r.returncode} {len(codes)}")


# 1,000 polygons across a 1,000,000-pixel-wide image (a 240 KB file): every mask would hold two
# runs per column, gigabytes in all. Refused before any pixel is drawn, naming the image and the
# limit; validate skips that image's pixel checks and says so. Sixteen images of four masks a
# million columns wide each stay within the limits and are compared.
def wide_polygons(name, images, per_image, shift):
    rng = __import__("random").Random(7)
    anns = []
    for i in range(images):
        for k in range(per_image):
            y = rng.uniform(0, 3900) if per_image > 2 else 100 * k
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": 1, "iscrowd": 0, "area": 3000, "bbox": [0, y, 990000, 60],
                         "segmentation": [[0, y, 990000 - shift, y + 7, 990000, y + 60, 0, y + 60 + shift]]})
    path = os.path.join(TMP, name)
    json.dump({"images": [{"id": i + 1, "file_name": f"{i}.jpg", "width": 1000000, "height": 4000} for i in range(images)], "annotations": anns,
               "categories": [{"id": 1, "name": "c"}]}, open(path, "w"))
    return path


wide = [wide_polygons(f"wide_{w}.json", 1, 1000, shift) for w, shift in (("a", 0), ("b", 3))]
for cmd in (["agree", *wide], ["gold", wide[1], "--gold", wide[0]], ["report", *wide, "--json", os.path.join(TMP, "wide_report.json")]):
    r = bounded(f"{cmd[0]}: 1,000 polygons across a million columns", wide, *cmd)
    expect(f"{cmd[0]}: 1,000 polygons across a million columns refused, naming the image and the limit",
           r.returncode == 2 and 'item "0.jpg"' in r.stderr and "4194304" in r.stderr and "wide_" in r.stderr and "--iou-type" in r.stderr, r.stderr[-400:])
r = bounded("agree --iou-type box: 1,000 polygons across a million columns", wide, "agree", *wide, "--iou-type", "box", "-q")
expect("agree --iou-type box compares them as boxes", r.returncode == 0, r.stderr[-300:])
r = bounded("validate: 1,000 polygons across a million columns", wide[:1], "validate", wide[0], "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout.strip() else {"findings": []}
expect("validate: pixel checks of that image skipped, said in one schema error", r.returncode == 1 and
       [x["code"] for x in d["findings"] if "pixel checks" in x["message"]] == ["schema"], f"{r.returncode} {r.stdout[:300]} {r.stderr[-300:]}")
many = [wide_polygons(f"wide_many_{w}.json", n, 2, shift) for w, n, shift in (("a", 16, 0), ("b", 16, 3), ("c", 40, 0), ("d", 40, 3))]
r = bounded("agree: 16 images of four masks a million columns wide", many[:2], "agree", *many[:2], "--json", "-", "-q")
expect("agree: 16 images of four masks a million columns wide are compared", r.returncode == 0 and json.loads(r.stdout)["overall"]["matched"] == 32,
       f"{r.returncode} {r.stderr[-300:]}")
r = bounded("agree: 40 images of four masks a million columns wide", many[2:], "agree", *many[2:])
expect("agree: 40 images of four masks a million columns wide pass the columns limit in all", r.returncode == 2 and "2^27 plus 2^17 per object" in r.stderr,
       r.stderr[-300:])


# 50,000 class names in a 1 MB table: agree in time linear in the ratings (per-class bootstrap
# intervals for the 1,000 most rated classes); report and gold, whose confusion matrices are
# classes x classes per annotator, refuse naming the file and the limit.
rng = __import__("random").Random(11)


def random_classes(name, classes):
    """20,000 items, 3 annotators, each label drawn from `classes` classes."""
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write("item,annotator,label\n")
        for i in range(20000):
            for a in range(3):
                f.write(f"i{i},a{a},c{rng.randrange(classes)}\n")
    return path


classes_csv = random_classes("classes_50000.csv", 50000)
r = bounded("agree: 50,000 classes", [classes_csv], "agree", classes_csv, "--json", "-", "-q")
d = json.loads(r.stdout) if r.returncode == 0 else {"per_class": []}
beyond = [c for c in d["per_class"] if c.get("specific_agreement", {}).get("ci_undefined_reason") == "beyond_bootstrap_limit"]
expect("agree: 50,000 classes, every class's values, bootstrap intervals for 1,000", r.returncode == 0 and len(d["per_class"]) > 30000 and len(beyond) > 0 and
       sum(1 for c in d["per_class"] if c.get("specific_agreement", {}).get("ci_method") == "bootstrap" and c["specific_agreement"].get("ci_low") is not None) <= 1000,
       f"{r.returncode} {r.stderr[-300:]}")
for cmd in (["report", classes_csv, "--json", os.path.join(TMP, "classes_report.json")], ["gold", classes_csv, "--gold-annotator", "a0"]):
    r = bounded(f"{cmd[0]}: 50,000 classes", [classes_csv], *cmd)
    expect(f"{cmd[0]}: 50,000 classes refused, naming the file and the limit", r.returncode == 2 and "classes_50000.csv" in r.stderr and
           "plus 4 per rating" in r.stderr, r.stderr[-300:])
# 300 classes: report runs, without Dawid-Skene (ratings x classes past its limit), and says so.
classes_300 = random_classes("classes_300.csv", 300)
out = os.path.join(TMP, "classes_300.json")
r = bounded("report: 300 classes x 60,000 ratings", [classes_300], "report", classes_300, "--json", out, "-q")
d = json.load(open(out)) if r.returncode == 0 else {}
expect("report: 300 classes x 60,000 ratings: majority vote, Dawid-Skene not run and said", r.returncode == 0 and d.get("dawid_skene", 0) is None and
       d.get("consensus_method") == "majority" and any("Dawid-Skene not run" in w for w in json.dumps(d.get("warnings", [])).split('"')), f"{r.returncode} {r.stderr[-300:]}")

# 4 items each rated by 3,000 annotators (4.5 million pairs), and 300 annotators (44,850 pairs):
# agree gives every overall and per-class number, and says why per_pair is empty.
for n in (3000, 300):
    path = os.path.join(TMP, f"annotators_{n}.csv")
    with open(path, "w") as f:
        f.write("item,annotator,label\n")
        for i in range(4):
            for a in range(n):
                f.write(f"i{i},a{a},{rng.choice('xyz')}\n")
    r = bounded(f"agree: {n} annotators on every item", [path], "agree", path, "--json", "-", "-q")
    d = json.loads(r.stdout) if r.returncode == 0 else {}
    expect(f"agree: {n} annotators on every item: overall values, per_pair empty with a pairs_not_computed warning",
           r.returncode == 0 and d["overall"]["fleiss_kappa"]["value"] is not None and d["per_pair"] == [] and
           [w["code"] for w in d["warnings"]] == ["pairs_not_computed"], f"{r.returncode} {r.stderr[-300:]}")

# 65,536 instance ids in one 16-bit PNG: refused before a 65,534 x 65,534 comparison, naming the
# image and the limit.
ids_root = os.path.join(TMP, "instance_ids")
raw = b"".join(b"\0" + b"".join(struct.pack(">H", y * 256 + x) for x in range(256)) for y in range(256))


def chunk16(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data))


ids_png = (b"\x89PNG\r\n\x1a\n" + chunk16(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 16, 0, 0, 0, 0)) + chunk16(b"IDAT", zlib.compress(raw)) +
           chunk16(b"IEND", b""))
for sub in ("a", "b"):
    os.makedirs(os.path.join(ids_root, sub), exist_ok=True)
    open(os.path.join(ids_root, sub, "x.png"), "wb").write(ids_png)
r = bounded("65,536 instance ids", [os.path.join(ids_root, "a"), os.path.join(ids_root, "b")], "agree", "--instance-masks",
            os.path.join(ids_root, "a"), os.path.join(ids_root, "b"))
expect("65,536 instance ids in one PNG: refused naming the image and the pair limit", r.returncode == 2 and '"x.png"' in r.stderr and
       "16777216" in r.stderr, r.stderr)
# The same PNG as semantic masks: 65,536 values make confusion matrices of 4.3 billion cells in
# gold; agree compares them, gold refuses naming the folder and the limit.
r = bounded("gold --masks: 65,536 values", [os.path.join(ids_root, "a"), os.path.join(ids_root, "b")], "gold", "--masks", os.path.join(ids_root, "a"),
            "--gold", os.path.join(ids_root, "b"))
expect("gold --masks: 65,536 mask values refused, naming the folder and the limit", r.returncode == 2 and "65535 classes" in r.stderr and
       "instance_ids/a" in r.stderr and "plus 4 per pixel" in r.stderr, r.stderr[-300:])
if SCALE == 1:
    r = bounded("agree --masks: 65,536 values", [os.path.join(ids_root, "a"), os.path.join(ids_root, "b")], "agree", "--masks",
                os.path.join(ids_root, "a"), os.path.join(ids_root, "b"), "-q")
    expect("agree --masks: 65,536 mask values compared", r.returncode == 0, r.stderr[-300:])
else:
    # 4,096 values (64 x 64) through the same comparison.
    small_raw = b"".join(b"\0" + b"".join(struct.pack(">H", y * 64 + x) for x in range(64)) for y in range(64))
    small_png = (b"\x89PNG\r\n\x1a\n" + chunk16(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 16, 0, 0, 0, 0)) + chunk16(b"IDAT", zlib.compress(small_raw)) +
                 chunk16(b"IEND", b""))
    for sub in ("small_a", "small_b"):
        os.makedirs(os.path.join(ids_root, sub), exist_ok=True)
        open(os.path.join(ids_root, sub, "x.png"), "wb").write(small_png)
    r = run("agree", "--masks", os.path.join(ids_root, "small_a"), os.path.join(ids_root, "small_b"), "-q")
    expect("agree --masks: 4,096 mask values compared", r.returncode == 0, r.stderr[-300:])

# 50,000 COCO categories: agree bounded (per-class intervals for the 1,000 classes with the most
# objects), report and gold refuse their classes x classes matrices.
rng_k = __import__("random").Random(5)
wide_k = []
for who in "ab":
    anns, imgs = [], []
    for i in range(2000):
        imgs.append({"id": i + 1, "file_name": f"{i}.jpg", "width": 100, "height": 100})
        for k in range(3):
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": rng_k.randrange(50000) + 1, "bbox": [k * 30, 10, 20, 20], "area": 400, "iscrowd": 0})
    path = os.path.join(TMP, f"categories_{who}.json")
    json.dump({"images": imgs, "annotations": anns, "categories": [{"id": c + 1, "name": f"c{c}"} for c in range(50000)]}, open(path, "w"))
    wide_k.append(path)
r = bounded("agree: 50,000 COCO categories", wide_k, "agree", *wide_k, "--json", "-", "-q")
d = json.loads(r.stdout) if r.returncode == 0 else {"per_class": []}
expect("agree: 50,000 COCO categories, intervals for 1,000 classes, the rest beyond_bootstrap_limit", r.returncode == 0 and
       sum(1 for c in d["per_class"] if c["f1"].get("ci_low") is not None) == 1000 and
       any(c["f1"].get("ci_undefined_reason") == "beyond_bootstrap_limit" for c in d["per_class"]), r.stderr[-300:])
for cmd in (["report", *wide_k, "--json", os.path.join(TMP, "categories_report.json")], ["gold", wide_k[1], "--gold", wide_k[0]]):
    r = bounded(f"{cmd[0]}: 50,000 COCO categories", wide_k, *cmd)
    expect(f"{cmd[0]}: 50,000 COCO categories refused, naming the file and the limit", r.returncode == 2 and "categories_" in r.stderr and
           "plus 4 per object" in r.stderr, r.stderr[-300:])

# ---- report --out: the folder appears whole ----
sentiment = os.path.join(SRC, "examples", "sentiment.csv")
rep_root = os.path.join(TMP, "folder_reports")
os.makedirs(rep_root, exist_ok=True)
rep = os.path.join(rep_root, "rep")
r = run("report", sentiment, "--out", rep, "-q")
first = sorted(os.listdir(rep)) if os.path.isdir(rep) else []
r2 = run("report", sentiment, "--out", rep, "-q")
expect("report --out twice: the second run replaces the folder, nothing left beside it", r.returncode == 0 and r2.returncode == 0 and
       first == ["images", "index.html", "report.csv", "report.json"] and sorted(os.listdir(rep_root)) == ["rep"], r.stderr + r2.stderr + str(os.listdir(rep_root)))
open(os.path.join(rep, "notes.txt"), "w").write("mine")
r = run("report", sentiment, "--out", rep, "-q")
expect("a report folder holding a user's file is refused, the file kept", r.returncode == 2 and "notes.txt" in r.stderr and
       open(os.path.join(rep, "notes.txt")).read() == "mine", r.stderr)
os.remove(os.path.join(rep, "notes.txt"))
# Temporaries of a killed run (its process gone) are removed by the next run; a live run's are not.
dead = subprocess.Popen(["true"])
dead.wait()
stale = os.path.join(rep_root, f"rep.labelqa-tmp.{dead.pid}.x1")
os.makedirs(stale)
open(os.path.join(stale, "report.json"), "w").write("x" * 10000)
live = os.path.join(rep_root, f"rep.labelqa-tmp.{os.getpid()}.x2")
os.makedirs(live)
stale_file = os.path.join(TMP, f"stale.json.labelqa-tmp.{dead.pid}.x3")
open(stale_file, "w").write("x")
r = run("report", sentiment, "--out", rep, "--json", os.path.join(TMP, "stale.json"), "-q")
expect("a killed run's temporaries are removed, a live run's kept", r.returncode == 0 and not os.path.exists(stale) and os.path.exists(live) and
       not os.path.exists(stale_file), r.stderr + str(os.listdir(rep_root)))
os.rmdir(live)
# Past the file size limit (ulimit -f): an error like a full disk, the earlier report untouched.
before = open(os.path.join(rep, "report.json")).read()
p = subprocess.run(["sh", "-c", f"ulimit -f 1 && exec '{BINARY}' report '{sentiment}' --out '{rep}' -q"], capture_output=True, text=True)
expect("ulimit -f: exit 2 with a message, earlier report and folder intact, no temporaries",
       p.returncode == 2 and "File too large" in p.stderr and open(os.path.join(rep, "report.json")).read() == before and
       sorted(os.listdir(rep_root)) == ["rep"], f"{p.returncode} {p.stderr} {os.listdir(rep_root)}")


# ---- Duplicate JSON keys: the last is read, as Python's json (and pycocotools) reads it ----
img = '{"id": %d, "file_name": "%s", "width": 100, "height": 100}'
first = '[{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0}]'
last = ('[{"id": 7, "image_id": 2, "category_id": 1, "bbox": [1, 1, 9, 9], "area": 81, "iscrowd": 0},'
        ' {"id": 8, "image_id": 2, "category_id": 1, "bbox": [20, 20, 9, 9], "area": 81, "iscrowd": 0}]')
dup = os.path.join(TMP, "dupkeys.json")
open(dup, "w").write('{"annotations": %s,\n "images": [%s],\n "categories": [{"id": 1, "name": "c"}],\n "annotations": %s,\n "images": [%s, %s]}\n'
                     % (first, img % (1, "a.jpg"), last, img % (1, "a.jpg"), img % (2, "b.jpg")))
py = json.load(open(dup))
r = run("validate", dup, "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout.strip() else None
expect("duplicate top-level keys: duplicate_key warnings at their lines, Python's reading",
       r.returncode == 0 and d is not None and [(x["code"], x["severity"], x["location"]["line"]) for x in d["findings"]] ==
       [("duplicate_key", "warning", 4), ("duplicate_key", "warning", 5)] and d["summary"]["annotations"] == len(py["annotations"]) == 2, r.stdout[:800])
r = run("agree", dup, dup, "--annotators", "a,b", "--per-image", "--json", "-", "-q")
d = json.loads(r.stdout) if r.returncode == 0 else {}
expect("agree reads the last annotations and images lists", sorted((i["image"], i["objects_a"]) for i in d.get("per_image", [])) == [("a.jpg", 0), ("b.jpg", 2)],
       r.stdout[:500] + r.stderr)


# ---- PNG masks truncated at the end: decoded, and said ----
def png(w, h, rows):
    raw = b"".join(b"\0" + bytes(r) for r in rows)

    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) +
            chunk(b"IEND", b""))


whole = png(4, 4, [[0, 1, 1, 0]] * 4)
pdir = os.path.join(TMP, "png_truncated")
for sub in ("a", "b"):
    os.makedirs(os.path.join(pdir, sub), exist_ok=True)
open(os.path.join(pdir, "a", "x.png"), "wb").write(whole[:-4])                      # the IEND checksum cut
open(os.path.join(pdir, "a", "y.png"), "wb").write(whole[:whole.rfind(b"IEND") - 6])  # no IEND, the last IDAT checksum cut
open(os.path.join(pdir, "b", "x.png"), "wb").write(whole)
open(os.path.join(pdir, "b", "y.png"), "wb").write(whole)
r = run("validate", os.path.join(pdir, "a"), "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout.strip() else None
expect("validate: PNGs truncated at the end are broken_file warnings", d is not None and
       sorted((x["item"], x["code"], x["severity"]) for x in d["findings"] if x["code"] == "broken_file") ==
       [("x.png", "broken_file", "warning"), ("y.png", "broken_file", "warning")], r.stdout[:800])
r = run("agree", "--instance-masks", os.path.join(pdir, "a"), os.path.join(pdir, "b"), "--json", "-", "-q")
d = json.loads(r.stdout) if r.returncode == 0 else {}
expect("agree --instance-masks: a truncated_png warning per file", sorted(w["code"] for w in d.get("input", {}).get("warnings", [])) ==
       ["truncated_png", "truncated_png"], r.stdout[:500] + r.stderr)
r = run("agree", "--masks", os.path.join(pdir, "a"), os.path.join(pdir, "b"), "--json", "-", "-q")
d = json.loads(r.stdout) if r.returncode == 0 else {}
expect("agree --masks: a truncated_png warning per file", sorted(w["code"] for w in d.get("input", {}).get("warnings", [])) ==
       ["truncated_png", "truncated_png"], r.stdout[:500] + r.stderr)
r = run("agree", "--masks", os.path.join(pdir, "a"), os.path.join(pdir, "b"))
expect("agree --masks: the terminal summary names the truncated files", r.returncode == 0 and r.stdout.count("truncated") >= 2 and "x.png" in r.stdout,
       r.stdout[-600:])


# ---- Many annotators or classes: pictures stay drawable ----
many = os.path.join(TMP, "annotators_100.csv")
rng = __import__("random").Random(1)
with open(many, "w") as f:
    f.write("item,annotator,label\n")
    for a in range(100):
        for i in range(20):
            f.write(f"{i},a{a:03},{rng.choice('xyz') if rng.random() < 0.3 else 'xyz'[i % 3]}\n")
r = run("report", many, "--out", os.path.join(TMP, "report_100"), "-q")
html = open(os.path.join(TMP, "report_100", "index.html")).read() if r.returncode == 0 else ""
expect("report, 100 annotators: the comparison chart shows the 60 lowest and says so", "the 60 lowest of 100 annotators" in html, r.stderr)
images = os.listdir(os.path.join(TMP, "report_100", "images")) if r.returncode == 0 else []
expect("report, 100 annotators: confusion and drift pictures for the 60 lowest, the others say why",
       sum(1 for x in images if x.startswith("confusion_") and x.endswith(".png")) == 60 and
       sum(1 for x in images if x.startswith("drift_") and x.endswith(".png")) == 60 and html.count("No pictures: they are drawn for the 60 annotators (of 100)") == 40,
       f"{len(images)}")
# 3,000 annotators: 120 pictures, not 6,000 (that took 91 s and 463 MB of images).
a3000 = os.path.join(TMP, "annotators_3000.csv")
r = bounded("report --out: 3,000 annotators", [a3000], "report", a3000, "--out", os.path.join(TMP, "report_3000"), "-q")
expect("report --out: 3,000 annotators draws pictures for 60", r.returncode == 0 and len(os.listdir(os.path.join(TMP, "report_3000", "images"))) == 2 * (2 * 60 + 1),
       r.stderr[-300:])
r = run("agree", many, "--plot", os.path.join(TMP, "plot_100"), "-q")
png_file = os.path.join(TMP, "plot_100", "pairwise_cohen_kappa.png")
width = struct.unpack(">I", open(png_file, "rb").read()[16:20])[0] if os.path.exists(png_file) else 0
expect("agree --plot, 100 annotators: the heatmap shows 40 of them", r.returncode == 0 and 0 < width < 3000, f"{r.returncode} {width} {r.stderr}")

# ---- Every reader at scale: N bytes cost at most 64 x N + 200 MB and 10 s ----
# Two annotators' deliveries of every format, each a few MB of many items and of one item with
# thousands of objects, through validate and agree.
def scale_inputs(who):
    rng = __import__("random").Random(21 + (who == "b"))
    root = os.path.join(TMP, f"scale_{who}")
    os.makedirs(root, exist_ok=True)
    out = {}

    def boxes(n_images, per_image):
        for i in range(n_images // SCALE):
            n = 2000 // SCALE if i == 0 else per_image
            yield i, [(rng.choice(("car", "person")), rng.uniform(0, 900), rng.uniform(0, 700), rng.uniform(5, 90), rng.uniform(5, 90)) for _ in range(n)]

    with open(os.path.join(root, "table.csv"), "w") as f:
        f.write("item,annotator,label\n")
        for i in range(100000 // SCALE):
            f.write(f"i{i},{who},{rng.choice('xyz')}\n")
    out["table"] = os.path.join(root, "table.csv")
    images, anns = [], []
    for i, objs in boxes(2000, 10):
        images.append({"id": i + 1, "file_name": f"{i}.jpg", "width": 1000, "height": 800})
        for c, x, y, w, h in objs:
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": 1 + (c == "person"), "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0,
                         "segmentation": [[x, y, x + w, y, x + w, y + h, x, y + h]]})
    json.dump({"images": images, "annotations": anns, "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}]},
              open(os.path.join(root, "coco.json"), "w"))
    out["coco"] = os.path.join(root, "coco.json")
    with open(os.path.join(root, "cvat.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>\n')
        for i, objs in boxes(2000, 10):
            f.write(f'<image id="{i}" name="{i}.jpg" width="1000" height="800">\n')
            for c, x, y, w, h in objs:
                f.write(f'<box label="{c}" occluded="0" xtl="{x:.2f}" ytl="{y:.2f}" xbr="{x + w:.2f}" ybr="{y + h:.2f}" z_order="0"/>\n')
            f.write("</image>\n")
        f.write("</annotations>\n")
    out["cvat"] = os.path.join(root, "cvat.xml")
    tasks = []
    for i, objs in boxes(2000, 10):
        tasks.append({"id": i + 1, "data": {"image": f"/data/{i}.jpg"}, "annotations": [{"id": i + 1, "completed_by": 1, "result": [
            {"id": f"r{i}_{k}", "type": "rectanglelabels", "from_name": "label", "to_name": "image", "original_width": 1000, "original_height": 800,
             "value": {"x": x / 10, "y": y / 8, "width": w / 10, "height": h / 8, "rotation": 0, "rectanglelabels": [c]}} for k, (c, x, y, w, h) in enumerate(objs)]}]})
    json.dump(tasks, open(os.path.join(root, "ls.json"), "w"))
    out["label_studio"] = os.path.join(root, "ls.json")
    for fmt in ("voc", "yolo", "labelme"):
        d = os.path.join(root, fmt)
        os.makedirs(d, exist_ok=True)
        if fmt == "yolo":
            open(os.path.join(d, "classes.txt"), "w").write("car\nperson\n")
        for i, objs in boxes(1000, 10):
            if fmt == "voc":
                body = "".join(f"<object><name>{c}</name><bndbox><xmin>{x:.1f}</xmin><ymin>{y:.1f}</ymin><xmax>{x + w:.1f}</xmax><ymax>{y + h:.1f}</ymax></bndbox></object>"
                               for c, x, y, w, h in objs)
                open(os.path.join(d, f"{i}.xml"), "w").write(f"<annotation><filename>{i}.jpg</filename><size><width>1000</width><height>800</height>"
                                                             f"<depth>3</depth></size>{body}</annotation>")
            elif fmt == "yolo":
                open(os.path.join(d, f"{i}.txt"), "w").write("".join(f"{int(c == 'person')} {(x + w / 2) / 1000:.5f} {(y + h / 2) / 800:.5f} {w / 1000:.5f} {h / 800:.5f}\n"
                                                                     for c, x, y, w, h in objs))
            else:
                json.dump({"version": "5.2.1", "flags": {}, "imagePath": f"{i}.jpg", "imageData": None, "imageHeight": 800, "imageWidth": 1000,
                           "shapes": [{"label": c, "points": [[x, y], [x + w, y + h]], "shape_type": "rectangle", "flags": {}} for c, x, y, w, h in objs]},
                          open(os.path.join(d, f"{i}.json"), "w"))
        out[fmt] = d
    words = __import__("random").Random(3)  # the same texts for both annotators
    with open(os.path.join(root, "doccano.jsonl"), "w") as f:
        for i in range(20000 // SCALE):
            text = " ".join(words.choice(("Anna", "met", "Bob", "in", "Paris", "at", "Acme")) for _ in range(30 if i else 3000 // SCALE))
            spans, pos = [], 0
            for word in text.split(" "):
                if word[0].isupper() and rng.random() < 0.8:
                    spans.append([pos, pos + len(word), rng.choice(("PER", "LOC", "ORG"))])
                pos += len(word) + 1
            f.write(json.dumps({"id": i + 1, "text": text, "label": spans}) + "\n")
    out["doccano"] = os.path.join(root, "doccano.jsonl")
    with open(os.path.join(root, "prodigy.jsonl"), "w") as f:
        for line in open(out["doccano"]):
            d = json.loads(line)
            f.write(json.dumps({"text": d["text"], "_input_hash": d["id"], "_task_hash": d["id"], "answer": "accept",
                                "spans": [{"start": a, "end": b, "label": l} for a, b, l in d["label"]]}) + "\n")
    out["prodigy"] = os.path.join(root, "prodigy.jsonl")
    return out


scale = {who: scale_inputs(who) for who in "ab"}
for fmt in scale["a"]:
    a, b = scale["a"][fmt], scale["b"][fmt]
    extra = []
    if fmt == "yolo":
        sizes = os.path.join(TMP, "scale_sizes.csv")
        open(sizes, "w").write("image,width,height\n" + "".join(f"{i}.jpg,1000,800\n" for i in range(1000 // SCALE)))
        extra = ["--yolo-classes", os.path.join(a, "classes.txt"), "--image-sizes", sizes]
    r = bounded(f"validate {fmt} at scale", [a], "validate", a, *extra, "-q")
    expect(f"validate {fmt} at scale: read", r.returncode in (0, 1), f"{r.returncode} {r.stderr[-300:]}")
    names = [] if fmt == "table" else ["--annotators", "a,b"]
    r = bounded(f"agree {fmt} at scale", [a, b], "agree", a, b, *names, *extra, "--json", os.path.join(TMP, f"scale_{fmt}.json"), "-q")
    expect(f"agree {fmt} at scale: compared", r.returncode == 0, f"{r.returncode} {r.stderr[-300:]}")

# ---- Reading outside the delivery ----
secret = os.path.join(TMP, "secret.txt")
open(secret, "w").write("hunter2 is the password\n")
ydir = os.path.join(TMP, "yolo_link")
os.makedirs(os.path.join(ydir, "labels"), exist_ok=True)
open(os.path.join(ydir, "classes.txt"), "w").write("car\n")
open(os.path.join(ydir, "sizes.csv"), "w").write("image,width,height\nimg1,100,100\n")
os.symlink(secret, os.path.join(ydir, "labels", "img1.txt"))
sizes = os.path.join(ydir, "sizes.csv")
r = run("agree", ydir, "--format", "yolo", "--image-sizes", sizes)
expect("a label file linked outside the folder: refused, not echoed", r.returncode == 2 and "symbolic link" in r.stderr and "hunter2" not in r.stderr, r.stderr)
r = run("validate", ydir, "--format", "yolo", "--image-sizes", sizes, "--json", "-", "-q")
expect("validate: the link is refused, its content never in the report", r.returncode == 2 and "hunter2" not in r.stdout and "symbolic link" in r.stdout, r.stdout[:500])
r = run("agree", ydir, "--format", "yolo", "--image-sizes", sizes, "--follow-symlinks")
expect("--follow-symlinks reads it", r.returncode == 2 and "symbolic link" not in r.stderr and "expected numbers" in r.stderr, r.stderr)
walk = os.path.join(TMP, "walk")
os.makedirs(walk, exist_ok=True)
shutil_src = os.path.join(SRC, "examples", "coco", "alice.json")
open(os.path.join(walk, "alice.json"), "w").write(open(shutil_src).read())
os.symlink(os.path.join(SRC, "examples", "coco", "bob.json"), os.path.join(walk, "bob.json"))
r = run("validate", walk, "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout.strip() else None
expect("validate walking a folder: a file linked outside is a schema finding", d is not None and
       [(os.path.basename(f["file"]), f["code"]) for f in d["findings"]] == [("bob.json", "schema")], r.stdout[:600])
lm = os.path.join(TMP, "labelme_passwd.json")
json.dump({"version": "5.2.1", "flags": {}, "imagePath": "../../../../etc/passwd", "imageData": None, "imageWidth": 100, "imageHeight": 100,
           "shapes": [{"label": "a", "points": [[1, 1], [5, 5]], "shape_type": "rectangle", "group_id": None, "flags": {}}]}, open(lm, "w"))
r = run("validate", lm, "--format", "labelme", "--json", "-", "-q")
d = json.loads(r.stdout) if r.stdout.strip() else None
expect("LabelMe imagePath climbing out: schema finding", d is not None and [f["code"] for f in d["findings"]] == ["schema"] and
       "../../../../etc/passwd" in d["findings"][0]["message"], r.stdout[:500])

# ---- Untrusted bytes in messages and reports ----
yolo = os.path.join(TMP, "yolo_escape")
os.makedirs(os.path.join(yolo, "labels"), exist_ok=True)
open(os.path.join(yolo, "classes.txt"), "w").write("car\n")
open(os.path.join(yolo, "sizes.csv"), "w").write("image,width,height\nimg1,100,100\n")
open(os.path.join(yolo, "labels", "img1.txt"), "w").write("0 0.5 0.5 \x1b]0;owned\x07\x1b[2J 0.1\n")
r = run("agree", yolo, "--format", "yolo", "--image-sizes", os.path.join(yolo, "sizes.csv"))
expect("terminal escapes in a token are escaped", r.returncode == 2 and "\x1b" not in r.stderr and "\\x1b" in r.stderr, repr(r.stderr))
open(os.path.join(yolo, "labels", "img1.txt"), "w").write("0 0.5 0.5 0.2 " + "x" * 5_000_000 + "\n")
r = run("agree", yolo, "--format", "yolo", "--image-sizes", os.path.join(yolo, "sizes.csv"))
expect("a 5 MB token is cut in the message", r.returncode == 2 and len(r.stderr) < 3000 and "more bytes)" in r.stderr, len(r.stderr))
# CSV cells a spreadsheet would run as formulas get an apostrophe; numbers stay numbers.
ratings = os.path.join(TMP, "formula.csv")
open(ratings, "w").write('item,annotator,label\ni1,=cmd|calc,=HYPERLINK("http://x")\ni1,bob,-1\ni2,=cmd|calc,@SUM(1)\ni2,bob,+x\n')
out_csv = os.path.join(TMP, "formula_report.csv")
r = run("agree", ratings, "--csv", out_csv, "-q")
text = open(out_csv).read() if r.returncode == 0 else ""
expect("CSV formulas neutralised", r.returncode == 0 and "'=cmd|calc" in text and ",=" not in text and ",@" not in text and ",+" not in text, text[:600])
# Markdown: no raw HTML, no links from names.
deliv = os.path.join(TMP, "md_delivery.csv")
open(deliv, "w").write('item,annotator,label\ni1,<img src=x onerror=alert(1)>,a\ni2,[x](javascript:alert(1)),b\n')
gold = os.path.join(TMP, "md_gold.csv")
open(gold, "w").write("item,label\ni1,a\ni2,b\n")
md = os.path.join(TMP, "summary.md")
r = run("gold", deliv, "--gold", gold, "--markdown", md, "-q")
mdtext = open(md).read() if os.path.exists(md) else ""
expect("markdown: names escaped", r.returncode == 0 and "<img" not in mdtext and "](javascript" not in mdtext and "&lt;img" in mdtext, mdtext[:500] + r.stderr)

# ---- Outputs ----
import shutil  # noqa: E402
import stat  # noqa: E402
import threading  # noqa: E402

SENT = os.path.join(SRC, "examples", "sentiment.csv")
x = os.path.join(TMP, "x.csv")
shutil.copy(SENT, x)
original = open(x, "rb").read()
os.makedirs(os.path.join(TMP, "sub"), exist_ok=True)
for flag, target in (("--csv", x), ("--json", os.path.join(TMP, "sub", "..", "x.csv"))):
    r = run("agree", x, flag, target, "-q")
    expect(f"output {flag} onto the input: refused", r.returncode == 2 and "is an input" in r.stderr, r.stderr)
expect("the input is untouched", open(x, "rb").read() == original)
gold_copy = os.path.join(TMP, "gold.csv")
shutil.copy(os.path.join(GOLD, "gold.csv"), gold_copy)
r = run("gold", os.path.join(GOLD, "delivery.csv"), "--gold", gold_copy, "--markdown", gold_copy, "-q")
expect("gold --markdown onto the gold file: refused", r.returncode == 2 and "is an input" in r.stderr, r.stderr)
# A symlink is followed: the link stays, the file it names gets the report.
target = os.path.join(TMP, "target.json")
open(target, "w").write("{}")
link = os.path.join(TMP, "link.json")
os.symlink("target.json", link)
r = run("agree", x, "--json", link, "-q")
expect("symlink output: the link stays, its target is written", r.returncode == 0 and os.path.islink(link) and
       json.load(open(target))["command"] == "agree", r.stderr)
# A FIFO is written into, not replaced by a file.
fifo = os.path.join(TMP, "fifo")
os.mkfifo(fifo)
got = {}
reader = threading.Thread(target=lambda: got.setdefault("bytes", open(fifo, "rb").read()))
reader.start()
r = run("agree", x, "--json", fifo, "-q")
reader.join(timeout=10)
expect("FIFO output: written into, still a FIFO", r.returncode == 0 and stat.S_ISFIFO(os.stat(fifo).st_mode) and
       json.loads(got.get("bytes", b"{}"))["command"] == "agree", r.stderr)
# An existing report keeps its mode (gold reports hold gold labels); a new one follows the umask.
os.chmod(target, 0o600)
run("agree", x, "--json", target, "-q")
expect("existing report keeps mode 0600", stat.S_IMODE(os.stat(target).st_mode) == 0o600, oct(os.stat(target).st_mode))
fresh = os.path.join(TMP, "fresh.json")
p = subprocess.run(["sh", "-c", f"umask 077 && '{BINARY}' agree '{x}' --json '{fresh}' -q"], capture_output=True, text=True)
expect("new report follows the umask", p.returncode == 0 and stat.S_IMODE(os.stat(fresh).st_mode) == 0o600, oct(os.stat(fresh).st_mode))
# A standard output that cannot take the report is an error, not a success.
if os.path.exists("/dev/full"):
    with open("/dev/full", "w") as full:
        p = subprocess.run([BINARY, "agree", x, "--json", "-", "-q"], stdout=full, stderr=subprocess.PIPE, text=True)
    expect("--json - onto a full device: exit 2", p.returncode == 2 and "standard output" in p.stderr, p.stderr)

# Transcripts: one item transcribed by 3,000 annotators (4.5 million pairs of texts), 200 annotators
# (19,900 annotator pairs), and two texts of 20,000 words (4 x 10^8 alignment cells).
def transcripts(name, rows):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write("item,annotator,text\n" + "".join(f"{i},{a},{t}\n" for i, a, t in rows))
    return path


many = transcripts("tr_many.csv", [("x", f"a{a}", "hello world") for a in range(3000)])
r = bounded("agree: 3,000 transcripts of one item", [many], "agree", many, "-q")
expect("agree: 4.5M pairs of texts refused, exit 2 naming the limit", r.returncode == 2 and "pairs of texts" in r.stderr, r.stderr)
wide = transcripts("tr_wide.csv", [(f"i{i}", f"a{a}", "hello") for i in range(2) for a in range(200)])
r = bounded("agree: 200 transcribers", [wide], "agree", wide, "-q")
expect("agree: 19,900 annotator pairs refused, exit 2", r.returncode == 2 and "annotator pairs" in r.stderr, r.stderr)
long_texts = transcripts("tr_long.csv", [("x", "a", "word " * 20000), ("x", "b", "ward " * 20000), ("y", "a", "hi"), ("y", "b", "hi")])
r = bounded("agree: two texts of 20,000 words", [long_texts], "agree", long_texts, "--json", "-", "-q")
d = json.loads(r.stdout) if r.returncode == 0 else {}
expect("agree: texts too long to align are left out with a warning", r.returncode == 0 and d["overall"]["unaligned_pairs"] == 1 and
       [w["code"] for w in d["warnings"]] == ["texts_not_aligned"], r.stderr)

sys.exit(harness.summary())
