"""Embedded store: SQLite catalog, content-addressed blobs, codec, summaries.

Imports nothing else of workbench and never textual; pandas/numpy only lazily.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Where each public name lives; loaded on first use, so a command that only needs the store's
# path (``workbench spin`` handing itself to a warm worker) does not import SQLite, pickling
# and hashing first.
_WHERE = {
    "BlobInfo": "blobs", "BlobStore": "blobs",
    "SCHEMA_VERSION": "catalog", "STALE_AFTER": "catalog", "ArtifactRecord": "catalog",
    "Catalog": "catalog", "RunRecord": "catalog", "TaskRecord": "catalog",
    "BlobCorruptError": "errors", "BlobMissingError": "errors",
    "CorruptStoreError": "errors", "SchemaTooNewError": "errors",
    "SerializationError": "errors", "StoreError": "errors", "UnsafeStoreError": "errors",
    "resolve_store_dir": "paths", "Store": "store", "describe": "summary",
}

if TYPE_CHECKING:  # what type checkers and readers see
    from .blobs import BlobInfo, BlobStore
    from .catalog import (SCHEMA_VERSION, STALE_AFTER, ArtifactRecord, Catalog, RunRecord,
                          TaskRecord)
    from .errors import (BlobCorruptError, BlobMissingError, CorruptStoreError,
                         SchemaTooNewError, SerializationError, StoreError, UnsafeStoreError)
    from .paths import resolve_store_dir
    from .store import Store
    from .summary import describe


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ArtifactRecord",
    "BlobCorruptError",
    "BlobInfo",
    "BlobMissingError",
    "BlobStore",
    "Catalog",
    "CorruptStoreError",
    "RunRecord",
    "SCHEMA_VERSION",
    "STALE_AFTER",
    "SchemaTooNewError",
    "SerializationError",
    "Store",
    "StoreError",
    "TaskRecord",
    "UnsafeStoreError",
    "describe",
    "resolve_store_dir",
]
