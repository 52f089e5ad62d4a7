"""describe(): type names and bounded one-line summaries."""

from __future__ import annotations

import collections
import gc
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from workbench.store import describe


def test_type_names() -> None:
    assert describe(1)[0] == "int"
    assert describe({})[0] == "dict"
    assert describe(collections.OrderedDict())[0] == "collections.OrderedDict"
    assert describe(pd.DataFrame())[0].startswith("pandas.")
    assert describe(np.zeros(1))[0] == "numpy.ndarray"


def test_simple_summaries() -> None:
    assert describe(42) == ("int", "42")
    assert describe("hi") == ("str", "'hi'")
    assert describe(None) == ("NoneType", "None")
    assert describe({"a": [1, 2]})[1] == "{'a': [1, 2]}"


def test_huge_containers_are_fast_and_bounded() -> None:
    big_list = list(range(10_000_000))
    big_dict = dict.fromkeys(range(1_000_000), "v")
    big_counter = collections.Counter(range(1_000_000))
    for obj in (
        big_list, big_dict, set(range(1_000_000)), big_counter, "x" * 10_000_000,
        b"y" * 10_000_000, 10**50_000, [big_list[:1000]] * 1000,
    ):
        gc.disable()  # a collection over these 10M objects is not describe's cost
        try:
            t = time.perf_counter()
            _, summary = describe(obj)
            took = time.perf_counter() - t
        finally:
            gc.enable()
        assert took < 0.05, type(obj)
        assert len(summary) <= 200
        assert "\n" not in summary
    assert describe(big_list)[1].endswith("(len 10000000)")


def test_dataframe_series_ndarray() -> None:
    df = pd.DataFrame({"a": [1.5, 2.5], "b": [1, 2], "c": ["x", "y"]})
    assert describe(df)[1].startswith("DataFrame 2x3: a float64, b int64, c ")
    wide = pd.DataFrame(np.zeros((2, 500)))
    assert len(describe(wide)[1]) <= 200
    assert describe(pd.Series(np.zeros(1000), name="x"))[1] == "Series 1000 float64 name='x'"
    assert describe(np.zeros((1000, 3)))[1] == "ndarray (1000, 3) float64"


def test_never_raises() -> None:
    class Hostile:
        def __repr__(self):
            raise RuntimeError("boom")

        def __len__(self):
            raise RuntimeError("boom")

    type_name, summary = describe(Hostile())
    assert type_name.endswith("Hostile")
    assert summary


def test_multiline_repr_is_one_line() -> None:
    class Multi:
        def __repr__(self):
            return "Multi(\n    a=1,\n    b=2\n)"

    assert describe(Multi())[1] == "Multi( a=1, b=2 )"


def test_store_import_is_lean() -> None:
    code = (
        "import sys, workbench\n"
        "before = set(sys.modules)\n"
        "import workbench.store as s\n"
        "s.describe([1, 2]); s.describe({'a': 1})\n"
        "new = set(sys.modules) - before\n"
        "bad = [m for m in new if m.split('.')[0] in ('pandas', 'numpy', 'textual')"
        " or (m.startswith('workbench.') and not m.startswith('workbench.store')"
        " and m not in ('workbench.errors', 'workbench.settings'))]\n"
        "print(sorted(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
