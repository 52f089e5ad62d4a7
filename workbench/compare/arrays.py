"""numpy ndarray diff: shape, dtype, differing elements (NaN == NaN), max absolute
difference, allclose, stats and a few example positions. Imported only once an ndarray
was seen."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from workbench.compare.common import JsonRecord, cell, format_count, format_number, jsonable, safe_equal, show
from workbench.compare.detail import Detail
from workbench.compare.limits import Context

STAT_NAMES = ("count", "mean", "std", "min", "max")


@dataclass
class ArrayExample(JsonRecord):
    """One differing element: its position and both values."""

    index: tuple[int, ...]
    old: Any
    new: Any

    def to_json(self) -> dict[str, Any]:
        return {"index": list(self.index), "old": jsonable(self.old), "new": jsonable(self.new)}


@dataclass
class ArrayDetail(Detail):
    """Two ndarrays."""

    kind: ClassVar[str] = "ndarray"
    shape_before: tuple[int, ...]
    shape_after: tuple[int, ...]
    dtype_before: str
    dtype_after: str
    n_different: int | None = None  # None when shapes differ or values are not comparable
    max_abs_diff: float | None = None
    allclose: bool | None = None
    stats_before: dict[str, Any] | None = None
    stats_after: dict[str, Any] | None = None
    examples: list[ArrayExample] = field(default_factory=list)

    def lines(self) -> list[str]:
        shape = lambda s: "x".join(map(str, s)) or "scalar"  # noqa: E731
        head = f"ndarray {shape(self.shape_before)} {self.dtype_before} -> {shape(self.shape_after)} {self.dtype_after}"
        if self.n_different is not None:
            size = 1
            for d in self.shape_after:
                size *= d
            head += f"; {format_count(self.n_different)} of {format_count(size)} elements differ"
        out = [head]
        extra = []
        if self.max_abs_diff is not None:
            extra.append(f"max |diff| {format_number(self.max_abs_diff)}")
        if self.allclose is not None:
            extra.append(f"allclose {self.allclose}")
        if extra:
            out.append("  " + ", ".join(extra))
        if self.stats_before or self.stats_after:
            out.append("  stats " + "".join(f"{n:>12}" for n in STAT_NAMES))
            for when, st in (("before", self.stats_before), ("after", self.stats_after)):
                vals = "".join(f"{_stat(st[n]) if st else '-':>12}" for n in STAT_NAMES)
                out.append(f"  {when:<6}{vals}")
        for ex in self.examples:
            out.append(f"  [{', '.join(map(str, ex.index))}] {show(ex.old, 40)} -> {show(ex.new, 40)}")
        return out


def _stat(x: Any) -> str:
    return "-" if x is None else format_number(x)[:11]


def array_stats(v: np.ndarray) -> dict[str, Any] | None:
    """count, mean, std, min, max of a real numeric array (NaN skipped), else None."""
    if v.dtype.kind not in "biuf":
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if v.dtype.kind == "b":
            v = v.view(np.uint8)
        if v.dtype.kind == "f":
            nan = np.isnan(v)
            if nan.any():
                v = v[~nan]
        n = int(v.size)
        if n == 0:
            return {"count": 0, "mean": None, "std": None, "min": None, "max": None}
        return {
            "count": n,
            "mean": float(v.mean()),
            "std": float(v.std(ddof=1)) if n > 1 else None,
            "min": v.min().item(),
            "max": v.max().item(),
        }


def array_mask(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Flat boolean array, True where two same-shape arrays differ (NaN/NaT equal to
    themselves); None when the values cannot be compared."""
    a, b = a.reshape(-1), b.reshape(-1)
    ka, kb = a.dtype.kind, b.dtype.kind
    numeric = ka in "biufc" and kb in "biufc"
    if numeric or (ka in "mM" and ka == kb):
        ne = np.asarray(a != b)
        nan_kinds = "fc" if numeric else "mM"
        if ka in nan_kinds and kb in nan_kinds:
            idx = np.flatnonzero(ne)
            if idx.size:
                isna = np.isnan if numeric else np.isnat
                ne[idx[isna(a[idx]) & isna(b[idx])]] = False
        return ne
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ne = np.asarray(a != b)
        if ne.shape == a.shape and ne.dtype == bool:
            return ne
    except Exception:
        pass
    if ka == "O" or kb == "O":
        return np.fromiter((not safe_equal(x, y) for x, y in zip(a, b)), dtype=bool, count=a.size)
    return None


def diff_array(old: np.ndarray, new: np.ndarray, ctx: Context) -> ArrayDetail:
    """Diff two ndarrays within the context's limits."""
    lim = ctx.limits
    detail = ArrayDetail(tuple(old.shape), tuple(new.shape), str(old.dtype), str(new.dtype))
    detail.stats_before, detail.stats_after = array_stats(old), array_stats(new)
    if old.shape != new.shape:
        return detail
    ne = array_mask(old, new)
    if ne is None:
        return detail
    idx = np.flatnonzero(ne)
    detail.n_different = int(idx.size)
    ka, kb = old.dtype.kind, new.dtype.kind
    if ka in "iufc" and kb in "iufc":
        if idx.size == 0:
            detail.max_abs_diff, detail.allclose = 0.0, True
        else:
            target = np.complex128 if "c" in (ka + kb) else np.float64
            with np.errstate(all="ignore"):
                a = old.reshape(-1)[idx].astype(target)
                b = new.reshape(-1)[idx].astype(target)
                d = np.abs(a - b)
                m = float(np.fmax.reduce(d))
                detail.max_abs_diff = None if m != m else m
                detail.allclose = bool(np.isclose(a, b, equal_nan=True).all())
    flat_old, flat_new = old.reshape(-1), new.reshape(-1)
    for i in idx[: lim.max_rows].tolist():
        pos = tuple(int(p) for p in np.unravel_index(i, old.shape))
        detail.examples.append(ArrayExample(pos, cell(flat_old[i], lim.repr_chars), cell(flat_new[i], lim.repr_chars)))
    return detail
