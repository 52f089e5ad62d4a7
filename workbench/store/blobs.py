"""Content-addressed blob files under `<root>/blobs/<k[:2]>/<k>`. No SQLite: fork-safe."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import codec
from .errors import BlobMissingError, StoreError
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
        enc = codec.encode(obj, name)
        codec.write(enc, self.path(enc.key), self.tmp_dir)
        type_name, summary = describe(obj)
        return BlobInfo(enc.key, enc.size, type_name, summary)

    def get(self, key: str, verify: bool = False) -> Any:
        """Load the object stored under `key` (zero-copy for large buffers)."""
        path = self.path(key)
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
