"""Content-addressed blob files under `<root>/blobs/<k[:2]>/<k>`. No SQLite: fork-safe.

Loading a blob unpickles it, which runs code the pickle names: `get` refuses when the store,
its `blobs/` directory, the blob's shard directory or the file itself is world-writable (a
file someone planted there would run their code), and when the blob or its shard directory
is a symlink (it could point anywhere).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import codec
from .errors import BlobMissingError, StoreError, UnsafeStoreError
from .summary import describe

_KEY = re.compile(r"[0-9a-f]{64}")


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

    def path(self, key: str) -> Path:
        """The file a key is (or would be) stored in."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise StoreError(f"invalid blob key {key!r} (expected 64 hex digits)")
        return self.dir / key[:2] / key

    def put(self, obj: Any, name: str | None = None) -> BlobInfo:
        """Serialize and store `obj` once; `name` (the artifact's) is used in error messages."""
        enc = codec.encode(obj, name, hash_now=False)
        if enc.key is None:  # large: hashed while written
            key = codec.write_new(enc, self.path, self.tmp_dir)
        else:
            key = enc.key
            codec.write(enc, self.path(key), self.tmp_dir)
        type_name, summary = describe(obj)
        return BlobInfo(key, enc.size, type_name, summary)

    def check_trusted(self, path: Path | None = None) -> None:
        """Raise UnsafeStoreError unless only trusted users can plant blobs (see module doc).

        Checks the store directory and `blobs/`, and with `path` the blob's shard directory
        and the blob file.
        """
        dirs = [self.root, self.dir] + ([path.parent] if path is not None else [])
        for d in dirs:
            try:
                st = os.stat(d)
            except FileNotFoundError:
                continue
            if st.st_mode & stat.S_IWOTH:
                raise UnsafeStoreError(
                    f"refusing to load artifacts: {d} is world-writable, and unpickling a file "
                    f"someone planted there would run their code (fix: chmod o-w {d})")
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
        if st.st_mode & stat.S_IWOTH:
            raise UnsafeStoreError(f"refusing to load blob {path}: the file is world-writable "
                                   f"(fix: chmod o-w {path})")

    def get(self, key: str, verify: bool | None = None) -> Any:
        """Load the object stored under `key` (zero-copy for large buffers).

        `verify`: None checks the content hash of blobs up to `codec.verify_limit()` bytes,
        True always, False never. UnsafeStoreError when the store is not trusted.
        """
        path = self.path(key)
        self.check_trusted(path)
        try:
            return codec.load(path, verify=verify)
        except BlobMissingError:
            raise BlobMissingError(f"blob {key} is missing from {self.dir}") from None

    def exists(self, key: str) -> bool:
        """True when a file for `key` is present (content not checked)."""
        return self.path(key).is_file()

    def verify(self, key: str) -> bool:
        """Rehash the blob file; False when it is corrupt. BlobMissingError when absent."""
        path = self.path(key)
        try:
            return codec.verify(path, key)
        except BlobMissingError:
            raise BlobMissingError(f"blob {key} is missing from {self.dir}") from None
