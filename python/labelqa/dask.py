"""Agreement over shards on Dask: each shard's statistics computed on a worker (``agree
--partial``), the partials merged in a tree, the report rendered once. The result is the same, to
the byte, as one process over all the shards (docs/scale.md).

    from distributed import Client
    import labelqa.dask
    client = Client("scheduler:8786")
    r = labelqa.dask.agree(sorted(glob.glob("deliveries/*.csv")), min={"krippendorff_alpha": 0.67})

Needs Dask (Debian: python3-distributed); imported lazily, so ``import labelqa`` does not.
"""

import math

from . import _commands

__all__ = ["agree", "gold", "partition_names"]

# Options that belong to the final merge (gates and reports); the rest go to every shard.
_MERGE_OPTIONS = {
    "agree": {"min", "gate_on", "csv"},
    "gold": {"csv", "conflicts", "junit", "markdown", "sarif", "gitlab_codequality", "vendor_report", "vendor_report_items"},
}


def partition_names(count):
    """How the partitions of a dask DataFrame are named in the report: ``<partition 007>`` ..."""
    width = max(1, len(str(count - 1)))
    return [f"<partition {k:0{width}d}>" for k in range(count)]


def _shard_partial(command, shard, names, options):
    """One shard's partial result (bytes): a path, a list of paths, or a pandas DataFrame."""
    return _commands.run(command, shard, input_names=names, partial=True, **options).outputs["partial"]


def _merge_partials(parts):
    """Partials merged into one partial (bytes): a level of the tree."""
    return _commands.run("merge", list(parts), partial=True).outputs["partial"]


def _final(parts, options):
    result = _commands.run("merge", list(parts), **options)
    return dict(result), result.exit_code, result.outputs, result.messages


def _sharded(command, shards, client, split_every, options):
    import dask

    if split_every < 2:
        raise ValueError("split_every must be at least 2")
    input_names = options.pop("input_names", None)
    shard_options = {k: v for k, v in options.items() if k not in _MERGE_OPTIONS[command]}
    merge_options = {k: v for k, v in options.items() if k in _MERGE_OPTIONS[command]}
    if hasattr(shards, "to_delayed") and hasattr(shards, "npartitions"):
        frames = shards.to_delayed()
        names = partition_names(len(frames))
        parts = [dask.delayed(_shard_partial)(command, frame, [name], shard_options) for frame, name in zip(frames, names)]
    else:
        shards = list(shards)
        if not shards:
            raise ValueError("no shards")
        names = None if input_names is None else list(input_names)
        parts = [dask.delayed(_shard_partial)(command, shard, names, shard_options) for shard in shards]
    # A tree of merges: each level merges split_every partials, its merges in parallel.
    levels = max(0, math.ceil(math.log(len(parts), split_every)) - 1) if len(parts) > 1 else 0
    for _ in range(levels):
        parts = [dask.delayed(_merge_partials)(parts[k:k + split_every]) for k in range(0, len(parts), split_every)]
    final = dask.delayed(_final)(parts, merge_options)
    if client is not None:
        report, exit_code, outputs, messages = client.compute(final).result()
    else:
        report, exit_code, outputs, messages = dask.compute(final)[0]
    return _commands.Result(report, exit_code, outputs, messages)


def gold(shards, gold, client=None, split_every=32, **options):
    """``labelqa gold`` over shards of a delivery on Dask; returns the same Result as :func:`labelqa.gold`.

    ``gold`` (and ``policy``) must be paths the workers can read: every shard is scored against
    the same gold. Shards as for :func:`agree`. The report options (``csv``, ``conflicts``,
    ``junit``, ``markdown``, ``sarif``, ``gitlab_codequality``, ``vendor_report``) apply to the merge.
    """
    import os

    if hasattr(shards, "to_delayed"):
        raise TypeError("labelqa.dask.gold takes shard files (paths or lists of paths); a dask DataFrame's partitions go to labelqa.dask.agree")
    for key, value in (("gold", gold), ("policy", options.get("policy"))):
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"{key}: labelqa.dask.gold needs a path the workers can read")
    return _sharded("gold", shards, client, split_every, dict(options, gold=gold))


def agree(shards, client=None, split_every=32, **options):
    """``labelqa agree`` over shards on Dask; returns the same Result as :func:`labelqa.agree`.

    ``shards``: a list whose elements are each one shard (a path, a list of paths, or a pandas
    DataFrame), or a dask DataFrame (each partition one shard, named by :func:`partition_names`).
    Every shard must hold whole items (an image's objects by every annotator in one shard).
    ``input_names``: how every shard's files are named in the report, in order: for COCO
    deliveries split by image, the whole files' paths (``["alice.json", "bob.json"]``), so that the
    report is the one of a single run over the whole files. ``client``: a ``distributed.Client`` (default: Dask's
    current scheduler). ``split_every``: how many partials each merge of the tree takes (32).
    Options are agree's flags; ``min``, ``gate_on`` and ``csv`` apply to the merged report.
    """
    return _sharded("agree", shards, client, split_every, options)
