"""A bounded in-memory cache of unpickled artifacts, keyed by content key.

The warm worker keeps one: task processes forked from it inherit the cached objects
copy-on-write, so a spin right after a run reads no artifact from disk. Sizes are the blobs'
sizes (a good estimate of an unpickled frame's footprint); the least recently used entries
leave first when the bound is reached.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any, Iterable

from .. import settings

DEFAULT_FRACTION = 0.25


def default_cache_bytes() -> int:
    """``WORKBENCH_CACHE_MB`` if set, else 25% of physical memory."""
    chosen = settings.get("WORKBENCH_CACHE_MB")
    if chosen is not None:
        return chosen
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 * 1024 ** 3
    return int(total * DEFAULT_FRACTION)


class ArtifactCache:
    """LRU of ``key -> object`` bounded by the summed blob sizes."""

    def __init__(self, blobs: Any, max_bytes: int | None = None) -> None:
        self.blobs = blobs
        self.max_bytes = default_cache_bytes() if max_bytes is None else max_bytes
        self._items: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def load(self, ref: Any) -> Any:
        """The value of an artifact reference (``.key``, ``.size``), from memory when cached."""
        key = ref.key
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]
        self.misses += 1
        value = self.blobs.get(key)
        self._put(key, value, int(getattr(ref, "size", 0) or 0))
        return value

    def _put(self, key: str, value: Any, size: int) -> None:
        if size > self.max_bytes:
            return
        if key in self._items:
            self._items.move_to_end(key)
            return
        self._items[key] = (value, size)
        self.bytes += size
        while self.bytes > self.max_bytes and self._items:
            _, (_, dropped) = self._items.popitem(last=False)
            self.bytes -= dropped

    def prefetch(self, refs: Iterable[Any]) -> None:
        """Load artifacts not cached yet (a finished task's outputs, before the next spin)."""
        for ref in refs:
            if ref.key not in self._items and int(getattr(ref, "size", 0) or 0) <= self.max_bytes:
                try:
                    self.load(ref)
                except Exception:  # noqa: BLE001 - a blob that fails to load is left to the task
                    continue

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0
