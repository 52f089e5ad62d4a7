"""Small helpers shared by the diff modules: type names, bounded reprs, JSON conversion,
equality that never raises. pandas/numpy are only looked up in `sys.modules`: if they
were never imported, no object of theirs can exist."""

from __future__ import annotations

import math
import numbers
import reprlib
import sys
from typing import Any

from workbench.store.summary import REPR_SECONDS, ReprTimeout, time_bound

_REPR = reprlib.Repr()
_REPR.maxstring = 100
_REPR.maxother = 100
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = 8
_REPR.maxdict = 6
_REPR.maxlevel = 3

_LONG_REPR = reprlib.Repr()
_LONG_REPR.maxstring = 2000
_LONG_REPR.maxother = 4000
_LONG_REPR.maxlist = _LONG_REPR.maxtuple = _LONG_REPR.maxset = _LONG_REPR.maxfrozenset = 50
_LONG_REPR.maxdict = 30
_LONG_REPR.maxlevel = 4


class JsonRecord:
    """Marker base: objects that serialize themselves through `to_json()`."""

    def to_json(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError


def numpy_module() -> Any:
    """numpy if it was already imported by someone, else None."""
    return sys.modules.get("numpy")


def pandas_module() -> Any:
    """pandas if it was already imported by someone, else None."""
    return sys.modules.get("pandas")


def type_name(obj: Any) -> str:
    """`module.qualname`, builtins without module."""
    t = type(obj)
    mod = t.__module__
    return t.__qualname__ if mod == "builtins" else f"{mod}.{t.__qualname__}"


def cut(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def _bounded(repr_: reprlib.Repr, obj: Any, limit: int) -> str:
    """``repr_.repr(obj)`` cut to ``limit``; a user __repr__ that raises or runs past
    REPR_SECONDS (main thread) becomes a marker."""
    try:
        with time_bound(REPR_SECONDS):
            text = repr_.repr(obj)
    except ReprTimeout:
        text = f"<{type_name(obj)}: repr timed out after {REPR_SECONDS:g} s>"
    except Exception as exc:  # a user __repr__ may raise
        text = f"<{type_name(obj)}: repr failed: {type(exc).__name__}>"
    return cut(text, limit)


def short_repr(obj: Any, limit: int = 120) -> str:
    """A bounded repr (never walks a whole big container); errors become a marker."""
    return _bounded(_REPR, obj, limit)


def long_repr(obj: Any, limit: int = 4000) -> str:
    """A larger bounded repr, for repr diffs."""
    return _bounded(_LONG_REPR, obj, limit)


def is_bool(obj: Any) -> bool:
    """Python bool or numpy bool."""
    if isinstance(obj, bool):
        return True
    np = numpy_module()
    return np is not None and isinstance(obj, np.bool_)


def is_number(obj: Any) -> bool:
    """A number for diff purposes: int, float, complex, Fraction, Decimal, numpy scalars; not bool."""
    return isinstance(obj, numbers.Number) and not is_bool(obj)


def is_nan(obj: Any) -> bool:
    """True for a float-like NaN; never raises."""
    try:
        return isinstance(obj, (float, numbers.Real)) and obj != obj
    except Exception:
        return False


def safe_equal(a: Any, b: Any) -> bool:
    """`a == b` that treats NaN == NaN and never raises (an error counts as different)."""
    if a is b:
        return True
    try:
        r = a == b
        if isinstance(r, bool):
            return r or (is_nan(a) and is_nan(b))
        np = numpy_module()
        if np is not None and isinstance(r, np.bool_):
            return bool(r) or (is_nan(a) and is_nan(b))
        pd = pandas_module()
        if pd is not None and (isinstance(a, (pd.DataFrame, pd.Series)) or isinstance(b, (pd.DataFrame, pd.Series))):
            return type(a) is type(b) and a.equals(b)
        if np is not None and isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        return bool(r)
    except Exception:
        return False


def jsonable(obj: Any, limit: int = 200) -> Any:
    """A JSON-able copy: numpy/pandas scalars to Python, non-finite floats to strings
    ("nan", "inf", "-inf"), tuples to lists, dict keys to strings, anything else to a
    bounded string. Details serialize through their own `to_json`."""
    if obj is None or isinstance(obj, (bool, str, int)):
        return obj  # strings inside details are bounded when the detail is built
    if isinstance(obj, float):
        if math.isfinite(obj):
            return float(obj)
        return "nan" if obj != obj else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, JsonRecord):
        return obj.to_json()
    if isinstance(obj, (list, tuple)):
        return [jsonable(x, limit) for x in obj]
    if isinstance(obj, dict):
        return {(k if isinstance(k, str) else short_repr(k, limit)): jsonable(v, limit) for k, v in obj.items()}
    np = numpy_module()
    if np is not None and isinstance(obj, np.generic):
        try:
            item = obj.item()
        except Exception:
            return short_repr(obj, limit)
        if isinstance(item, (bool, int, float, str)) or item is None:
            return jsonable(item, limit)
        return cut(str(obj), limit)
    if isinstance(obj, complex):
        return str(obj)
    if isinstance(obj, numbers.Number):
        try:  # Fraction, Decimal, other registered numbers
            return int(obj) if isinstance(obj, numbers.Integral) else jsonable(float(obj), limit)
        except Exception:
            return cut(str(obj), limit)
    try:
        return cut(str(obj), limit)
    except Exception:
        return short_repr(obj, limit)


class ReprText(str):
    """A string that stands for a non-JSON value (its repr/str): serializes as a plain
    string, renders unquoted in `lines()`."""

    __slots__ = ()


def cell(obj: Any, limit: int = 120) -> Any:
    """A small stand-in for one element shown in a detail: JSON scalars kept (numpy ones
    converted), short tuples element-wise, anything else a ReprText. Never keeps a
    reference to a big object."""
    if obj is None or type(obj) in (bool, int, float):
        return obj
    np = numpy_module()
    if np is not None and isinstance(obj, np.generic):
        if obj.dtype.kind in "biufU":
            return cell(obj.item(), limit)
        return ReprText(cut(str(obj), limit))
    if isinstance(obj, (bool, int, float)):  # other subclasses
        return obj if isinstance(obj, bool) else (int(obj) if isinstance(obj, int) else float(obj))
    if isinstance(obj, str):
        return cut(str(obj), limit)
    if type(obj) is tuple and len(obj) <= 8:
        return tuple(cell(x, limit) for x in obj)
    pd = pandas_module()
    if pd is not None:
        if obj is pd.NA:
            return None
        if obj is pd.NaT:
            return ReprText("NaT")
        if type(obj).__module__.startswith("pandas"):  # Timestamp, Timedelta, Period, Interval
            return ReprText(cut(str(obj), limit))
    return ReprText(short_repr(obj, limit))


def show(value: Any, limit: int = 120) -> str:
    """Plain-text rendering of a cell value for `lines()`."""
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, ReprText):
        return cut(value, limit)
    if isinstance(value, str):
        return cut(repr(value), limit)
    if isinstance(value, tuple):
        return cut("(" + ", ".join(show(v, limit) for v in value) + ("," if len(value) == 1 else "") + ")", limit)
    return cut(str(value), limit)


def format_number(x: Any) -> str:
    """Compact rendering of a number for `lines()`."""
    if isinstance(x, bool) or x is None:
        return str(x)
    if isinstance(x, float):
        if x != x:
            return "nan"
        if x in (math.inf, -math.inf):
            return "inf" if x > 0 else "-inf"
        if x.is_integer() and abs(x) < 1e15:
            return repr(x)
        return f"{x:.6g}"
    if isinstance(x, int):
        return str(x)
    return str(x)


def format_count(n: int | None) -> str:
    """1234567 -> '1,234,567'."""
    return "?" if n is None else f"{n:,}"
