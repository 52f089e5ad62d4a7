"""`diff_values`: typed detail dispatch for two Python values."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from workbench.compare.common import (
    is_bool,
    is_number,
    long_repr,
    numpy_module,
    pandas_module,
    safe_equal,
    short_repr,
    type_name,
)
from workbench.compare.containers import diff_mapping, diff_sequence, diff_set
from workbench.compare.detail import (
    Detail,
    EqualDetail,
    NumberDetail,
    ReprDetail,
    repr_detail,
    value_detail,
)
from workbench.compare.limits import Budget, Context, Limits
from workbench.compare.text import diff_text

def category(x: Any) -> str:
    """Which diff applies: atom (None/bool), number, text, bytes, sequence, set, mapping,
    dataframe, series, ndarray, other."""
    if x is None or is_bool(x):
        return "atom"
    if is_number(x):
        return "number"
    if isinstance(x, str):
        return "text"
    if isinstance(x, (bytes, bytearray)):
        return "bytes"
    if isinstance(x, (list, tuple)):
        return "sequence"
    if isinstance(x, (set, frozenset)):
        return "set"
    pd = pandas_module()
    if pd is not None:
        if isinstance(x, pd.DataFrame):
            return "dataframe"
        if isinstance(x, pd.Series):
            return "series"
    np = numpy_module()
    if np is not None and isinstance(x, np.ndarray):
        return "ndarray"
    if isinstance(x, Mapping):
        return "mapping"
    if _has_attributes(x):
        return "object"
    return "other"


def _has_attributes(x: Any) -> bool:
    """Objects better diffed by their attributes than by repr: dataclasses and objects
    with the default `object.__repr__` (whose repr only shows an address)."""
    if not hasattr(x, "__dict__") or isinstance(x, type):
        return False
    return dataclasses.is_dataclass(x) or type(x).__repr__ is object.__repr__


def _py(x: Any) -> Any:
    np = numpy_module()
    if np is not None and isinstance(x, np.generic):
        return x.item()
    return x


def diff_numbers(old: Any, new: Any) -> Detail:
    """NumberDetail: old, new, delta, relative change (None when old == 0)."""
    ta, tb = type_name(old), type_name(new)
    if ta == tb and safe_equal(old, new):
        return EqualDetail(ta)
    a, b = _py(old), _py(new)
    try:
        delta = b - a
    except Exception:
        delta = None
    relative = None
    try:
        if delta is not None and a != 0:
            relative = float(abs(delta) if isinstance(delta, complex) else delta) / float(abs(a))
            if not math.isfinite(relative):
                relative = None
    except Exception:  # overflow, Decimal/float mixes
        relative = None
    return NumberDetail(a, b, delta, relative, ta, tb)


def _dispatch(old: Any, new: Any, ctx: Context) -> Detail:
    lim = ctx.limits
    ca, cb = category(old), category(new)
    ta, tb = type_name(old), type_name(new)
    if ca != cb or (ca in ("object", "other") and ta != tb):
        return value_detail(old, new, ta, tb, lim.repr_chars)
    if ca == "number":
        return diff_numbers(old, new)
    if ca == "atom":
        if ta == tb and safe_equal(old, new):
            return EqualDetail(ta)
        return value_detail(old, new, ta, tb, lim.repr_chars)
    if ca in ("text", "bytes"):
        return diff_text(old, new, lim)
    if lim.depth <= 0:
        return ReprDetail(ta, short_repr(old, lim.repr_chars), short_repr(new, lim.repr_chars), note="depth limit")
    if ca == "sequence":
        return diff_sequence(old, new, ctx)
    if ca == "set":
        return diff_set(old, new, ctx)
    if ca == "mapping":
        return diff_mapping(old, new, ctx)
    if ca in ("dataframe", "series"):
        from workbench.compare import frames

        return frames.diff_frame(old, new, ctx) if ca == "dataframe" else frames.diff_series(old, new, ctx)
    if ca == "ndarray":
        from workbench.compare import arrays

        return arrays.diff_array(old, new, ctx)
    if safe_equal(old, new):
        return EqualDetail(ta)
    if ca == "object":
        return diff_mapping(vars(old), vars(new), ctx, of="attributes")
    return repr_detail(ta, long_repr(old), long_repr(new), lim.max_lines, lim.max_line_chars)


def diff_values(
    old: Any,
    new: Any,
    *,
    depth: int | None = None,
    budget: Budget | int | None = None,
    limits: Limits | None = None,
    max_items: int | None = None,
    max_rows: int | None = None,
    max_lines: int | None = None,
) -> Detail:
    """A typed Detail describing how `new` differs from `old`.

    `depth`: container levels that get nested details (default 3). `budget`: a shared
    Budget, or an int = how many nested details at most (default 500). `limits` sets
    every bound; `max_items`/`max_rows`/`max_lines` override single ones.
    """
    return _dispatch(old, new, make_context(depth, budget, limits, max_items, max_rows, max_lines))


def make_context(
    depth: int | None = None,
    budget: Budget | int | None = None,
    limits: Limits | None = None,
    max_items: int | None = None,
    max_rows: int | None = None,
    max_lines: int | None = None,
) -> Context:
    """A Context from the public keyword arguments (shared by diff_values and diff_artifacts)."""
    lim = limits or Limits()
    overrides = {
        k: v
        for k, v in (("depth", depth), ("max_items", max_items), ("max_rows", max_rows), ("max_lines", max_lines))
        if v is not None
    }
    if overrides:
        lim = replace(lim, **overrides)
    if isinstance(budget, Budget):
        b = budget
    elif isinstance(budget, int):
        b = Budget(nodes=budget)
    else:
        b = Budget()
    return Context(lim, b, _dispatch)
