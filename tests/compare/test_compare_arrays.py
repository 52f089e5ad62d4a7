"""numpy ndarray details."""

from __future__ import annotations

import numpy as np

from workbench.compare import diff_values
from workbench.compare.arrays import ArrayDetail


def test_same_shape_numeric():
    old = np.arange(12.0).reshape(3, 4)
    new = old.copy()
    new[1, 2] = 6.5
    new[2, 3] = 100.0
    old[0, 0] = new[0, 0] = np.nan
    d = diff_values(old, new)
    assert isinstance(d, ArrayDetail)
    assert d.n_different == 2 and d.max_abs_diff == 89.0 and d.allclose is False
    assert [(e.index, e.old, e.new) for e in d.examples] == [((1, 2), 6.0, 6.5), ((2, 3), 11.0, 100.0)]
    assert d.stats_before["count"] == 11
    assert d.lines()[0] == "ndarray 3x4 float64 -> 3x4 float64; 2 of 12 elements differ"


def test_allclose_and_int_types():
    old = np.arange(5, dtype=np.int64)
    d = diff_values(old, old.astype(np.float64) + 1e-12)
    assert d.allclose is True and d.max_abs_diff < 1e-11 and d.dtype_after == "float64"
    d = diff_values(np.array([0], dtype=np.uint8), np.array([255], dtype=np.uint8))
    assert d.max_abs_diff == 255.0  # no unsigned wraparound


def test_nan_vs_number_counts_as_different():
    d = diff_values(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))
    assert d.n_different == 1 and d.allclose is False


def test_shape_change_has_no_elementwise_fields():
    d = diff_values(np.zeros((2, 3)), np.zeros(7))
    assert (d.shape_before, d.shape_after) == ((2, 3), (7,))
    assert d.n_different is None and d.max_abs_diff is None and d.examples == []


def test_strings_bools_objects_datetimes():
    assert diff_values(np.array(["a", "b"]), np.array(["a", "c"])).n_different == 1
    d = diff_values(np.array([True, False]), np.array([True, True]))
    assert d.n_different == 1 and d.max_abs_diff is None
    d = diff_values(np.array([[1], None], dtype=object), np.array([[2], None], dtype=object))
    assert d.n_different == 1
    t = np.array(["NaT", "2024-01-01"], dtype="datetime64[D]")
    t2 = t.copy()
    t2[1] = np.datetime64("2024-01-02")
    assert diff_values(t, t2).n_different == 1


def test_large_array_is_quick():
    import time

    old = np.random.default_rng(0).random(5_000_000)
    new = old.copy()
    new[::1000] += 1
    t = time.perf_counter()
    d = diff_values(old, new)
    assert time.perf_counter() - t < 2.0
    assert d.n_different == 5000 and len(d.examples) == 5
