"""Numbers, atoms (bool/None) and type changes."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np

from workbench.compare import EqualDetail, NumberDetail, ValueDetail, diff_values


def test_int_delta_and_relative():
    d = diff_values(4, 5)
    assert isinstance(d, NumberDetail)
    assert (d.old, d.new, d.delta, d.relative) == (4, 5, 1, 0.25)
    assert d.lines() == ["4 -> 5  (+1, +25.0%)"]


def test_relative_none_when_old_is_zero():
    d = diff_values(0.0, 2.5)
    assert d.delta == 2.5 and d.relative is None


def test_int_to_float_is_a_number_change_with_types():
    d = diff_values(1, 1.5)
    assert d.kind == "number" and d.type_before == "int" and d.type_after == "float"
    assert "[int -> float]" in d.lines()[0]


def test_numpy_scalars_are_numbers_converted_to_python():
    d = diff_values(np.int64(3), np.int64(-2))
    assert d.kind == "number"
    assert type(d.old) is int and type(d.delta) is int and d.delta == -5
    assert d.type_before == "numpy.int64"
    d = diff_values(np.float32(1.0), np.float32(1.5))
    assert type(d.new) is float and d.relative == 0.5


def test_numpy_int_no_overflow_in_delta():
    d = diff_values(np.int8(100), np.int8(-100))
    assert d.delta == -200


def test_nan_numbers():
    d = diff_values(float("nan"), 1.0)
    assert d.kind == "number" and math.isnan(d.old) and math.isnan(d.delta)
    assert d.to_json()["old"] == "nan"
    assert diff_values(float("nan"), float("nan")).kind == "equal"
    assert diff_values(np.float64("nan"), np.float64("nan")).kind == "equal"


def test_fraction_and_decimal():
    assert diff_values(Fraction(1, 2), Fraction(3, 4)).delta == Fraction(1, 4)
    d = diff_values(Decimal("1.5"), Decimal("2"))
    assert d.delta == Decimal("0.5") and d.to_json()["delta"] == 0.5


def test_bool_is_not_a_number():
    d = diff_values(True, False)
    assert isinstance(d, ValueDetail)
    assert (d.old, d.new) == ("True", "False")
    assert diff_values(np.bool_(True), np.bool_(False)).kind == "value"
    assert diff_values(True, 1).kind == "value"  # bool -> int is a type change


def test_none_and_type_change():
    d = diff_values(None, [1, 2])
    assert isinstance(d, ValueDetail)
    assert (d.old, d.new, d.type_before, d.type_after) == ("None", "[1, 2]", "NoneType", "list")
    assert d.lines() == ["None -> [1, 2]  [NoneType -> list]"]
    d = diff_values("3", 3)
    assert d.kind == "value" and d.old == "'3'"


def test_type_change_repr_is_bounded():
    d = diff_values(list(range(10**6)), "x")
    assert d.kind == "value" and len(d.old) <= 120


def test_equal_values_give_equal_detail():
    assert isinstance(diff_values(2, 2), EqualDetail)
    assert isinstance(diff_values(None, None), EqualDetail)
    assert diff_values(0.0, -0.0).kind == "equal"


def test_a_hanging_repr_is_cut_short_in_a_diff():
    """A __repr__ that never returns costs REPR_SECONDS per side, then reads as timed out
    (issue 8/14 item 11)."""
    import time

    from workbench.compare import diff_values
    from workbench.store.summary import REPR_SECONDS

    class Hang:
        def __eq__(self, other):
            return False

        def __repr__(self):
            while True:
                pass

    started = time.monotonic()
    detail = diff_values(Hang(), Hang())
    assert time.monotonic() - started < 2 * REPR_SECONDS + 2
    assert any("repr timed out" in line for line in detail.lines())
