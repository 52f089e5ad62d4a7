"""Values as a card shows them: Metaflow's ``TaskToDict`` rules, so a card lists an artifact,
a DataFrame and an image the way Metaflow's does (same type names, same truncated reprs)."""
from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

MAX_CELL = 30  # a DataFrame cell of another type is cut to this many characters, as Metaflow's
PREVIEW_ROWS = 5  # a truncated DataFrame shows its head, as Metaflow's



@lru_cache(maxsize=None)
def _repr() -> Any:
    import reprlib

    short = reprlib.Repr()
    short.maxarray = short.maxstring = short.maxother = short.maxtuple = short.maxlist = 100
    short.maxlevel = 3
    return short

# image formats a browser shows, by their first bytes
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8", "jpeg"), (b"GIF87a", "gif"),
          (b"GIF89a", "gif"))


def full_classname(value: Any) -> str:
    """``module.QualName`` of the value's type (builtins without the module)."""
    cls = type(value)
    module, name = cls.__module__, cls.__qualname__
    if module not in (None, "builtins", "__builtin__"):
        name = f"{module}.{name}"
    return {"pandas.DataFrame": "pandas.core.frame.DataFrame"}.get(name, name)


def pretty(value: Any) -> str:
    """The compressed repr Metaflow's default card shows (reprlib, then pprint if it fit)."""
    import pprint

    try:
        text = _repr().repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ is the artifact's problem
        return f"<repr failed: {type(exc).__name__}>"
    if "..." in text:
        return text
    try:
        return pprint.pformat(value, indent=2, width=50, compact=True)
    except Exception:  # noqa: BLE001
        return text


def artifact_entry(value: Any, name: str | None = None) -> dict[str, Any]:
    """One artifact of an ``artifacts`` component, as Metaflow's ``only_repr`` entries."""
    return {"type": full_classname(value), "data": pretty(value), "large_object": False,
            "supported_type": False, "only_repr": True, "name": name}


def image_type(data: Any) -> str | None:
    """"png", "jpeg", "gif" or "webp" for bytes of an image a browser shows, else None."""
    if not isinstance(data, (bytes, bytearray)):
        return None
    head = bytes(data[:16])
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def image_uri(data: bytes) -> str | None:
    """A ``data:image/...`` URI for image bytes (Metaflow's form), None when not an image."""
    kind = image_type(data)
    if kind is None:
        return None
    return f"data:image/{kind};base64, {base64.encodebytes(bytes(data)).decode('utf8')}"


def _column(col: Any) -> Any:
    dtype = str(col.dtype)

    def cut(c: Any) -> Any:
        text = c.astype("string")
        if len(text) and text.str.len().max() > MAX_CELL:
            return text.str.slice(0, MAX_CELL) + "..."
        return text
    try:
        if dtype in ("int64", "float64", "bool"):
            return col.fillna("null") if dtype != "bool" else col
        if dtype in ("object", "category"):
            return cut(col.fillna("null") if dtype == "object" else col)
        if "complex" in dtype or "interval" in dtype or "period" in dtype:
            return col.astype("string").fillna("null")
        if "datetime64" in dtype:
            return col.dt.strftime("%Y-%m-%dT%H:%M:%S%Z").fillna("null")
        if "timedelta" in dtype:
            return col.dt.total_seconds().fillna("null")
        return cut(col.fillna("null"))
    except (TypeError, ValueError):
        return f"Unsupported type: {dtype}"


def frame_table(frame: Any, truncate: bool = True) -> dict[str, Any]:
    """A DataFrame as Metaflow's card table: headers (index first), rows, full size."""
    import pandas as pd

    head = frame.head(PREVIEW_ROWS) if truncate else frame
    data = pd.DataFrame({i: _column(head.iloc[:, i]) for i in range(head.shape[1])})
    index = head.index
    if isinstance(index, pd.MultiIndex):
        labels = [tuple(_column(index.get_level_values(n).to_series()).tolist())
                  for n in range(index.nlevels)]
        index_values = [list(t) for t in zip(*labels)] if labels else []
    else:
        index_values = _column(index.to_series()).tolist()
    rows = [[idx, *row] for idx, row in zip(index_values, data.values.tolist())]
    return {"full_size": (len(frame), frame.shape[1]), "headers": ["", *frame.columns],
            "data": rows, "truncated": truncate}
