"""Blob codec: cloudpickle protocol 5 with out-of-band buffers, one file per blob.

File layout (little endian)::

    header   MAGIC b"WBB1" | version u16 | flags u16 | stream_len u64 | nbuf u32
             | nbuf x buffer_len u64
    stream   the pickle stream, right after the header
    buffers  each raw buffer at a 64-byte aligned file offset (zero padding between)

The content key is the blake3 hex digest of the pickle stream followed by each buffer.
Reading maps the file with ``ACCESS_COPY`` and hands ``pickle.loads`` memoryview slices of
the map, so large numpy/pandas data loads without a copy and stays writable (copy-on-write
pages; the file is never modified).

Loading checks the content hash of every blob the first time a process loads it (blake3,
about 0.15-0.3 ms per MB, remembered by path, inode, size and mtime), besides the header and
size checks; ``WORKBENCH_VERIFY_MB`` caps the size checked, for those who would rather not
pay it on huge artifacts. Blob files are opened without following symlinks.
"""

from __future__ import annotations

import errno
import mmap
import os
import pickle
import stat
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blake3
import cloudpickle

from .. import settings
from . import mapped
from .errors import BlobCorruptError, BlobMissingError, SerializationError, StoreError
from .faults import fault

MAGIC = b"WBB1"
VERSION = 1
PROTOCOL = 5
ALIGN = 64
_FIXED = struct.Struct("<4sHHQI")  # magic, version, flags, stream_len, nbuf
_LEN = struct.Struct("<Q")
# Buffers smaller than this stay in the pickle stream (alignment padding would cost more).
INLINE_LIMIT = 512
# Above this many bytes, let blake3 hash with several threads.
_THREADED_HASH_BYTES = 4 << 20
VERIFY_ENV = "WORKBENCH_VERIFY_MB"
# Files this process already hashed: (path, inode, size, mtime_ns). Blob files never change.
_verified: set[tuple[str, int, int, int]] = set()
# Blob files this process created, as (path, inode, size, mtime_ns): a task reports them so
# that the run's later tasks, forked from the runtime, need not hash what was just written.
_created: list[tuple[str, int, int, int]] = []


def _identity(path: Path) -> tuple[str, int, int, int]:
    st = os.stat(path, follow_symlinks=False)
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


def _touch(path: Path) -> None:
    """Make a reused blob young again; a hashed file stays known as hashed."""
    before = _identity(path)
    os.utime(path)
    if before in _verified:
        after = _identity(path)
        _verified.add(after)
        _created.append(after)


def take_created() -> list[tuple[str, int, int, int]]:
    """The blob files this process created since the last call (and forget them)."""
    created = list(_created)
    _created.clear()
    return created


def trust(identities: list[tuple[str, int, int, int]] | list[list]) -> None:
    """Count these blob files as hashed: written by this run's own task just now, each one
    hashed while it was written. A file changed since (other inode, size or time) is not."""
    for ident in identities:
        if len(_verified) >= 100_000:
            _verified.clear()
        _verified.add((str(ident[0]), int(ident[1]), int(ident[2]), int(ident[3])))


def verify_limit() -> int | None:
    """Blobs up to this many bytes are hashed when loaded (``WORKBENCH_VERIFY_MB``); None:
    every blob."""
    return settings.get(VERIFY_ENV)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


@dataclass(frozen=True)
class Layout:
    """Offsets inside a blob file, derived from its header."""

    header_len: int
    stream_len: int
    buffer_offsets: tuple[int, ...]
    buffer_lens: tuple[int, ...]

    @property
    def total(self) -> int:
        if self.buffer_lens:
            return self.buffer_offsets[-1] + self.buffer_lens[-1]
        return self.header_len + self.stream_len

    @classmethod
    def of(cls, stream_len: int, buffer_lens: tuple[int, ...]) -> "Layout":
        header_len = _FIXED.size + _LEN.size * len(buffer_lens)
        offsets: list[int] = []
        pos = header_len + stream_len
        for n in buffer_lens:
            pos = _align(pos)
            offsets.append(pos)
            pos += n
        return cls(header_len, stream_len, tuple(offsets), buffer_lens)

    def header(self) -> bytes:
        head = _FIXED.pack(MAGIC, VERSION, 0, self.stream_len, len(self.buffer_lens))
        return head + b"".join(_LEN.pack(n) for n in self.buffer_lens)


@dataclass(frozen=True)
class Encoded:
    """A serialized object: pickle stream, raw out-of-band buffers, content key, file size."""

    stream: bytes
    buffers: tuple[memoryview, ...]
    key: str | None  # None: large, hashed while it is written (see write_new)
    layout: Layout

    @property
    def size(self) -> int:
        """Bytes of the blob file."""
        return self.layout.total


def _type_name(obj: Any) -> str:
    cls = type(obj)
    mod = getattr(cls, "__module__", "") or ""
    qual = getattr(cls, "__qualname__", cls.__name__)
    return qual if mod == "builtins" else f"{mod}.{qual}"


_pool_pid: int | None = None  # the process whose blake3 thread pool exists


def _hash(parts: list[memoryview | bytes], total: int) -> str:
    global _pool_pid
    threads = 1
    if total >= _THREADED_HASH_BYTES:
        # A process forked after its parent used blake3's thread pool inherits the pool
        # without its threads: hashing with it there would wait forever. Stay single-threaded.
        if _pool_pid in (None, os.getpid()):
            _pool_pid = os.getpid()
            threads = blake3.blake3.AUTO
    hasher = blake3.blake3(max_threads=threads)
    for part in parts:
        hasher.update(part)
    return hasher.hexdigest()


# From this size on, BlobStore.put hashes a blob while writing it instead of before.
OVERLAP_BYTES = 64 << 20


def encode(obj: Any, name: str | None = None, *, hash_now: bool = True) -> Encoded:
    """Pickle `obj` (buffers out of band) and compute its content key. Writes nothing.

    With ``hash_now=False`` a blob of OVERLAP_BYTES or more is left unhashed (key None), for
    write_new to hash while it writes. Raises SerializationError naming the artifact (`name`)
    and its type if pickling fails.
    """
    views: list[memoryview] = []

    def keep(pb: pickle.PickleBuffer) -> bool:
        try:
            view = pb.raw()
        except BufferError:  # non-contiguous: let pickle keep it in band
            return True
        if view.nbytes < INLINE_LIMIT:
            return True
        views.append(view)
        return False

    try:
        stream = cloudpickle.dumps(obj, protocol=PROTOCOL, buffer_callback=keep)
    except Exception as exc:  # pickling can fail with almost anything
        what = f"artifact {name!r}" if name else "object"
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
        raise SerializationError(
            f"{what} of type {_type_name(obj)} can't be pickled: {reason}"
        ) from exc
    layout = Layout.of(len(stream), tuple(v.nbytes for v in views))
    total = len(stream) + sum(layout.buffer_lens)
    key = mapped.known_key(stream, views)  # a value still its blob's untouched map
    if key is not None:
        return Encoded(stream, tuple(views), key, layout)
    if not hash_now and total >= OVERLAP_BYTES:
        return Encoded(stream, tuple(views), None, layout)
    return Encoded(stream, tuple(views), _hash([stream, *views], total), layout)


def _temp_file(dest_name: str, tmp_dir: Path) -> tuple[int, str]:
    # never world-writable, whatever the umask: loads refuse such directories
    tmp_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    # The writer's pid is in the name: gc removes a dead writer's temp file at once.
    fd, tmp = tempfile.mkstemp(prefix=f"{dest_name[:16]}.{os.getpid()}.", suffix=".tmp",
                               dir=tmp_dir)
    os.fchmod(fd, 0o644)
    return fd, tmp


def _write_body(f: Any, enc: Encoded, chunk: int | None = None, on_chunk: Any = None) -> None:
    layout = enc.layout
    f.write(layout.header())
    f.write(enc.stream)
    f.flush()
    fault("blob_write")  # test-only pause, half written
    pos = layout.header_len + layout.stream_len
    for off, view in zip(layout.buffer_offsets, enc.buffers):
        if off > pos:
            f.write(b"\0" * (off - pos))
        if chunk is None:
            f.write(view)
        else:
            flat = view.cast("B")
            for start in range(0, flat.nbytes, chunk):
                piece = flat[start:start + chunk]
                on_chunk(piece)
                f.write(piece)
        pos = off + view.nbytes


def write_new(enc: Encoded, dest_of: Any, tmp_dir: Path, chunk: int = 16 << 20) -> str:
    """Write an unhashed large blob to a temp file while another thread hashes it.

    blake3 releases the GIL, so hashing and writing overlap on two cores: the blob costs about
    one plain write instead of a hash plus a write. When the content turns out to be stored
    already, the temp file is dropped (its pages never reach the disk). Returns the key.
    """
    import queue
    import threading

    hasher = blake3.blake3(max_threads=1)
    pieces: queue.SimpleQueue = queue.SimpleQueue()

    def hash_pieces() -> None:
        while (piece := pieces.get()) is not None:
            hasher.update(piece)

    worker = threading.Thread(target=hash_pieces, name="blob-hash", daemon=True)
    worker.start()
    pieces.put(enc.stream)
    tmp = None
    try:
        fd, tmp = _temp_file("new", tmp_dir)
        with open(fd, "wb") as f:
            _write_body(f, enc, chunk, pieces.put)
        pieces.put(None)
        worker.join()
        key = hasher.hexdigest()
        dest = Path(dest_of(key))
        try:
            if os.stat(dest).st_size == enc.size:
                _touch(dest)  # as in write(): a reused blob is young again for gc
                return key
        except FileNotFoundError:
            pass
        dest.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        os.replace(tmp, dest)
        tmp = None
        _created.append(_identity(dest))
        return key
    except OSError as exc:
        raise StoreError(f"cannot write blob into {tmp_dir.parent}: {exc.strerror or exc}") from exc
    finally:
        pieces.put(None)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def write(enc: Encoded, dest: Path, tmp_dir: Path) -> bool:
    """Write `enc` to `dest` through a temp file in `tmp_dir` and an atomic rename.

    Returns False (and writes nothing) when `dest` already holds a blob of the right size.
    """
    try:
        if os.stat(dest).st_size == enc.size:
            # Touch it: gc leaves young blobs alone, so a blob reused now survives a sweep
            # that runs before this task's catalog rows exist.
            _touch(dest)
            return False
    except FileNotFoundError:
        pass
    tmp = None
    try:
        dest.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        fd, tmp = _temp_file(dest.name, tmp_dir)
        with open(fd, "wb") as f:
            _write_body(f, enc)
        os.replace(tmp, dest)
        tmp = None
        _created.append(_identity(dest))
    except OSError as exc:
        raise StoreError(f"cannot write blob {dest}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return True


def _open_map(path: Path) -> tuple[mmap.mmap, Layout]:
    """Map a blob file copy-on-write and validate its header against its size."""
    try:
        f = open(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb")
    except FileNotFoundError:
        raise BlobMissingError(f"blob file {path} is missing") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            raise BlobCorruptError(
                f"blob file {path} is a symlink; refusing to load it (blobs are never links, "
                "a planted link could point anywhere)") from None
        raise StoreError(f"cannot read blob {path}: {exc.strerror or exc}") from exc
    with f:
        st = os.fstat(f.fileno())
        size = st.st_size
        if not stat.S_ISREG(st.st_mode):
            raise BlobCorruptError(f"blob file {path} is not a regular file")
        if size < _FIXED.size:
            raise BlobCorruptError(f"blob file {path} is corrupt: {size} bytes is too short")
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    magic, version, _flags, stream_len, nbuf = _FIXED.unpack_from(mm, 0)
    if magic != MAGIC:
        raise BlobCorruptError(f"blob file {path} is corrupt: bad magic {magic!r}")
    if version != VERSION:
        raise BlobCorruptError(f"blob file {path} has unknown format version {version}")
    if _FIXED.size + nbuf * _LEN.size > size:
        raise BlobCorruptError(f"blob file {path} is corrupt: truncated header")
    lens = tuple(_LEN.unpack_from(mm, _FIXED.size + i * _LEN.size)[0] for i in range(nbuf))
    layout = Layout.of(stream_len, lens)
    if layout.total != size:
        raise BlobCorruptError(
            f"blob file {path} is corrupt: {size} bytes, header says {layout.total}"
        )
    return mm, layout


def _parts(mm: mmap.mmap, layout: Layout) -> tuple[memoryview, list[memoryview]]:
    view = memoryview(mm)
    start = layout.header_len
    stream = view[start : start + layout.stream_len]
    bufs = [view[o : o + n] for o, n in zip(layout.buffer_offsets, layout.buffer_lens)]
    return stream, bufs


def verify(path: str | os.PathLike[str], key: str | None = None) -> bool:
    """Rehash a blob file; True when its content matches `key` (default: the file name)."""
    path = Path(path)
    try:
        mm, layout = _open_map(path)
    except BlobCorruptError:
        return False
    stream, bufs = _parts(mm, layout)
    digest = _hash([stream, *bufs], layout.stream_len + sum(layout.buffer_lens))
    return digest == (key or path.name)


def load(path: str | os.PathLike[str], verify: bool | None = None) -> Any:
    """Load the object in a blob file, zero-copy for out-of-band buffers.

    The content hash is checked first (BlobCorruptError on mismatch) with `verify=True`, or
    with `verify=None` when this process has not hashed the file yet (and it is within
    `verify_limit()`, when one is set); `verify=False` skips it.
    """
    path = Path(path)
    mm, layout = _open_map(path)
    stream, bufs = _parts(mm, layout)
    seen = None
    if verify is None:
        seen = _identity(path)
        limit = verify_limit()
        verify = (limit is None or layout.total <= limit) and seen not in _verified
    if verify:
        digest = _hash([stream, *bufs], layout.stream_len + sum(layout.buffer_lens))
        if digest != path.name:
            raise BlobCorruptError(f"blob file {path} is corrupt: content hash mismatch")
        if seen is not None:
            if len(_verified) >= 100_000:
                _verified.clear()
            _verified.add(seen)
    try:
        value = pickle.loads(stream, buffers=bufs)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise SerializationError(f"blob {path} can't be unpickled: {reason}") from exc
    mapped.remember(path.name, mm, layout.header_len, layout.stream_len,
                    layout.buffer_offsets, layout.buffer_lens)
    return value
