"""Every detail kind serializes with json.dumps (strict: no NaN literals) and renders lines."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from workbench.compare import diff_values
from workbench.compare.detail import ErrorDetail


@dataclass
class P:
    a: object


CASES = {
    "number": (np.float64("nan"), np.float32(2.5)),
    "number-int": (np.int64(1), 2**70),
    "equal": (np.float64(1.0), np.float64(1.0)),
    "value": (np.bool_(True), None),
    "text": ("a\nb\n", "a\nc\n"),
    "bytes": (b"\x00\xff", b"\x00\xfe"),
    "text-window": ("x" * 2_000_000, "y" * 2_000_000),
    "sequence": ([np.float64(1), float("inf")], [np.float64(2), float("-inf"), np.int32(5)]),
    "set": ({np.int64(1), 2.5}, {3, (4, 5)}),
    "mapping": ({"a": np.float64("nan"), (1, 2): np.int64(3)}, {"a": 1.0, (1, 2): np.int64(4), 5: np.arange(3)}),
    "attributes": (P(np.float64(1)), P(np.float64(2))),
    "complex": (complex(1, 2), complex(1, 3)),
    "repr": (range(3), range(4)),
    "dataframe": (
        pd.DataFrame({"t": pd.to_datetime(["2024-01-01", None]), "x": [1.0, np.nan], "i": [1, 2]},
                     index=pd.to_datetime(["2024-01-01", "2024-01-02"])),
        pd.DataFrame({"t": pd.to_datetime(["2024-01-02", None]), "x": [np.inf, 2.0], "i": [1, 3]},
                     index=pd.to_datetime(["2024-01-01", "2024-01-02"])),
    ),
    "dataframe-multiindex": (
        pd.DataFrame({"v": [1, 2]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)])),
        pd.DataFrame({"v": [1, 5]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)])),
    ),
    "series": (pd.Series([np.nan, 1.0, 2.0]), pd.Series([np.nan, np.inf, 3.0])),
    "ndarray": (np.array([[np.nan, 1.0]]), np.array([[np.nan, np.inf]])),
    "ndarray-complex": (np.array([1 + 1j]), np.array([1 + 2j])),
    "ndarray-datetime": (np.array(["2024-01-01"], dtype="datetime64[s]"), np.array(["2024-01-02"], dtype="datetime64[s]")),
    "timestamp": (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_detail_to_json_is_strict_json(name):
    old, new = CASES[name]
    d = diff_values(old, new)
    j = d.to_json()
    assert j["kind"] == d.kind
    text = json.dumps(j, allow_nan=False)
    assert json.loads(text) == j
    lines = d.lines()
    assert lines and all(isinstance(line, str) and "\n" not in line for line in lines)


def test_kinds_covered():
    kinds = {diff_values(*CASES[name]).kind for name in CASES} | {ErrorDetail("x").kind}
    assert kinds == {"number", "equal", "value", "text", "sequence", "set", "mapping", "repr",
                     "dataframe", "series", "ndarray", "error"}


def test_nan_and_inf_become_strings():
    j = diff_values(float("nan"), float("inf")).to_json()
    assert (j["old"], j["new"]) == ("nan", "inf")
