"""Artifacts still in another system's datastore: pointer keys, fetched on first load.

An imported run (kind ``metaflow``) copies no artifact data up front. Its artifact rows hold a
pointer key, ``mf:<Metaflow's content key>``, and ``remote_blobs`` says where that content
lives (datastore type, root, flow) and how it is encoded. The first load of a pointer asks the
system's fetcher for the value (through Metaflow's own datastore classes), stores it as a blob
of ours and re-keys every artifact row that held the pointer, so the next load, diff or
comparison is an ordinary one. Pointer keys may linger in memory after that (a record read
before): loading one again takes the resolved blob.

The fetcher is resolved by module name (``FETCHERS``), the one place the store reaches up a
layer: fetching needs Metaflow, which only ``workbench.compat`` knows.
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import Any

from .errors import StoreError

POINTER_PREFIX = "mf:"
# system -> module with ``fetch(pointer: RemoteBlob) -> value``
FETCHERS = {"metaflow": "workbench.compat.metaflow_fetch"}


def is_pointer(key: str) -> bool:
    """True for the key of an artifact not fetched into this store yet."""
    return isinstance(key, str) and key.startswith(POINTER_PREFIX)


class RemoteFetchError(StoreError):
    """An imported artifact could not be fetched from where it lives (one line: why)."""


@dataclass(frozen=True)
class RemoteBlob:
    """Where a pointer's content lives: ``system`` (``metaflow``), ``location`` (datastore
    type, root, flow) and ``info`` (the system's own description: type, size, encoding)."""

    key: str
    system: str
    location: dict
    info: dict
    resolved: str | None = None

    @property
    def content_key(self) -> str:
        """The key in the system's own content-addressed store."""
        return self.key[len(POINTER_PREFIX):]


def remote_blob(catalog: Any, key: str) -> RemoteBlob | None:
    """The ``remote_blobs`` row of a pointer key, or None."""
    row = catalog._one("SELECT key, system, location, info, resolved FROM remote_blobs"
                       " WHERE key = ?", (key,))
    if row is None:
        return None
    return RemoteBlob(row[0], row[1], json.loads(row[2]), json.loads(row[3]), row[4])


def record_resolved(catalog: Any, key: str, new_key: str, type_name: str, size: int,
                    summary: str) -> None:
    """Point every artifact row holding ``key`` at the fetched blob ``new_key``."""
    with catalog._write() as conn:
        conn.execute("UPDATE remote_blobs SET resolved = ? WHERE key = ?", (new_key, key))
        conn.execute("UPDATE artifacts SET key = ?, type_name = ?, size = ?, summary = ?"
                     " WHERE key = ?", (new_key, type_name, int(size), summary, key))


def rekey_fetched(conn: Any, where: str = "", params: tuple = ()) -> None:
    """Rows still holding a pointer that was fetched take the fetched blob's key, type, size
    and summary (rows written from a record read before the fetch). ``where`` narrows the
    rows (an SQL condition on ``artifacts``)."""
    conn.execute(
        "UPDATE artifacts SET (key, type_name, size, summary) = (SELECT a.key, a.type_name,"
        " a.size, a.summary FROM remote_blobs r JOIN artifacts a ON a.key = r.resolved"
        " WHERE r.key = artifacts.key LIMIT 1)"
        f" WHERE key LIKE '{POINTER_PREFIX}%' {('AND ' + where) if where else ''}"
        " AND EXISTS (SELECT 1 FROM remote_blobs r JOIN artifacts a ON a.key = r.resolved"
        " WHERE r.key = artifacts.key)", params)


class RemoteBlobs:
    """Resolves pointer keys for a BlobStore: fetch once, store, re-key the catalog."""

    def __init__(self, catalog: Any, blobs: Any) -> None:
        self.catalog = catalog
        self.blobs = blobs

    def known(self, key: str) -> bool:
        """True when ``key`` is a pointer this store can fetch (or has fetched)."""
        return remote_blob(self.catalog, key) is not None

    def resolved(self, key: str) -> str | None:
        """The blob key a pointer was fetched into, when it was and the blob is there."""
        row = remote_blob(self.catalog, key)
        if row is not None and row.resolved and self.blobs.exists(row.resolved):
            return row.resolved
        return None

    def load(self, key: str) -> Any:
        """The value behind a pointer: the stored blob once fetched, else fetched now."""
        row = self._row(key)
        if row.resolved and self.blobs.exists(row.resolved):
            return self.blobs.get(row.resolved)
        return self._fetch(row)[0]

    def resolve_key(self, key: str) -> str:
        """The blob key a pointer stands for, fetching it now if it never was; any other
        key as it is."""
        if not is_pointer(key):
            return key
        row = self._row(key)
        if row.resolved and self.blobs.exists(row.resolved):
            with self.catalog._write() as conn:
                rekey_fetched(conn, "key = ?", (key,))
            return row.resolved
        return self._fetch(row)[1]

    def _row(self, key: str) -> RemoteBlob:
        row = remote_blob(self.catalog, key)
        if row is None:
            raise RemoteFetchError(f"artifact {key} points into another datastore that this "
                                   f"store has no record of (import the run again)")
        return row

    def _fetch(self, row: RemoteBlob) -> tuple[Any, str]:
        module = FETCHERS.get(row.system)
        if module is None:
            raise RemoteFetchError(f"artifact {row.key} lives in a {row.system} datastore, "
                                   f"which this workbench cannot read")
        value = importlib.import_module(module).fetch(row)
        info = self.blobs.put(value)
        record_resolved(self.catalog, row.key, info.key, info.type_name, info.size,
                        info.summary)
        return value, info.key
