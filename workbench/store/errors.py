"""Errors raised by the store, each carrying one line meant for users (what + where)."""

from __future__ import annotations

from ..errors import WorkbenchError


class StoreError(WorkbenchError):
    """Base class: `str(err)` is a single line saying what went wrong and where."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)


class SchemaTooNewError(StoreError):
    """The catalog was written by a newer workbench (higher schema version)."""


class CorruptStoreError(StoreError):
    """The catalog file is not a database, is truncated or malformed."""


class BlobMissingError(StoreError):
    """A blob key has no file in the store."""


class BlobCorruptError(StoreError):
    """A blob file is too short, has a bad header, or fails its content hash."""


class SerializationError(StoreError):
    """An object could not be pickled (or a blob could not be unpickled)."""


class UnsafeStoreError(StoreError):
    """The store is writable by others (or a blob is a link out of it): no unpickling."""
