"""labelqa.metrics: Krippendorff's published example, the binary's numbers on the same ratings,
and statsmodels / scikit-learn as oracles."""
import csv
import random

import numpy as np
import pytest

from labelqa import metrics
from conftest import cli_json

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers x 12 units.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def test_krippendorffs_published_example():
    # The paper gives 0.743 (nominal), 0.815 (ordinal), 0.849 (interval) and 0.797 (ratio).
    published = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    for level, value in published.items():
        assert round(metrics.krippendorff_alpha(KRIPPENDORFF_2011, level).value, 3) == value
    # None is missing too, and units x raters is the same matrix transposed.
    with_none = [[None if np.isnan(v) else v for v in row] for row in KRIPPENDORFF_2011]
    assert metrics.krippendorff_alpha(with_none).value == metrics.krippendorff_alpha(KRIPPENDORFF_2011).value
    by_units = metrics.agreement(np.array(KRIPPENDORFF_2011).T, raters="columns")
    assert by_units["krippendorff_alpha"] == metrics.krippendorff_alpha(KRIPPENDORFF_2011)


def random_ratings(seed, units, raters, labels, missing):
    rng = random.Random(seed)
    table = []
    for _ in range(units):
        truth = rng.choice(labels)
        row = [None if rng.random() < missing else (truth if rng.random() < 0.6 else rng.choice(labels)) for _ in range(raters)]
        table.append(row)
    return table


@pytest.mark.parametrize("level,labels,extra", [
    ("nominal", ["neg", "neu", "pos"], []),
    ("ordinal", [1, 2, 3, 4, 5], ["--level", "ordinal"]),
    ("interval", [1, 2, 3, 4, 5], ["--level", "interval"]),
])
def test_the_binarys_numbers_on_the_same_ratings(tmp_path, level, labels, extra):
    table = random_ratings(4, 150, 4, labels, 0.15)
    path = tmp_path / "ratings.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item", "annotator", "label"])
        for u, row in enumerate(table):
            for r, v in enumerate(row):
                if v is not None:
                    w.writerow([f"unit {u}", f"rater {r}", v])
    expected, _ = cli_json("agree", str(path), *extra)
    got = metrics.agreement(table, raters="columns", level=level)
    assert set(got) == set(expected["overall"])
    for name, e in got.items():
        want = expected["overall"][name]
        for field in ("value", "se", "ci_low", "ci_high", "ci_method", "undefined_reason"):
            assert getattr(e, field) == want.get(field), (name, field)


def test_statsmodels_and_sklearn():
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    table = random_ratings(8, 200, 5, [0, 1, 2, 3], 0.0)
    counts, _ = aggregate_raters(np.array(table))
    assert metrics.fleiss_kappa(table).value == pytest.approx(fleiss_kappa(counts, method="fleiss"), abs=1e-12)
    two = [row[:2] for row in table]
    assert metrics.cohen_kappa(two).value == pytest.approx(cohen_kappa_score([r[0] for r in two], [r[1] for r in two]), abs=1e-12)


def test_labels_as_text_with_an_order_and_undefined_cases():
    ordered = metrics.krippendorff_alpha([["lo", "hi", "mid", "mid"], ["lo", "mid", "mid", "hi"]], order=["lo", "mid", "hi"])
    numeric = metrics.krippendorff_alpha([[1, 3, 2, 2], [1, 2, 2, 3]], "ordinal")
    assert ordered.value == pytest.approx(numeric.value, abs=1e-15)
    one_rater = metrics.krippendorff_alpha([[1, 2, 3]])
    assert one_rater.value is None and one_rater.undefined_reason
    assert metrics.cohen_kappa([[1, 2, 3], [1, 2, 3], [2, 2, 1]]).undefined_reason == "needs_exactly_two_annotators"
    with pytest.raises(ValueError):
        metrics.krippendorff_alpha([["a", "b"], ["a", "c"]], "interval")
    with pytest.raises(ValueError):
        metrics.krippendorff_alpha([["a", "b"], ["a", "c"]], order=["a", "b"])
