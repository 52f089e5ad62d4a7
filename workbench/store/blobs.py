"""Content-addressed blob files under `<root>/blobs/<k[:2]>/<k>`. No SQLite: fork-safe.

Loading a blob unpickles it, which runs code the pickle names: `get` refuses when the store,
its catalog, its `blobs/` directory, the blob's shard directory or the file itself belongs to
another user or is writable by group or world (a file someone planted there, or an artifact
row pointed at it, would run their code), and when `blobs/`, the blob or its shard directory
is a symlink (it could point anywhere). A store named in ``WORKBENCH_TRUSTED_STORES`` is
trusted as it is (like git's ``safe.directory``).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import settings
from . import codec
from .remote import is_pointer
from .errors import BlobMissingError, StoreError, UnsafeStoreError
from .summary import describe

_KEY = re.compile(r"[0-9a-f]{64}")


def _trusted_by_setting(root: Path) -> bool:
    """The store is listed in ``WORKBENCH_TRUSTED_STORES`` (``*``: every store)."""
    listed = settings.get("WORKBENCH_TRUSTED_STORES") or []
    return "*" in listed or any(os.path.abspath(os.path.expanduser(p)) == str(root)
                                for p in listed)


def _check_owned(item: Path, st: os.stat_result | None = None) -> None:
    """``item`` (when it exists) belongs to this user and only they can write it."""
    try:
        st = st or os.stat(item)
    except FileNotFoundError:
        return
    if st.st_uid != os.geteuid():
        try:
            import pwd

            owner = pwd.getpwuid(st.st_uid).pw_name
        except (ImportError, KeyError):
            owner = f"uid {st.st_uid}"
        raise UnsafeStoreError(
            f"refusing to load artifacts: {item} belongs to {owner}, not to you, and "
            f"unpickling a file they planted would run their code (if you trust it, add the "
            f"store to WORKBENCH_TRUSTED_STORES)")
    if st.st_mode & (stat.S_IWOTH | stat.S_IWGRP):
        who = "world" if st.st_mode & stat.S_IWOTH else "group"
        raise UnsafeStoreError(
            f"refusing to load artifacts: {item} is {who}-writable, and unpickling a file "
            f"someone planted there would run their code (fix: chmod go-w {item})")


@dataclass(frozen=True)
class BlobInfo:
    """What `BlobStore.put` stored: content key, file size in bytes, type and summary."""

    key: str
    size: int
    type_name: str
    summary: str


class BlobStore:
    """Write-once blobs keyed by the blake3 hash of their serialized bytes."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.dir = self.root / "blobs"
        self.tmp_dir = self.root / "tmp"
        # Set by Store: resolves pointer keys of imported artifacts (store/remote.py).
        self.remote: Any = None

    def path(self, key: str) -> Path:
        """The file a key is (or would be) stored in."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise StoreError(f"invalid blob key {key!r} (expected 64 hex digits)")
        return self.dir / key[:2] / key

    def put(self, obj: Any, name: str | None = None, unchanged_key: str | None = None
            ) -> BlobInfo | None:
        """Serialize and store `obj` once; `name` (the artifact's) is used in error messages.

        ``unchanged_key``: the key `obj` was loaded from; when it still serializes to it,
        nothing is written and None is returned (a value read but not changed is carried).
        """
        enc = codec.encode(obj, name, hash_now=unchanged_key is not None)
        if unchanged_key is not None and enc.key == unchanged_key:
            return None
        if enc.key is None:  # large: hashed while written
            key = codec.write_new(enc, self.path, self.tmp_dir)
        else:
            key = enc.key
            codec.write(enc, self.path(key), self.tmp_dir)
        type_name, summary = describe(obj)
        return BlobInfo(key, enc.size, type_name, summary)

    def check_trusted(self, path: Path | None = None) -> None:
        """Raise UnsafeStoreError unless only this user can plant blobs (see module doc).

        Checks the store directory, its catalog and `blobs/`, and with `path` the blob's
        shard directory and the blob file.
        """
        if _trusted_by_setting(self.root):
            return
        if os.path.islink(self.dir):
            raise UnsafeStoreError(f"refusing to load artifacts: {self.dir} is a symlink to "
                                   f"{os.path.realpath(self.dir)} (blobs/ is never a link)")
        checked = [self.root, self.root / "catalog.sqlite", self.dir]
        if path is not None:
            checked.append(path.parent)
        for item in checked:
            _check_owned(item)
        if path is None:
            return
        if os.path.islink(path.parent):
            raise UnsafeStoreError(f"refusing to load blob {path}: its directory is a symlink "
                                   f"to {os.path.realpath(path.parent)}")
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return  # reported as missing by the loader
        if stat.S_ISLNK(st.st_mode):
            raise UnsafeStoreError(f"refusing to load blob {path}: it is a symlink to "
                                   f"{os.path.realpath(path)} (blobs are never links)")
        _check_owned(path, st)

    def get(self, key: str, verify: bool | None = None) -> Any:
        """Load the object stored under `key` (zero-copy for large buffers).

        `verify`: None checks the content hash of blobs up to `codec.verify_limit()` bytes,
        True always, False never. UnsafeStoreError when the store is not trusted.
        """
        if is_pointer(key) and self.remote is not None:
            return self.remote.load(key)
        path = self.path(key)
        self.check_trusted(path)
        try:
            return codec.load(path, verify=verify)
        except BlobMissingError:
            raise BlobMissingError(f"blob {key} is missing from {self.dir}") from None

    def exists(self, key: str) -> bool:
        """True when a file for `key` is present (content not checked), or `key` points at
        an imported artifact this store knows where to fetch."""
        if is_pointer(key) and self.remote is not None:
            return self.remote.known(key)
        return self.path(key).is_file()

    def verify(self, key: str) -> bool:
        """Rehash the blob file; False when it is corrupt. BlobMissingError when absent."""
        path = self.path(key)
        try:
            return codec.verify(path, key)
        except BlobMissingError:
            raise BlobMissingError(f"blob {key} is missing from {self.dir}") from None
