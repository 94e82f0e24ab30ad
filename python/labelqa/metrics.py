"""agree's coefficients on rating matrices, as numpy users hold them.

Two layouts:

- ``raters="rows"``: a reliability matrix of raters x units, as ``krippendorff.alpha`` takes it.
- ``raters="columns"``: units x raters, as irrCAC's raw-ratings functions take a DataFrame.

Missing ratings are NaN or None. Labels may be numbers or strings. Every function computes the
coefficients of ``labelqa agree`` with the same code, so the values, standard errors and
intervals are the CLI's (docs/metrics.md defines each).

    >>> from labelqa import metrics
    >>> metrics.krippendorff_alpha([[1, 2, 3, 3], [1, 2, 3, None]]).value
"""

from collections import namedtuple

import numpy as np

from ._labelqa import metrics as _m

__all__ = ["Estimate", "agreement", "krippendorff_alpha", "fleiss_kappa", "cohen_kappa", "conger_kappa", "gwet_ac1",
           "brennan_prediger", "percent_agreement"]

#: A coefficient: its value (None when undefined, with the reason), analytic standard error (None
#: when the literature gives none), and the confidence interval with how it was made.
Estimate = namedtuple("Estimate", ["value", "se", "ci_low", "ci_high", "ci_method", "undefined_reason"])

_LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _isna(v):
    try:
        from pandas import isna
    except ImportError:  # pragma: no cover - pandas is optional
        return v is None or (isinstance(v, (float, np.floating)) and np.isnan(v))
    return bool(isna(v))


def _codes(data, raters, level, order):
    """Rater x unit codes (-1 missing), the category names in the model's order, and their scores."""
    if hasattr(data, "to_numpy"):
        data = data.to_numpy(dtype=object)
    try:  # numbers (None and NaN as missing): vectorised
        matrix = np.asarray(data, dtype=np.float64) if order is None else None
    except (TypeError, ValueError):
        matrix = None
    if matrix is None:
        matrix = np.asarray(data, dtype=object)
    if matrix.ndim != 2:
        raise ValueError("ratings must be a two-dimensional array (raters x units, or units x raters with raters='columns')")
    if raters == "columns":
        matrix = matrix.T
    elif raters != "rows":
        raise ValueError("raters must be 'rows' (raters x units, as krippendorff.alpha) or 'columns' (units x raters, as irrCAC)")
    codes = np.full(matrix.shape, -1, dtype=np.int32)
    if matrix.dtype == np.float64:
        present = ~np.isnan(matrix)
        distinct, inverse = np.unique(matrix[present], return_inverse=True)
        names = [repr(int(v)) if v == int(v) else repr(float(v)) for v in distinct]
        if level == "nominal":  # the model keeps nominal categories sorted by name
            by_name = sorted(range(len(names)), key=lambda i: names[i])
            position = np.empty(len(names), dtype=np.int32)
            position[by_name] = np.arange(len(names), dtype=np.int32)
            codes[present] = position[inverse]
            return codes, [names[i] for i in by_name], []
        codes[present] = inverse.astype(np.int32)
        return codes, names, [float(v) for v in distinct]
    present = np.vectorize(lambda v: not _isna(v), otypes=[bool])(matrix) if matrix.size else np.zeros(matrix.shape, dtype=bool)
    labels = [str(v) for v in matrix[present]]
    if order is not None:
        categories = [str(o) for o in order]
        unknown = sorted(set(labels) - set(categories))
        if unknown:
            raise ValueError(f"labels not in order: {unknown}")
        scores = [float(i + 1) for i in range(len(categories))]
    elif level != "nominal":
        raise ValueError(f"labels must be numbers at the {level} level, or give order=[...]")
    else:
        categories, scores = sorted(set(labels)), []
    index = {n: i for i, n in enumerate(categories)}
    codes[present] = np.array([index[v] for v in labels], dtype=np.int32)
    return codes, categories, scores


def agreement(data, *, raters="rows", level=None, order=None, confidence=0.95, ci="auto", bootstrap=1000, seed=1):
    """Every coefficient of ``labelqa agree`` on a rating matrix: {name: Estimate}.

    ``level``: nominal (default), ordinal (default when ``order`` is given), interval or ratio.
    ``ci``: auto (analytic where a variance is known, else bootstrap), analytic or bootstrap.
    """
    level = level or ("ordinal" if order is not None else "nominal")
    if level not in _LEVELS:
        raise ValueError(f"level must be one of {_LEVELS}")
    codes, categories, scores = _codes(data, raters, level, order)
    overall, _ = _m.agreement(codes, categories, scores, level, float(confidence), ci, int(bootstrap), int(seed))
    return {name: Estimate(**{k: e.get(k) for k in Estimate._fields}) for name, e in overall.items()}


def krippendorff_alpha(reliability_data, level_of_measurement=None, **options):
    """Krippendorff's alpha of a raters x units matrix (krippendorff.alpha's layout), with its interval (level: nominal, or ordinal with order=)."""
    return agreement(reliability_data, raters="rows", level=level_of_measurement, **options)["krippendorff_alpha"]


def _by_units(name):
    def coefficient(ratings, **options):
        return agreement(ratings, raters="columns", **options)[name]

    coefficient.__name__ = name
    coefficient.__doc__ = f"{name} of a units x raters table (irrCAC's raw-ratings layout), with its standard error and interval."
    return coefficient


fleiss_kappa = _by_units("fleiss_kappa")
cohen_kappa = _by_units("cohen_kappa")
conger_kappa = _by_units("conger_kappa")
gwet_ac1 = _by_units("gwet_ac1")
brennan_prediger = _by_units("brennan_prediger")
percent_agreement = _by_units("percent_agreement")
