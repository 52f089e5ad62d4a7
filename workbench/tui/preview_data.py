"""Artifact previews as data: what kind of view an object gets, tables over DataFrames and
arrays that produce only the rows asked for, container children, bounded reprs, stats.

No textual here (the preview screen paints these); pandas and numpy are imported only when
the object comes from them.
"""
from __future__ import annotations

import math
import numbers
import reprlib
import sys
from dataclasses import dataclass
from typing import Any, Sequence

from ..display import format_size, safe

__all__ = [
    "ArraySource", "FrameSource", "Histogram", "TableSource", "array_stats", "bounded_repr",
    "children_of", "column_format", "format_cell", "has_children", "histogram", "kind_of",
]

MAX_CELL = 40       # characters a cell shows
SAMPLE_ROWS = 200   # rows sampled to size columns
MAX_CHILDREN = 500  # children a tree node lists before "… N more"


def _module(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def kind_of(obj: Any) -> str:
    """frame, series, array, mapping, sequence, set, text, bytes, scalar or other."""
    mod = _module(obj)
    if mod == "pandas":
        pd = sys.modules["pandas"]
        if isinstance(obj, pd.DataFrame):
            return "frame"
        if isinstance(obj, pd.Series):
            return "series"
    if mod == "numpy":
        np = sys.modules["numpy"]
        if isinstance(obj, np.ndarray):
            return "array"
    if isinstance(obj, str):
        return "text"
    if isinstance(obj, (bytes, bytearray)):
        return "bytes"
    if isinstance(obj, dict):
        return "mapping"
    if isinstance(obj, (list, tuple)):
        return "sequence"
    if isinstance(obj, (set, frozenset)):
        return "set"
    if obj is None or isinstance(obj, (bool, int, float, complex)):
        return "scalar"
    return "other"


def format_cell(value: Any) -> str:
    """A short one-line text for a table cell."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        text = f"{value:.6g}"
    elif isinstance(value, str):
        text = value
    else:
        try:
            text = str(value)
        except Exception:  # noqa: BLE001 - a user's __str__ may raise anything
            text = f"<{type(value).__name__}>"
    text = safe(text.replace("\n", "⏎").replace("\t", " "))
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _spread(n: int, count: int = 2000) -> list[int]:
    """Up to ``count`` row positions spread evenly over ``n`` rows."""
    if n <= count:
        return list(range(n))
    return sorted({int(i * (n - 1) / (count - 1)) for i in range(count)})


def _is_number(cell: str) -> bool:
    """A cell that reads as a number (or is a missing value among numbers)."""
    if cell in ("", "NaN", "nan", "inf", "-inf", "<NA>", "NaT", "None"):
        return True
    try:
        float(cell.replace(",", ""))
    except ValueError:
        return False
    return True


class TableSource:
    """Rows of strings on demand: what the virtual table widget reads."""

    n_rows: int = 0
    columns: list[str] = []
    index_name: str = ""

    def rows(self, start: int, stop: int) -> list[tuple[str, list[str]]]:
        """Rows ``start .. stop-1`` as (index label, cells)."""
        raise NotImplementedError

    def sample_rows(self) -> list[tuple[str, list[str]]]:
        """Rows spread over the whole table (for column widths)."""
        n = self.n_rows
        if n <= SAMPLE_ROWS:
            return self.rows(0, n)
        picks = sorted({int(i * (n - 1) / (SAMPLE_ROWS - 1)) for i in range(SAMPLE_ROWS)})
        out = []
        for start in picks[:: max(1, len(picks) // 20)]:
            out.extend(self.rows(start, min(n, start + 10)))
        return out

    def column_widths(self) -> tuple[int, list[int]]:
        """Width of the index gutter and of each column (header included)."""
        sample = self.sample_rows()
        index_w = max([len(self.index_name)] + [len(i) for i, _ in sample] +
                      [len(str(self.n_rows - 1))] + [1])
        widths = []
        for c, name in enumerate(self.columns):
            cells = [len(cells[c]) for _, cells in sample if c < len(cells)]
            widths.append(max([len(name)] + cells + [1]))
        return index_w, widths

    def right_aligned(self) -> list[bool]:
        """Per column: True when its (sampled) cells are all numbers, so they line up."""
        sample = self.sample_rows()
        return [all(_is_number(cells[c]) for _, cells in sample if c < len(cells))
                and any(c < len(cells) and cells[c] for _, cells in sample)
                for c in range(len(self.columns))]


class FrameSource(TableSource):
    """A pandas DataFrame (a Series is shown as a one-column frame)."""

    def __init__(self, frame: Any) -> None:
        pd = sys.modules["pandas"]
        if isinstance(frame, pd.Series):
            frame = frame.to_frame(name=frame.name if frame.name is not None else "value")
        self.frame = frame
        self.n_rows = len(frame)
        self.columns = [format_cell(c) for c in frame.columns]
        self.index_name = format_cell(frame.index.name) if frame.index.name is not None else ""

    def rows(self, start: int, stop: int) -> list[tuple[str, list[str]]]:
        part = self.frame.iloc[max(0, start):max(0, stop)]
        index = [format_cell(i) for i in part.index]
        columns = [part.iloc[:, c].tolist() for c in range(part.shape[1])]
        formats = self._float_formats()
        return [(index[r], [fmt(col[r]) for col, fmt in zip(columns, formats)])
                for r in range(len(index))]

    def _float_formats(self) -> list[Any]:
        """Per column: float columns get one format (``column_format`` of values sampled
        over the whole column, so decimals line up); others ``format_cell``."""
        if getattr(self, "_formats", None) is None:
            picks = _spread(self.n_rows)
            self._formats = [
                column_format(self.frame.iloc[picks, c].tolist(), "NaN")
                if self.frame.dtypes.iloc[c].kind == "f" else format_cell
                for c in range(self.frame.shape[1])]
        return self._formats

    @property
    def numeric_columns(self) -> list[str]:
        """Columns a histogram makes sense for (numbers and booleans, not complex)."""
        types = sys.modules["pandas"].api.types
        return [format_cell(c) for c, dt in self.frame.dtypes.items()
                if (types.is_numeric_dtype(dt) or types.is_bool_dtype(dt))
                and not types.is_complex_dtype(dt)]

    def column_values(self, name: str) -> Any:
        for c in self.frame.columns:
            if format_cell(c) == name:
                return self.frame[c].to_numpy()
        raise KeyError(name)


class ArraySource(TableSource):
    """A numpy array: 1-D as one column, 2-D as rows and columns, more dims flattened to 2."""

    def __init__(self, array: Any) -> None:
        if array.ndim == 0:
            array = array.reshape(1)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        elif array.ndim > 2:
            array = array.reshape(array.shape[0], -1)
        self.array = array
        self.n_rows = array.shape[0]
        self.columns = [str(i) for i in range(array.shape[1])]

    def rows(self, start: int, stop: int) -> list[tuple[str, list[str]]]:
        part = self.array[max(0, start):max(0, stop)].tolist()
        if getattr(self, "_format", None) is None:
            self._format = (column_format(self.array[_spread(self.n_rows)].ravel().tolist(),
                                          "NaN")
                            if self.array.dtype.kind == "f" else format_cell)
        fmt = self._format
        return [(str(start + r), [fmt(v) for v in row]) for r, row in enumerate(part)]


class DescribeSource(FrameSource):
    """``describe()`` of a frame (all columns), statistics as rows. Each column's statistics
    are written one way: the same number of decimals (six significant digits for its
    largest value), or scientific notation for all of them when the magnitudes call for it;
    the count rows (count, unique, freq) as whole numbers."""

    def __init__(self, frame: Any) -> None:
        pd = sys.modules["pandas"]
        if isinstance(frame, pd.Series):
            frame = frame.to_frame()
        try:
            described = frame.describe(include="all")
        except ValueError:  # no columns
            described = frame.describe()
        super().__init__(described)
        stats = ~described.index.isin(self.COUNTS)
        self._formats = [column_format(described.iloc[:, c][stats].tolist())
                         for c in range(described.shape[1])]

    COUNTS = ("count", "unique", "freq")  # rows of counts: whole numbers, whatever the column

    def rows(self, start: int, stop: int) -> list[tuple[str, list[str]]]:
        part = self.frame.iloc[max(0, start):max(0, stop)]
        index = [format_cell(i) for i in part.index]
        columns = [part.iloc[:, c].tolist() for c in range(part.shape[1])]
        return [(index[r], [_count(col[r]) if part.index[r] in self.COUNTS else fmt(col[r])
                            for col, fmt in zip(columns, self._formats)])
                for r in range(len(index))]


def _count(value: Any) -> str:
    if _finite(value):
        return f"{int(value):,}"
    return "" if isinstance(value, numbers.Real) else format_cell(value)


def _finite(value: Any) -> bool:
    """A real number (numpy's too), not a bool, not NaN or infinite."""
    return (isinstance(value, numbers.Real) and not isinstance(value, (bool, np_bool()))
            and math.isfinite(value))


def np_bool() -> type:
    np = sys.modules.get("numpy")
    return np.bool_ if np is not None else bool


def _decimals(value: float) -> int:
    """Decimals ``value`` shows with six significant digits."""
    text = f"{value:.6g}"
    if "e" in text:
        return 6
    return len(text.split(".")[1]) if "." in text else 0


def column_format(values: Sequence[Any], missing: str = "") -> Any:
    """One formatter for a column of numbers: fixed decimals chosen by the largest
    magnitude, or ``.3e`` for all when it is huge or tiny; NaN as ``missing``; text as
    text."""
    sizes = [abs(float(v)) for v in values if _finite(v)]
    biggest = max(sizes, default=0.0)
    smallest = min((n for n in sizes if n), default=0.0)
    if biggest >= 1e9 or (biggest and biggest < 1e-3) or (smallest and biggest / smallest > 1e12):
        spec = ".3e"
    else:  # as many decimals as the values need, at most six significant digits
        digits = int(math.floor(math.log10(biggest))) + 1 if biggest >= 1 else 1
        needed = max((_decimals(v) for v in sizes), default=0)
        spec = f".{max(0, min(needed, 6 - digits))}f"

    def fmt(value: Any) -> str:
        if _finite(value):
            return format(float(value), spec)
        if isinstance(value, numbers.Real) and math.isnan(value):
            return missing
        return format_cell(value)
    return fmt


@dataclass(frozen=True)
class Histogram:
    """Counts of the finite values in equal bins from ``low`` to ``high``. For integers
    (and booleans) each bin holds ``width`` whole values and starts at one, so no bin is
    empty only because no integer falls in it."""

    counts: list[int]
    low: float
    high: float
    n: int
    integer: bool = False
    width: float = 0.0

    def bin_label(self, i: int) -> str:
        """The values bin ``i`` holds: ``3``, ``3–5`` or ``0.25–0.5``."""
        start = self.low + i * self.width
        if self.integer:
            first, last = int(round(start + 0.5)), int(round(start + self.width - 0.5))
            return str(first) if first == last else f"{first}–{last}"
        return f"{format_cell(start)}–{format_cell(start + self.width)}"

    def edge_labels(self) -> tuple[str, str]:
        """The first and last values the axis covers."""
        if self.integer:
            return str(int(round(self.low + 0.5))), str(int(round(self.high - 0.5)))
        return format_cell(self.low), format_cell(self.high)


def histogram(values: Any, bins: int) -> Histogram:
    """At most ``bins`` equal bins over the finite values (integer-aligned for integers)."""
    np = sys.modules.get("numpy")
    if np is None:
        import numpy as np  # noqa: F811 - only reached for numpy/pandas data
    arr = np.asarray(values)
    if arr.dtype == bool:
        arr = arr.astype(np.int8)
    arr = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
    if arr.size == 0:
        return Histogram([], math.nan, math.nan, 0)
    bins = max(1, bins)
    if arr.dtype.kind in "iu":
        lo, hi = int(arr.min()), int(arr.max())
        width = max(1, -(-(hi - lo + 1) // bins))  # whole values per bin
        n_bins = -(-(hi - lo + 1) // width)
        edges = lo - 0.5 + width * np.arange(n_bins + 1)
        counts, _ = np.histogram(arr, bins=edges)
        return Histogram([int(c) for c in counts], float(edges[0]), float(edges[-1]),
                         int(arr.size), integer=True, width=float(width))
    counts, edges = np.histogram(arr, bins=bins)
    return Histogram([int(c) for c in counts], float(edges[0]), float(edges[-1]),
                     int(arr.size), width=float(edges[1] - edges[0]))


def array_stats(array: Any) -> list[tuple[str, str]]:
    """shape, dtype, size in memory, and for numbers min/max/mean/std and NaN count."""
    np = sys.modules["numpy"]
    out = [("shape", " × ".join(str(d) for d in array.shape) or "scalar"),
           ("dtype", str(array.dtype)), ("memory", format_size(array.nbytes))]
    if array.size and (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        values = array.astype(float) if array.dtype == bool else array
        if np.issubdtype(values.dtype, np.complexfloating):
            return out
        with np.errstate(all="ignore"):
            out += [("min", format_cell(float(np.nanmin(values)))),
                    ("max", format_cell(float(np.nanmax(values)))),
                    ("mean", format_cell(float(np.nanmean(values)))),
                    ("std", format_cell(float(np.nanstd(values))))]
        if values.dtype.kind == "f":
            out.append(("NaN", str(int(np.isnan(values).sum()))))
    return out


_repr = reprlib.Repr()
_repr.maxstring = 120
_repr.maxother = 120
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 20
_repr.maxlevel = 3


def bounded_repr(obj: Any, limit: int = 20_000) -> str:
    """A repr that never walks a huge object, cut to ``limit`` characters."""
    try:
        text = repr(obj) if kind_of(obj) == "other" else _repr.repr(obj)
    except Exception as exc:  # noqa: BLE001
        text = f"<repr failed: {type(exc).__name__}: {exc}>"
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more)"


def has_children(obj: Any) -> bool:
    kind = kind_of(obj)
    if kind == "array":
        return obj.ndim > 0 and obj.size > 0
    return kind in ("mapping", "sequence", "set") and len(obj) > 0


@dataclass(frozen=True)
class Child:
    label: str
    value: Any
    expandable: bool
    text: str | None = None  # shown instead of the value's ``leaf_text`` (an array's stats)


def children_of(obj: Any, limit: int = MAX_CHILDREN) -> tuple[list[Child], int]:
    """The first ``limit`` children of a container and how many were left out."""
    kind = kind_of(obj)
    items: Sequence[tuple[str, Any]]
    if kind == "mapping":
        it = iter(obj.items())
        items = [(_repr.repr(k), v) for _, (k, v) in zip(range(limit), it)]
    elif kind == "sequence":
        items = [(f"[{i}]", obj[i]) for i in range(min(limit, len(obj)))]
    elif kind == "set":
        it = iter(obj)
        items = [("•", v) for _, v in zip(range(limit), it)]
    elif kind == "array" and obj.ndim > 0:  # stats first, then rows along the first axis
        described = array_stats(obj)
        stats = [Child(label, None, False, text=value)
                 for label, value in described[:1] + described[3:]]
        items = [(f"[{i}]", obj[i] if obj.ndim > 1 else obj[i].item())
                 for i in range(min(limit, len(obj)))]
        out = stats + [Child(label, value, has_children(value)) for label, value in items]
        return out, max(0, len(obj) - len(items))
    else:
        return [], 0
    out = [Child(label, value, has_children(value)) for label, value in items]
    return out, max(0, len(obj) - len(out))


def leaf_text(value: Any) -> str:
    """How a tree node shows a value: containers by size, others by bounded repr."""
    kind = kind_of(value)
    if kind == "mapping":
        return f"dict ({len(value)} keys)" if type(value) is dict else \
            f"{type(value).__name__} ({len(value)} keys)"
    if kind in ("sequence", "set"):
        return f"{type(value).__name__} ({len(value)} items)"
    if kind == "frame":
        return f"DataFrame {value.shape[0]}×{value.shape[1]}"
    if kind == "array":
        return f"ndarray {value.shape} {value.dtype}"
    text = bounded_repr(value, 200)
    return text.replace("\n", "⏎")
