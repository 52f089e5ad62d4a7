"""pandas DataFrame and Series diffs, vectorized: one `!=` per column (NaN == NaN),
per-column changed counts, numeric stats only for columns that changed, a few example
rows. Linear in the number of cells, never more. pandas/numpy are imported only here,
and this module is imported only once a pandas object was seen."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from workbench.compare.arrays import STAT_NAMES, array_stats
from workbench.compare.common import JsonRecord, cell, format_count, format_number, jsonable, safe_equal, show
from workbench.compare.containers import key_label
from workbench.compare.detail import Detail
from workbench.compare.limits import Context

_CHUNK = 1 << 16


@dataclass
class ColumnStats(JsonRecord):
    """Numeric stats of one column before and after (None where it does not exist / is not numeric)."""

    column: Any
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"column": jsonable(self.column), "before": jsonable(self.before), "after": jsonable(self.after)}


@dataclass
class CellChange(JsonRecord):
    """One changed cell of an example row."""

    column: Any
    old: Any
    new: Any

    def to_json(self) -> dict[str, Any]:
        return {"column": jsonable(self.column), "old": jsonable(self.old), "new": jsonable(self.new)}


@dataclass
class ExampleRow(JsonRecord):
    """An example changed row: its index label and its changed cells."""

    index: Any
    changes: list[CellChange]

    def to_json(self) -> dict[str, Any]:
        return {"index": jsonable(self.index), "changes": [c.to_json() for c in self.changes]}


def _stat(x: Any) -> str:
    return "-" if x is None else format_number(x)[:11]


def _stats_lines(stats: list[ColumnStats], per_column: bool = True) -> list[str]:
    if not stats:
        return []
    width = 20
    out = ["  " + f"{'stats':<{width}}" + "".join(f"{name:>12}" for name in STAT_NAMES)]
    for st in stats:
        for when, values in (("before", st.before), ("after", st.after)):
            label = f"{str(st.column)[:13]} {when}" if per_column else when
            cells = "".join(f"{_stat(values[k]) if values else '-':>12}" for k in STAT_NAMES)
            out.append(f"  {label:<{width}}{cells}")
    return out


def _example_lines(examples: list[ExampleRow]) -> list[str]:
    out = []
    for ex in examples:
        cells = ", ".join(f"{c.column}: {show(c.old, 40)} -> {show(c.new, 40)}" for c in ex.changes)
        out.append(f"  [{ex.index}] {cells}")
    return out


@dataclass
class FrameDetail(Detail):
    """Two DataFrames: shape, columns, dtypes, index equality, changed cells, stats, examples."""

    kind: ClassVar[str] = "dataframe"
    shape_before: tuple[int, int]
    shape_after: tuple[int, int]
    index_equal: bool
    columns_added: list[Any] = field(default_factory=list)
    n_columns_added: int = 0
    columns_removed: list[Any] = field(default_factory=list)
    n_columns_removed: int = 0
    columns_reordered: bool = False
    dtype_changes: list[dict[str, Any]] = field(default_factory=list)
    changed_cells: int | None = None  # None when not aligned (index differs)
    changed_rows: int | None = None
    column_changes: list[dict[str, Any]] = field(default_factory=list)  # {"column", "changed"}
    n_columns_changed: int | None = None
    columns_compared: int = 0
    # columns past the cell-by-cell bound that differ (found whole, cells not counted)
    columns_differing_uncounted: list[Any] = field(default_factory=list)
    n_columns_differing_uncounted: int = 0
    stats: list[ColumnStats] = field(default_factory=list)
    examples: list[ExampleRow] = field(default_factory=list)
    note: str | None = None

    def lines(self) -> list[str]:
        (r0, c0), (r1, c1) = self.shape_before, self.shape_after
        head = f"DataFrame {r0:,}x{c0} -> {r1:,}x{c1}"
        if self.changed_cells is not None:
            head += f"; {format_count(self.changed_cells)} cells changed in {format_count(self.changed_rows)} rows"
            if self.n_columns_differing_uncounted:
                head += (f" of the first {self.columns_compared:,} columns, and "
                         f"{self.n_columns_differing_uncounted:,} more columns differ")
        out = [head]
        if self.columns_differing_uncounted:
            more = self.n_columns_differing_uncounted - len(self.columns_differing_uncounted)
            out.append("  columns past the compared ones that differ (cells not counted): "
                       + ", ".join(map(str, self.columns_differing_uncounted))
                       + (f" (+{more} more)" if more > 0 else ""))
        if self.n_columns_added:
            more = f" (+{self.n_columns_added - len(self.columns_added)} more)" if self.n_columns_added > len(self.columns_added) else ""
            out.append("  columns added: " + ", ".join(map(str, self.columns_added)) + more)
        if self.n_columns_removed:
            more = f" (+{self.n_columns_removed - len(self.columns_removed)} more)" if self.n_columns_removed > len(self.columns_removed) else ""
            out.append("  columns removed: " + ", ".join(map(str, self.columns_removed)) + more)
        if self.columns_reordered:
            out.append("  columns reordered")
        for d in self.dtype_changes:
            out.append(f"  dtype {d['column']}: {d['before']} -> {d['after']}")
        if not self.index_equal:
            out.append("  index changed" + ("; cells not compared" if self.changed_cells is None else ""))
        if self.note:
            out.append(f"  {self.note}")
        if self.column_changes:
            more = ""
            if self.n_columns_changed and self.n_columns_changed > len(self.column_changes):
                more = f", … {self.n_columns_changed - len(self.column_changes)} more columns"
            out.append("  changed per column: " + ", ".join(f"{c['column']}: {c['changed']:,}" for c in self.column_changes) + more)
        out += _stats_lines(self.stats)
        if self.examples:
            out.append("  example rows:")
            out += ["  " + line for line in _example_lines(self.examples)]
        return out


@dataclass
class SeriesDetail(Detail):
    """Two Series: length, dtype, name, changed count when aligned, stats, examples."""

    kind: ClassVar[str] = "series"
    len_before: int
    len_after: int
    dtype_before: str
    dtype_after: str
    name_before: Any
    name_after: Any
    index_equal: bool
    changed: int | None = None
    stats: list[ColumnStats] = field(default_factory=list)
    examples: list[ExampleRow] = field(default_factory=list)
    note: str | None = None

    def lines(self) -> list[str]:
        head = f"Series {self.len_before:,} -> {self.len_after:,}"
        if self.changed is not None:
            head += f"; {format_count(self.changed)} values changed"
        out = [head]
        if self.dtype_before != self.dtype_after:
            out.append(f"  dtype: {self.dtype_before} -> {self.dtype_after}")
        if self.name_before != self.name_after:
            out.append(f"  name: {self.name_before!r} -> {self.name_after!r}")
        if not self.index_equal:
            out.append("  index changed; values not compared")
        if self.note:
            out.append(f"  {self.note}")
        out += _stats_lines(self.stats, per_column=False)
        if self.examples:
            out.append("  examples:")
            out += [f"    [{ex.index}] {show(ex.changes[0].old, 40)} -> {show(ex.changes[0].new, 40)}" for ex in self.examples]
        return out


# ---------------------------------------------------------------- computations


def changed_mask(a: pd.Series, b: pd.Series) -> np.ndarray | None:
    """Boolean array, True where the two aligned Series differ (NaN/NA/NaT equal to
    themselves), or None when their values cannot be compared."""
    ad, bd = a.dtype, b.dtype
    if isinstance(ad, np.dtype) and isinstance(bd, np.dtype):
        ka, kb = ad.kind, bd.kind
        numeric = ka in "biufc" and kb in "biufc"
        if numeric or (ka in "mM" and ka == kb):
            av, bv = a.to_numpy(), b.to_numpy()
            ne = np.asarray(av != bv)
            nan_kinds = "fc" if numeric else "mM"
            if ka in nan_kinds and kb in nan_kinds:
                idx = np.flatnonzero(ne)  # fix NaN == NaN only where `!=` said different
                if idx.size:
                    isna = np.isnan if numeric else np.isnat
                    both = isna(av[idx]) & isna(bv[idx])
                    ne[idx[both]] = False
            return ne
    na_a, na_b = a.isna().to_numpy(), b.isna().to_numpy()
    ne = None
    if ad == bd and not isinstance(ad, np.dtype):
        try:  # extension arrays compare vectorized; NA results become False here
            r = a.array != b.array
            ne = r.to_numpy(dtype=bool, na_value=False) if hasattr(r, "to_numpy") else np.asarray(r, dtype=bool)
        except Exception:
            ne = None
    if ne is None:
        av = a.to_numpy(dtype=object, na_value=None)
        bv = b.to_numpy(dtype=object, na_value=None)
        try:
            ne = np.asarray(av != bv, dtype=bool)
            if ne.shape != av.shape:
                raise ValueError("not elementwise")
        except Exception:
            ne = np.fromiter((not safe_equal(x, y) for x, y in zip(av, bv)), dtype=bool, count=len(av))
    ne = np.array(ne, dtype=bool, copy=True)
    ne &= ~(na_a & na_b)
    ne |= na_a ^ na_b
    return ne


def column_stats(s: pd.Series) -> dict[str, Any] | None:
    """count, mean, std, min, max of a numeric Series (None if not numeric)."""
    dt = s.dtype
    if isinstance(dt, np.dtype):
        return array_stats(s.to_numpy())
    if not pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_complex_dtype(dt):
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return {
                "count": int(s.count()),
                "mean": _py(s.mean()),
                "std": _py(s.std()),
                "min": _py(s.min()),
                "max": _py(s.max()),
            }
        except Exception:
            return None


def _py(x: Any) -> Any:
    if x is pd.NA or x is None:
        return None
    if isinstance(x, np.generic):
        return x.item()
    return x


def first_true(mask: np.ndarray, k: int) -> list[int]:
    """Positions of the first `k` True values, scanning in chunks (stops early)."""
    out: list[int] = []
    for start in range(0, len(mask), _CHUNK):
        idx = np.flatnonzero(mask[start : start + _CHUNK])
        if idx.size:
            out.extend((idx[: k - len(out)] + start).tolist())
            if len(out) >= k:
                break
    return out


def _column_pairs(old: pd.DataFrame, new: pd.DataFrame) -> tuple[list[Any], list[Any], list[tuple[Any, pd.Series, pd.Series]], bool, str | None]:
    """(added labels, removed labels, [(label, old col, new col)] for common columns,
    reordered, note)."""
    old_cols, new_cols = list(old.columns), list(new.columns)
    if old.columns.is_unique and new.columns.is_unique:
        old_set, new_set = set(old_cols), set(new_cols)
        added = [c for c in new_cols if c not in old_set]
        removed = [c for c in old_cols if c not in new_set]
        common = [c for c in new_cols if c in old_set]
        reordered = [c for c in old_cols if c in new_set] != common
        return added, removed, [(c, old[c], new[c]) for c in common], reordered, None
    if old.columns.equals(new.columns):
        return [], [], [(c, old.iloc[:, i], new.iloc[:, i]) for i, c in enumerate(new_cols)], False, None
    old_set, new_set = set(old_cols), set(new_cols)
    added = [c for c in new_cols if c not in old_set]
    removed = [c for c in old_cols if c not in new_set]
    return added, removed, [], False, "duplicate column labels differ: cells not compared"


def diff_frame(old: pd.DataFrame, new: pd.DataFrame, ctx: Context) -> FrameDetail:
    """Diff two DataFrames within the context's limits."""
    lim = ctx.limits
    added, removed, pairs, reordered, note = _column_pairs(old, new)
    index_equal = bool(old.index.equals(new.index))
    dtype_changes = [
        {"column": key_label(c), "before": str(a.dtype), "after": str(b.dtype)}
        for c, a, b in pairs
        if str(a.dtype) != str(b.dtype)
    ]
    detail = FrameDetail(
        shape_before=tuple(old.shape),
        shape_after=tuple(new.shape),
        index_equal=index_equal,
        columns_added=[key_label(c) for c in added[: lim.max_items]],
        n_columns_added=len(added),
        columns_removed=[key_label(c) for c in removed[: lim.max_items]],
        n_columns_removed=len(removed),
        columns_reordered=reordered,
        dtype_changes=dtype_changes[: lim.max_items],
        note=note,
    )
    stat_cols: list[tuple[Any, pd.Series | None, pd.Series | None]] = []
    if index_equal and pairs:
        compared = pairs[: lim.max_compare_columns]
        row_any = np.zeros(len(new), dtype=bool)
        kept: list[tuple[Any, pd.Series, pd.Series, np.ndarray]] = []  # for example rows
        counts: list[dict[str, Any]] = []
        total = 0
        uncomparable = []
        for c, a, b in compared:
            ne = changed_mask(a, b)
            if ne is None:
                uncomparable.append(c)
                continue
            n = int(np.count_nonzero(ne))
            if n:
                total += n
                row_any |= ne
                counts.append({"column": key_label(c), "changed": n})
                if len(kept) < lim.max_columns:
                    kept.append((c, a, b, ne))
            if n or str(a.dtype) != str(b.dtype):
                stat_cols.append((c, a, b))
        detail.changed_cells = total
        detail.changed_rows = int(np.count_nonzero(row_any)) if total else 0
        detail.n_columns_changed = len(counts)
        detail.column_changes = counts[: lim.max_items]
        detail.columns_compared = len(compared)
        if len(pairs) > len(compared):
            detail.note = f"cells compared in the first {len(compared):,} of {len(pairs):,} common columns"
            # the rest are still checked whole, so a change there is never reported as none
            differing = [c for c, a, b in pairs[len(compared):] if not a.equals(b)]
            detail.n_columns_differing_uncounted = len(differing)
            detail.columns_differing_uncounted = [key_label(c) for c in differing[: lim.max_items]]
        if total:
            for r in first_true(row_any, lim.max_rows):
                changes = [CellChange(key_label(c), cell(a.iloc[r]), cell(b.iloc[r])) for c, a, b, ne in kept if ne[r]]
                detail.examples.append(ExampleRow(cell(new.index[r]), changes))
    else:
        stat_cols = list(pairs)
    stat_cols += [(c, None, new[c]) for c in added if new.columns.is_unique]
    stat_cols += [(c, old[c], None) for c in removed if old.columns.is_unique]
    for c, a, b in stat_cols:
        if len(detail.stats) >= lim.max_columns:
            break
        before = column_stats(a) if a is not None else None
        after = column_stats(b) if b is not None else None
        if before is not None or after is not None:
            detail.stats.append(ColumnStats(key_label(c), before, after))
    return detail


def diff_series(old: pd.Series, new: pd.Series, ctx: Context) -> SeriesDetail:
    """Diff two Series within the context's limits."""
    lim = ctx.limits
    index_equal = bool(old.index.equals(new.index))
    detail = SeriesDetail(
        len(old),
        len(new),
        str(old.dtype),
        str(new.dtype),
        key_label(old.name),
        key_label(new.name),
        index_equal,
    )
    if index_equal:
        ne = changed_mask(old, new)
        if ne is None:
            detail.note = "values not comparable"
        else:
            detail.changed = int(np.count_nonzero(ne))
            for r in first_true(ne, lim.max_rows) if detail.changed else []:
                change = CellChange(detail.name_after, cell(old.iloc[r]), cell(new.iloc[r]))
                detail.examples.append(ExampleRow(cell(new.index[r]), [change]))
    worth = detail.changed != 0 or detail.dtype_before != detail.dtype_after
    before, after = (column_stats(old), column_stats(new)) if worth else (None, None)
    if before is not None or after is not None:
        detail.stats.append(ColumnStats(detail.name_after, before, after))
    return detail
