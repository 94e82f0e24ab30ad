"""labelqa: can these labels be trusted? The command line's four commands as functions.

Each function takes the inputs (a path, a list of paths, a pandas DataFrame with item, annotator
and label columns, or a COCO dict) and the command line's flags as keyword arguments
(``--iou-threshold 0.6`` is ``iou_threshold=0.6``, a flag is ``True``, a repeatable flag a list),
and returns the JSON report as a dict (:class:`Result`). Bad input raises :class:`InputError`
(with ``file``, ``line`` and ``item``); a failed gate is ``result.gate_failed``, not an exception.
The computation runs in the same C++ core as the command line, with the GIL released.

    >>> import labelqa
    >>> labelqa.agree("examples/sentiment.csv")["overall"]["krippendorff_alpha"]["value"]
    0.36322773972602773
"""

from . import _labelqa
from ._commands import Result, run as _run
from .errors import InputError, LabelqaError, UsageError

__version__ = _labelqa.__version__
__all__ = ["agree", "gold", "validate", "report", "merge", "Result", "InputError", "UsageError", "LabelqaError", "mask", "metrics", "__version__"]


def agree(inputs, **options):
    """Inter-annotator agreement: ``labelqa agree INPUTS [flags]``. See docs/agree.md for every flag and field."""
    return _run("agree", inputs, (), **options)


def gold(inputs, gold=None, **options):
    """Scores on gold items: ``labelqa gold INPUTS --gold GOLD [flags]``; ``gold`` and ``policy`` may be data (a DataFrame, a dict)."""
    return _run("gold", inputs, ("gold", "policy"), gold=gold, **options)


def validate(inputs, **options):
    """Every structural and geometric defect: ``labelqa validate INPUTS [flags]``. ``exit_code`` is 1 when there are errors."""
    return _run("validate", inputs, (), **options)


def report(inputs, **options):
    """Per-annotator error reports: ``labelqa report INPUTS [flags]``; ``gold`` may be data."""
    return _run("report", inputs, ("gold",), **options)


def merge(partials, **options):
    """Merges partial results (paths, or the bytes of ``agree(..., partial=True).outputs["partial"]``)
    into the report of the union of their shards: ``labelqa merge PARTIALS [flags]``. See docs/scale.md."""
    return _run("merge", partials, (), **options)


def version():
    """labelqa's version and the versions of the libraries it was built with."""
    return _labelqa.version_text()


from . import mask, metrics  # noqa: E402,F401  (labelqa.dask is imported on use: it needs Dask)
