"""Embedded store: SQLite catalog, content-addressed blobs, codec, summaries.

Imports nothing else of workbench and never textual; pandas/numpy only lazily.
"""

from __future__ import annotations

from .blobs import BlobInfo, BlobStore
from .catalog import (
    SCHEMA_VERSION,
    STALE_AFTER,
    ArtifactRecord,
    Catalog,
    RunRecord,
    TaskRecord,
)
from .errors import (
    BlobCorruptError,
    BlobMissingError,
    CorruptStoreError,
    SchemaTooNewError,
    SerializationError,
    StoreError,
    UnsafeStoreError,
)
from .paths import resolve_store_dir
from .store import Store
from .summary import describe

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
