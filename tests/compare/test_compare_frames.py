"""pandas DataFrame and Series details, NaN handling, alignment, and the 1M-row timing."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from workbench.compare import diff_values
from workbench.compare.frames import FrameDetail, SeriesDetail


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: rng.random(n) for c in "abcde"})


def test_aligned_changed_cells_per_column_and_examples():
    old = pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0], "y": ["a", "b", "c", None], "z": [1, 2, 3, 4]})
    new = old.copy()
    new.loc[1, "x"] = 20.0
    new.loc[3, "y"] = "d"
    new.loc[3, "x"] = np.nan
    d = diff_values(old, new)
    assert isinstance(d, FrameDetail)
    assert d.index_equal and d.changed_cells == 3 and d.changed_rows == 2
    assert d.column_changes == [{"column": "x", "changed": 2}, {"column": "y", "changed": 1}]
    assert [ex.index for ex in d.examples] == [1, 3]
    ex = d.examples[1]
    assert [(c.column, c.old) for c in ex.changes] == [("x", 4.0), ("y", ex.changes[1].old)]
    assert np.isnan(ex.changes[0].new) and pd.isna(ex.changes[1].old) and ex.changes[1].new == "d"
    assert [s.column for s in d.stats] == ["x"]  # numeric and changed only
    assert d.stats[0].before["count"] == 3 and d.stats[0].after["count"] == 2
    assert d.stats[0].after["max"] == 20.0
    assert d.lines()[0] == "DataFrame 4x3 -> 4x3; 3 cells changed in 2 rows"


def test_nan_equals_nan_everywhere():
    old = pd.DataFrame({"f": [np.nan, 1.0], "o": [np.nan, "x"], "t": pd.to_datetime([None, "2024-01-01"]),
                        "i": pd.array([pd.NA, 1], dtype="Int64"), "s": pd.array([None, "a"], dtype="string")})
    d = diff_values(old, old.copy(deep=True))
    assert d.changed_cells == 0 and d.changed_rows == 0 and d.examples == [] and d.stats == []


def test_extension_and_object_columns_with_na_changes():
    old = pd.DataFrame({"i": pd.array([pd.NA, 1, 2], dtype="Int64"), "s": pd.array([None, "a", "b"], dtype="string"),
                        "c": pd.Categorical(["u", "v", "u"]), "l": [[1], [2], [3]]})
    new = pd.DataFrame({"i": pd.array([0, 1, pd.NA], dtype="Int64"), "s": pd.array([None, "A", "b"], dtype="string"),
                        "c": pd.Categorical(["u", "v", "w"]), "l": [[1], [2], [4]]})
    d = diff_values(old, new)
    assert {c["column"]: c["changed"] for c in d.column_changes} == {"i": 2, "s": 1, "c": 1, "l": 1}
    json.dumps(d.to_json(), allow_nan=False)


def test_added_column_and_dtype_change():
    old = pd.DataFrame({"a": [1, 2, 3], "b": [1.0, 2.0, 3.0], "gone": ["x", "y", "z"]})
    new = pd.DataFrame({"a": [1.0, 2.0, 3.5], "b": [1.0, 2.0, 3.0], "new": [7, 8, 9]})
    d = diff_values(old, new)
    assert (d.columns_added, d.n_columns_added) == (["new"], 1)
    assert (d.columns_removed, d.n_columns_removed) == (["gone"], 1)
    assert d.dtype_changes == [{"column": "a", "before": "int64", "after": "float64"}]
    assert d.changed_cells == 1 and d.column_changes == [{"column": "a", "changed": 1}]
    by_col = {s.column: s for s in d.stats}
    assert set(by_col) == {"a", "new"}  # "gone" is not numeric
    assert by_col["new"].before is None and by_col["new"].after["mean"] == 8.0
    text = "\n".join(d.lines())
    assert "columns added: new" in text and "columns removed: gone" in text
    assert "dtype a: int64 -> float64" in text


def test_non_aligned_frames_have_no_cell_count_but_shape_and_stats():
    old = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0]})
    new = pd.DataFrame({"v": [1.0, 2.0, 30.0]}, index=[10, 11, 12])
    d = diff_values(old, new)
    assert not d.index_equal and d.changed_cells is None and d.changed_rows is None
    assert (d.shape_before, d.shape_after) == ((4, 1), (3, 1))
    assert d.stats[0].before["count"] == 4 and d.stats[0].after["max"] == 30.0
    assert "  index changed; cells not compared" in d.lines() and d.note is None


def test_reordered_and_duplicate_columns():
    old = pd.DataFrame({"a": [1], "b": [2]})
    d = diff_values(old, old[["b", "a"]])
    assert d.columns_reordered and d.changed_cells == 0
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    dup2 = pd.DataFrame([[1, 3]], columns=["a", "a"])
    assert diff_values(dup, dup2).changed_cells == 1
    d = diff_values(dup, pd.DataFrame([[1, 3]], columns=["a", "b"]))
    assert d.changed_cells is None or d.note


def test_column_bound_on_stats_and_examples():
    old = pd.DataFrame({f"c{i}": np.arange(10.0) for i in range(40)})
    new = old + 1
    d = diff_values(old, new, max_rows=2)
    assert d.changed_cells == 400 and d.n_columns_changed == 40
    assert len(d.stats) == 10 and len(d.examples) == 2
    assert len(d.examples[0].changes) == 10
    assert len(d.column_changes) == 20


@pytest.mark.timeout(60)
def test_one_million_rows_one_changed_column_is_fast():
    old = _frame(1_000_000)
    new = old.copy()
    new["c"] = new["c"] * 1.01
    diff_values(old.head(10), new.head(10))  # warm caches of pandas internals
    best = min(_timed(old, new) for _ in range(3))
    print(f"\n1M x 5 DataFrame diff: {best * 1000:.1f} ms")
    assert best < 2.0
    d = diff_values(old, new)
    assert d.changed_cells == 1_000_000 and [c["column"] for c in d.column_changes] == ["c"]
    assert [s.column for s in d.stats] == ["c"] and len(d.examples) == 5


def _timed(old, new) -> float:
    t = time.perf_counter()
    diff_values(old, new)
    return time.perf_counter() - t


def test_series_aligned_and_not():
    old = pd.Series([1.0, np.nan, 3.0, 4.0], name="s")
    new = pd.Series([1.0, np.nan, 5.0, 4.0], name="s")
    d = diff_values(old, new)
    assert isinstance(d, SeriesDetail)
    assert d.changed == 1 and d.examples[0].index == 2
    assert (d.examples[0].changes[0].old, d.examples[0].changes[0].new) == (3.0, 5.0)
    assert d.stats[0].before["mean"] == pytest.approx(8 / 3)
    d = diff_values(old, new.iloc[:3].rename("t").astype("float32"))
    assert d.changed is None and (d.len_before, d.len_after) == (4, 3)
    assert (d.dtype_before, d.dtype_after, d.name_after) == ("float64", "float32", "t")
    assert "  dtype: float64 -> float32" in d.lines() and "  index changed; values not compared" in d.lines()
    assert d.stats and d.stats[0].after["count"] == 2


def test_series_vs_frame_is_a_type_change():
    assert diff_values(pd.Series([1]), pd.DataFrame({"a": [1]})).kind == "value"


def test_a_change_past_the_compared_columns_is_never_reported_as_none():
    """10,000 columns, one change in column 9,999: past the cell-by-cell bound the column is
    still found (issue 8/14 item 17)."""
    import numpy as np
    import pandas as pd

    from workbench.compare import diff_values

    before = pd.DataFrame(np.zeros((50, 10_000)), columns=[f"c{i}" for i in range(10_000)])
    after = before.copy()
    after.iloc[7, 9_999] = 1.0
    detail = diff_values(before, after)
    assert detail.n_columns_differing_uncounted == 1
    assert detail.columns_differing_uncounted == ["c9999"]
    head = detail.lines()[0]
    assert "1 more columns differ" in head and "0 cells changed" in head
    assert "c9999" in "\n".join(detail.lines())
    same = diff_values(before, before.copy())
    assert same.kind == "equal" or not getattr(same, "n_columns_differing_uncounted", 0)
