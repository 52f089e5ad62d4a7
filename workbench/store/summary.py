"""One-line, bounded descriptions of artifacts: `describe(obj) -> (type_name, summary)`.

Cost is bounded by the limits below, never by the size of the object, for builtin
containers, strings, bytes, ints, numpy arrays and pandas frames/series. pandas and numpy
are recognized by the object's module name, so they are never imported for other objects.
"""

from __future__ import annotations

import re
import reprlib
import signal
import threading
import time
from contextlib import contextmanager
from itertools import islice
from typing import Any, Iterator

MAX_SUMMARY = 200
REPR_SECONDS = 2.0  # a summary (a user's __repr__ included) gets this long, then says so
_MAX_COLUMNS = 40
_NEWLINES = re.compile(r"\s*\n\s*")


def type_name(obj: Any) -> str:
    """`module.qualname` of the object's type; builtins without the module."""
    cls = type(obj)
    mod = getattr(cls, "__module__", None) or ""
    qual = getattr(cls, "__qualname__", None) or cls.__name__
    return qual if mod == "builtins" else f"{mod}.{qual}"


def _cut(text: str, limit: int = MAX_SUMMARY) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _BoundedRepr(reprlib.Repr):
    """reprlib without the O(n log n) sort of dicts/sets and with bounded bytes/ints."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 4
        self.maxdict = 8
        self.maxlist = 10
        self.maxtuple = 10
        self.maxset = 10
        self.maxfrozenset = 10
        self.maxdeque = 10
        self.maxarray = 10
        self.maxstring = 120
        self.maxlong = 60
        self.maxother = 120

    def repr_dict(self, x: dict, level: int) -> str:
        n = len(x)
        if n == 0:
            return "{}"
        if level <= 0:
            return "{...}"
        items = [
            f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}"
            for k, v in islice(x.items(), self.maxdict)
        ]
        if n > self.maxdict:
            items.append("...")
        return "{" + ", ".join(items) + "}"

    def _unsorted(self, x: Any, level: int, left: str, right: str, maxiter: int) -> str:
        if not x:
            return f"{left}{right}" if left != "{" else "set()"
        if level <= 0:
            return left + "..." + right
        items = [self.repr1(e, level - 1) for e in islice(x, maxiter)]
        if len(x) > maxiter:
            items.append("...")
        return left + ", ".join(items) + right

    def repr_set(self, x: set, level: int) -> str:
        return self._unsorted(x, level, "{", "}", self.maxset)

    def repr_frozenset(self, x: frozenset, level: int) -> str:
        if not x:
            return "frozenset()"
        return self._unsorted(x, level, "frozenset({", "})", self.maxfrozenset)

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 4 * self.maxlong:  # repr would be slow (or refused) for huge ints
            return f"<int of {x.bit_length()} bits>"
        return super().repr_int(x, level)

    def repr_bytes(self, x: bytes, level: int) -> str:
        s = repr(x[: self.maxstring])
        return s[:-1] + "...'" if len(x) > self.maxstring else s

    def repr_bytearray(self, x: bytearray, level: int) -> str:
        return f"bytearray({self.repr_bytes(bytes(x[: self.maxstring + 1]), level)})"

    def repr_memoryview(self, x: memoryview, level: int) -> str:
        return f"<memoryview {x.nbytes} bytes>"


_REPR = _BoundedRepr()
_SIZED_BASES = (dict, list, tuple, set, frozenset, str, bytes, bytearray)


def _generic(obj: Any) -> str:
    cls = type(obj)
    if cls not in _SIZED_BASES and isinstance(obj, _SIZED_BASES) and len(obj) > _REPR.maxlist:
        # A big subclass (defaultdict, Counter...): reprlib would call its full repr.
        base = next(b for b in _SIZED_BASES if isinstance(obj, b))
        text = f"{cls.__name__}({_REPR.repr1(_base_view(obj, base), _REPR.maxlevel)})"
    else:
        text = _REPR.repr(obj)
    if isinstance(obj, (list, tuple, dict, set, frozenset, str, bytes, bytearray)):
        n = len(obj)
        limit = _REPR.maxstring if isinstance(obj, (str, bytes, bytearray)) else _REPR.maxlist
        if isinstance(obj, dict):
            limit = _REPR.maxdict
        if n > limit:
            text = f"{text} (len {n})"
    return _NEWLINES.sub(" ", text)


def _base_view(obj: Any, base: type) -> Any:
    """A small base-type sample of a container subclass, enough for a bounded repr."""
    limit = _REPR.maxstring + 1 if base in (str, bytes, bytearray) else _REPR.maxlist + 1
    if base is dict:
        return dict(islice(obj.items(), _REPR.maxdict + 1))
    if base in (str, bytes, bytearray):
        return base(obj[:limit])
    return list(islice(obj, limit))


def _pandas(obj: Any) -> str | None:
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        rows, cols = obj.shape
        dtypes = obj.dtypes.iloc[:_MAX_COLUMNS]
        parts = [f"{col} {dt}" for col, dt in dtypes.items()]
        if cols > _MAX_COLUMNS:
            parts.append("...")
        return f"DataFrame {rows}x{cols}: " + ", ".join(parts)
    if isinstance(obj, pd.Series):
        text = f"Series {len(obj)} {obj.dtype}"
        if obj.name is not None:
            text += f" name={_REPR.repr(obj.name)}"
        return text
    if isinstance(obj, pd.Index):
        return f"{type(obj).__name__} {len(obj)} {obj.dtype}"
    return None


def _numpy(obj: Any) -> str | None:
    import numpy as np

    if isinstance(obj, np.ndarray):
        return f"{type(obj).__name__} {obj.shape} {obj.dtype}"
    return None


class ReprTimeout(BaseException):  # not Exception: reprlib and user code catch those
    """A summary ran past REPR_SECONDS."""


@contextmanager
def time_bound(seconds: float, error: Any = ReprTimeout) -> Iterator[None]:
    """Interrupt the block by raising ``error()`` after ``seconds`` (a real-time alarm, main
    thread only). An alarm already armed (a step's @timeout, a test runner's) that would
    fire first is left alone; a later one is put back, less the time spent, at the end."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        yield
        return
    outer, interval = signal.getitimer(signal.ITIMER_REAL)
    if outer and outer <= seconds:
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise error()

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            left = max(0.001, outer - (time.monotonic() - started))
            signal.setitimer(signal.ITIMER_REAL, left, interval)


def describe(obj: Any, seconds: float = REPR_SECONDS) -> tuple[str, str]:
    """Return (type name, one-line summary of at most 200 chars). Never raises; a summary
    that takes longer than ``seconds`` (a slow or hanging ``__repr__``) reads
    ``<repr timed out after N s>``."""
    try:
        tname = type_name(obj)
    except Exception:  # a type with hostile attributes
        tname = "<unknown>"
    try:
        with time_bound(seconds):
            module = type(obj).__module__ or ""
            text = None
            if module.startswith("pandas"):
                text = _pandas(obj)
            elif module.startswith("numpy"):
                text = _numpy(obj)
            if text is None:
                text = _generic(obj)
        return tname, _cut(text)
    except ReprTimeout:
        return tname, f"<repr timed out after {seconds:g} s>"
    except Exception as exc:
        return tname, _cut(f"<unrepresentable: {type(exc).__name__}: {exc}>".replace("\n", " "))
