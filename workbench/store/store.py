"""`Store`: the blob store, the catalog and the task logs under one directory."""

from __future__ import annotations

import errno
import os
import re
import time
from pathlib import Path
from typing import Any, Iterator

from .blobs import BlobStore
from .cards import cards_path, read_cards
from .catalog import Catalog, _pid_alive
from .errors import CorruptStoreError, StoreError
from .logs import ORDER_SUFFIX, LogLines, read_chunks, read_order
from .paths import resolve_store_dir
from .remote import RemoteBlobs

CATALOG_NAME = "catalog.sqlite"
LOG_STREAMS = ("stdout", "stderr")
TMP_MAX_AGE = 60.0
RESERVE_NAME = "space-reserve"
RESERVE_BYTES = 4 * 1024 * 1024  # room to record a run's end after a step filled the disk


class Store:
    """A store directory: `catalog.sqlite`, `blobs/`, `tmp/`, `logs/`.

    The catalog connection opens lazily, so a Store built in a forked child that only
    writes blobs never touches SQLite.
    """

    def __init__(self, root: str | os.PathLike[str], *, create: bool = True) -> None:
        self.root = Path(os.path.abspath(os.fspath(root)))
        self._logs_dir = os.fspath(self.root / "logs")
        self._prepare(create)
        self._refuse_lost_catalog()
        self.blobs = BlobStore(self.root)
        self.catalog = Catalog(self.root / CATALOG_NAME)
        self.blobs.remote = RemoteBlobs(self.catalog, self.blobs)

    @classmethod
    def open(cls, explicit: str | os.PathLike[str] | None = None, create: bool = True) -> "Store":
        """Open the store at `explicit`, else `$WORKBENCH_STORE`, else `./.workbench`."""
        return cls(resolve_store_dir(explicit), create=create)

    def _prepare(self, create: bool) -> None:
        if not create:
            if not self.root.is_dir():
                raise StoreError(f"no store at {self.root}")
            return
        missing = [p for p in (self.root, *self.root.parents) if not p.is_dir()]
        dirs = [*reversed(missing), self.root / "blobs", self.root / "tmp", self.root / "logs"]
        made: list[Path] = []
        try:
            for d in dirs:
                if d.exists() and not d.is_dir():
                    raise NotADirectoryError(errno.ENOTDIR, f"{d} is not a directory")
                if not d.is_dir():
                    d.mkdir(mode=0o755)  # never group- or world-writable, whatever the umask
                    made.append(d)
            if not os.access(self.root, os.W_OK | os.X_OK):
                raise PermissionError(13, "permission denied")
            for d in dirs[len(missing) :]:
                if not os.access(d, os.W_OK | os.X_OK):
                    raise PermissionError(13, f"{d.name}/ is not writable")
        except OSError as exc:
            for d in reversed(made):  # leave no half-made store behind
                try:
                    d.rmdir()
                except OSError:
                    pass
            reason = exc.strerror or str(exc)
            raise StoreError(f"cannot write store directory {self.root}: {reason}") from exc

    def _refuse_lost_catalog(self) -> None:
        """A catalog that is gone (or empty) next to blobs or logs is not a new store: it
        lost its index. Starting afresh would renumber runs from 1, append new logs to old
        files and let gc delete every blob, so refuse and say what to do."""
        catalog = self.root / CATALOG_NAME
        try:
            size = catalog.stat().st_size
        except FileNotFoundError:
            size = None
        if size:
            return
        wal = catalog.with_name(CATALOG_NAME + "-wal")
        if size == 0 and wal.exists() and wal.stat().st_size:
            return  # a catalog whose pages are all still in its write-ahead log
        if not self._holds_data():
            return
        state = "missing" if size is None else "empty (0 bytes)"
        raise CorruptStoreError(
            f"store {self.root} has artifacts or logs but its catalog {catalog} is {state}; "
            f"restore {CATALOG_NAME} from a backup, or move {self.root} aside to start a new "
            f"store (nothing was changed)")

    def _holds_data(self) -> bool:
        for sub in ("blobs", "logs"):
            try:
                with os.scandir(self.root / sub) as entries:
                    for entry in entries:
                        if entry.is_file() or (entry.is_dir() and any(os.scandir(entry.path))):
                            return True
            except (FileNotFoundError, NotADirectoryError):
                continue
        return False

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    def close(self) -> None:
        """Close the catalog connection (reopened on next use)."""
        self.catalog.close()

    # -- logs ---------------------------------------------------------------------------

    def log_path(self, task_id: int, stream: str) -> Path:
        """`logs/<task_id>.<stream>`: stream is "stdout", "stderr" or "order" (how the two
        interleave, ``store.logs``)."""
        if stream not in LOG_STREAMS and stream != ORDER_SUFFIX:
            raise ValueError(f"invalid log stream {stream!r}; expected stdout or stderr")
        return Path(f"{self._logs_dir}/{int(task_id)}.{stream}")  # (a hot path: no joins)

    def log_owner(self, task_id: int) -> int:
        """The task whose log files hold ``task_id``'s output: itself, or for a clone that
        never ran, the task it was copied from (the first one with a log file)."""
        return self._file_owner(task_id, lambda t: any(self.log_path(t, s).exists()
                                                       for s in LOG_STREAMS))

    def _file_owner(self, task_id: int, has_file: Any) -> int:
        """``task_id``, or the first task up its clone chain for which ``has_file``."""
        seen: set[int] = set()
        current: int | None = int(task_id)
        while current is not None and current not in seen:
            seen.add(current)
            if has_file(current):
                return current
            task = self.catalog.get_task(current)
            current = task.cloned_from if task is not None else None
        return int(task_id)

    # -- cards --------------------------------------------------------------------------

    def cards(self, task_id: int) -> list[dict[str, Any]]:
        """The cards ``task_id`` made (a clone's are its source's), in decorator order."""
        owner = self._file_owner(task_id, lambda t: cards_path(self.root, t).exists())
        return read_cards(cards_path(self.root, owner))

    def read_log(self, task_id: int, stream: str) -> str:
        """One stream of a task's captured log ("" if none); a clone shows its source's."""
        try:
            data = self.log_path(self.log_owner(task_id), stream).read_bytes()
        except FileNotFoundError:
            return ""
        return data.decode("utf-8", errors="replace")

    def log_lines(self, task_id: int) -> LogLines:
        """Both streams of a task's log as lines in the order they were written, read from
        disk only as they are asked for (close it when done)."""
        owner = self.log_owner(task_id)
        paths = {s: self.log_path(owner, s) for s in LOG_STREAMS}
        return LogLines(paths, read_order(self.log_path(owner, ORDER_SUFFIX)))

    def log_chunks(self, task_id: int) -> Iterator[tuple[str, bytes]]:
        """Both streams of a task's log in the order they were written, as byte pieces."""
        owner = self.log_owner(task_id)
        paths = {s: self.log_path(owner, s) for s in LOG_STREAMS}
        return read_chunks(paths, read_order(self.log_path(owner, ORDER_SUFFIX)))

    # -- housekeeping -------------------------------------------------------------------

    def reserve_space(self) -> None:
        """Keep RESERVE_BYTES of disk aside in ``space-reserve`` (best effort), so that when
        a step fills the disk the runtime can free it and still record what happened."""
        path = self.root / RESERVE_NAME
        try:
            if path.exists() and path.stat().st_size >= RESERVE_BYTES:
                return
            with open(path, "wb") as fh:
                fh.write(b"\0" * RESERVE_BYTES)  # real blocks, not a sparse file
        except OSError:
            try:
                path.unlink()
            except OSError:
                pass

    def release_space(self) -> bool:
        """Free the reserve (a write failed for lack of space); True when there was one."""
        try:
            (self.root / RESERVE_NAME).unlink()
            return True
        except OSError:
            return False

    def gc_tmp(self, max_age: float = TMP_MAX_AGE) -> int:
        """Remove temp files from `tmp/` older than `max_age` seconds, or whose writer (the
        pid in a blob temp file's name) is dead, as after a kill -9; returns how many."""
        removed = 0
        cutoff = time.time() - max_age
        try:
            entries = list(os.scandir(self.root / "tmp"))
        except FileNotFoundError:
            return 0
        for entry in entries:
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                m = _TMP_NAME.fullmatch(entry.name)
                if entry.stat().st_mtime < cutoff or (m and not _pid_alive(int(m.group(1)))):
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                pass
        return removed


_TMP_NAME = re.compile(r"[0-9a-f]{16}\.(\d+)\..*\.tmp")

