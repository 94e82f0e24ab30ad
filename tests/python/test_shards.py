"""Sharded runs from Python: partials as bytes, labelqa.merge, and labelqa.dask on a
distributed.LocalCluster of 2 worker processes, each against the single-process bytes."""
import json
import os
import random

import pandas as pd
import pytest

import labelqa
from conftest import sorted_dump


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """Seven CSV shards of one delivery, every item whole in one shard."""
    folder = tmp_path_factory.mktemp("shards")
    rng = random.Random(5)
    files = [open(folder / f"part-{k}.csv", "w") for k in range(7)]
    for f in files:
        f.write("item,annotator,label\n")
    for i in range(1500):
        truth = rng.choice("abcd")
        shard = files[rng.randrange(7)]
        for a in range(5):
            if rng.random() < 0.2:
                continue
            shard.write(f"item-{i},ann{a},{truth if rng.random() < 0.6 else rng.choice('abcd')}\n")
    for f in files:
        f.close()
    return sorted(str(p) for p in folder.glob("part-*.csv"))


def test_partials_as_bytes_merge_into_the_single_run(shards):
    single = labelqa.agree(shards)
    parts = [labelqa.agree(f, partial=True).outputs["partial"] for f in shards]
    assert all(isinstance(p, bytes) and p.startswith(b"LQAPART\n") for p in parts)
    merged = labelqa.merge(list(reversed(parts)))
    assert merged["input"]["files"] == shards
    assert sorted_dump(merged) == sorted_dump(single)
    gated = labelqa.merge(parts, min={"fleiss_kappa": 0.99})
    assert gated.gate_failed


def test_a_split_item_raises_input_error(shards, tmp_path):
    extra = tmp_path / "extra.csv"
    extra.write_text("item,annotator,label\nitem-0,zed,a\n")
    parts = [labelqa.agree(f, partial=True).outputs["partial"] for f in shards + [str(extra)]]
    with pytest.raises(labelqa.InputError) as e:
        labelqa.merge(parts)
    assert e.value.item == "item-0"


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_over_shard_files(client, shards):
    import labelqa.dask

    assert len(client.scheduler_info()["workers"]) == 2
    single = labelqa.agree(shards, bootstrap=200, seed=3)
    for split_every in (2, 3, 8):
        r = labelqa.dask.agree(shards, client=client, split_every=split_every, bootstrap=200, seed=3)
        assert sorted_dump(r) == sorted_dump(single)
    gated = labelqa.dask.agree(list(reversed(shards)), client=client, min={"krippendorff_alpha": 0.99})
    assert gated.gate_failed and sorted_dump(gated) == sorted_dump(labelqa.agree(shards, min={"krippendorff_alpha": 0.99}))


def test_dask_dataframe_partitions(client, shards):
    import dask.dataframe as dd

    import labelqa.dask

    frame = pd.concat([pd.read_csv(f) for f in shards]).set_index("item")
    ddf = dd.from_pandas(frame, npartitions=6, sort=True)
    r = labelqa.dask.agree(ddf, client=client)
    single = labelqa.agree([p.compute() for p in ddf.to_delayed()], input_names=labelqa.dask.partition_names(6))
    assert sorted_dump(r) == sorted_dump(single)
    assert r["input"]["files"] == labelqa.dask.partition_names(6)
    assert r["summary"]["items"] == frame.index.nunique()


def test_dask_gold(client, tmp_path):
    import labelqa.dask

    rng = random.Random(8)
    gold = tmp_path / "gold.csv"
    gold.write_text("item,label\n" + "".join(f"g{i},{rng.choice('xy')}\n" for i in range(200)))
    files = []
    for k in range(4):
        path = tmp_path / f"d-{k}.csv"
        with open(path, "w") as f:
            f.write("item,annotator,label\n")
            for i in range(k, 400, 4):
                for a in range(3):
                    f.write(f"g{i},a{a},{rng.choice('xy')}\n")
        files.append(str(path))
    single = labelqa.gold(files, gold=str(gold), min=["accuracy=0.9"], junit=True)
    r = labelqa.dask.gold(list(reversed(files)), gold=str(gold), client=client, split_every=2, min=["accuracy=0.9"], junit=True)
    assert sorted_dump(r) == sorted_dump(single)
    assert r.outputs["junit"] == single.outputs["junit"] and r.gate_failed == single.gate_failed


def test_dask_coco_objects(client, tmp_path):
    """COCO deliveries of three annotators split by image into five shards: the merged report is a
    single run's over the whole files."""
    import labelqa.dask

    rng = random.Random(21)
    cats = [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}]
    images = [{"id": i, "file_name": f"im{i:03d}.jpg", "width": 200, "height": 150} for i in range(60)]
    truth = {im["id"]: [(rng.randrange(0, 150), rng.randrange(0, 100), rng.randrange(10, 50), rng.randrange(10, 50), rng.randrange(1, 3))
                        for _ in range(rng.randrange(0, 5))] for im in images}
    whole, shards = [], [[] for _ in range(5)]
    home = {im["id"]: rng.randrange(5) for im in images}
    for name in ("alice", "bob", "carol"):
        anns = []
        for im in images:
            for x, y, w, h, c in truth[im["id"]]:
                if rng.random() < 0.1:
                    continue
                anns.append({"id": len(anns) + 1, "image_id": im["id"], "category_id": c if rng.random() < 0.9 else 3 - c, "iscrowd": 0,
                             "bbox": [x + rng.randrange(-3, 4), y + rng.randrange(-3, 4), w, h], "area": w * h})
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"images": images, "annotations": anns, "categories": cats}))
        whole.append(str(path))
        for k in range(5):
            piece = tmp_path / f"shard{k}" / f"{name}.json"
            piece.parent.mkdir(exist_ok=True)
            piece.write_text(json.dumps({"images": [im for im in images if home[im["id"]] == k],
                                         "annotations": [a for a in anns if home[a["image_id"]] == k], "categories": cats}))
            shards[k].append(str(piece))
    single = labelqa.agree(whole, bootstrap=200, per_image=True)
    assert single["mode"] == "objects" and single["overall"]["matched"] > 0
    for split_every in (2, 8):
        r = labelqa.dask.agree(shards, client=client, split_every=split_every, input_names=whole, bootstrap=200, per_image=True)
        assert sorted_dump(r) == sorted_dump(single)
