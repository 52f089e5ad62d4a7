"""Artifact previews as data: what kind of view an object gets, tables over DataFrames and
arrays that produce only the rows asked for, container children, bounded reprs, stats.

No textual here (the preview screen paints these); pandas and numpy are imported only when
the object comes from them.
"""
from __future__ import annotations

import math
import reprlib
import sys
from dataclasses import dataclass
from typing import Any, Sequence

from ..display import format_size, safe

__all__ = [
    "ArraySource", "FrameSource", "TableSource", "array_stats", "bounded_repr",
    "children_of", "format_cell", "has_children", "histogram", "kind_of",
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
        return [(index[r], [format_cell(col[r]) for col in columns]) for r in range(len(index))]

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
        return [(str(start + r), [format_cell(v) for v in row]) for r, row in enumerate(part)]


class DescribeSource(FrameSource):
    """``describe()`` of a frame (all columns), statistics as rows."""

    def __init__(self, frame: Any) -> None:
        pd = sys.modules["pandas"]
        if isinstance(frame, pd.Series):
            frame = frame.to_frame()
        try:
            described = frame.describe(include="all")
        except ValueError:  # no columns
            described = frame.describe()
        super().__init__(described)


def histogram(values: Any, bins: int) -> tuple[list[int], float, float, int]:
    """(counts, low, high, n finite) of the finite values, ``bins`` equal bins."""
    np = sys.modules.get("numpy")
    if np is None:
        import numpy as np  # noqa: F811 - only reached for numpy/pandas data
    arr = np.asarray(values)
    if arr.dtype == bool:
        arr = arr.astype(np.int8)
    arr = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
    if arr.size == 0:
        return [], math.nan, math.nan, 0
    counts, edges = np.histogram(arr, bins=max(1, bins))
    return [int(c) for c in counts], float(edges[0]), float(edges[-1]), int(arr.size)


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
    return kind_of(obj) in ("mapping", "sequence", "set") and len(obj) > 0


@dataclass(frozen=True)
class Child:
    label: str
    value: Any
    expandable: bool


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
