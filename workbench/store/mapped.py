"""Which values are still the untouched memory map of the blob they were loaded from.

A blob's large buffers load zero-copy from a copy-on-write map of its file. A step that reads
a 48 MB frame and does not change it hands the same memory back to be persisted; hashing it
again to find out that its key has not changed would cost as much as writing it. Instead:

- :func:`remember` notes, for each map a load made, where its first buffer starts;
- :func:`known_key` takes a value's freshly pickled stream and buffers and answers the blob's
  key when the stream is byte-equal to the blob's, every buffer is the blob's own buffer at
  the same address, and no page of them was written since the map was made.

"Not written" is read from ``/proc/self/pagemap``: a page of a private file map that was
written becomes an anonymous page (bit 61 clear, or swapped: bit 62). That holds in a forked
child too, for pages either process wrote before the fork. The kernel's answer is probed once
per process on a map of its own (a read page must read as a file page, a written one as
anonymous); where the probe fails (no pagemap, another kernel, another OS) nothing is known
and every value is hashed as before.
"""
from __future__ import annotations

import ctypes
import mmap
import os
import sys
import tempfile
import weakref
from typing import Sequence

_PAGE = mmap.PAGESIZE
_PRESENT, _SWAPPED, _FILE = 1 << 63, 1 << 62, 1 << 61
_MAX_LIVE = 4096

# address of a map's first buffer -> (key, the map (weakly), buffer offsets, lens, stream
# offset and length, the map's base address)
_live: dict[int, tuple[str, weakref.ref, tuple[int, ...], tuple[int, ...], int, int, int]] = {}
_pagemap: dict[int, int | None] = {}  # pid -> fd of /proc/self/pagemap (None: unusable)


def address(view: memoryview) -> int | None:
    """Start address of a buffer's memory, or None when it cannot be told."""
    try:
        anchor = ctypes.c_char.from_buffer(view)  # writable buffers
    except (TypeError, ValueError):
        numpy = sys.modules.get("numpy")  # read-only ones, when numpy is loaded anyway
        if numpy is None:
            return None
        try:
            return int(numpy.frombuffer(view, dtype=numpy.uint8).ctypes.data)
        except Exception:  # noqa: BLE001 - an exotic buffer: not known
            return None
    try:
        return ctypes.addressof(anchor)
    finally:
        del anchor


def remember(key: str, mm: mmap.mmap, stream_at: int, stream_len: int,
             offsets: Sequence[int], lens: Sequence[int]) -> None:
    """Note a map made by a load: key, where its stream and buffers lie in it."""
    if not offsets or _pagemap_fd() is None:
        return
    try:
        anchor = ctypes.c_char.from_buffer(mm)
    except (TypeError, ValueError):
        return
    base = ctypes.addressof(anchor)
    del anchor
    if len(_live) >= _MAX_LIVE:
        for addr in [a for a, entry in _live.items() if entry[1]() is None]:
            del _live[addr]
        if len(_live) >= _MAX_LIVE:
            _live.clear()
    _live[base + offsets[0]] = (key, weakref.ref(mm), tuple(offsets), tuple(lens),
                                stream_at, stream_len, base)


def known_key(stream: bytes, views: Sequence[memoryview]) -> str | None:
    """The key of the blob whose untouched map these buffers are, with this stream; else None."""
    if not views or not _live:
        return None
    first = address(views[0])
    entry = _live.get(first) if first is not None else None
    if entry is None:
        return None
    key, ref, offsets, lens, stream_at, stream_len, base = entry
    mm = ref()
    if mm is None or mm.closed:
        _live.pop(first, None)
        return None
    if lens != tuple(v.nbytes for v in views) or stream_len != len(stream):
        return None
    if any(address(v) != base + off for v, off in zip(views, offsets)):
        return None
    if mm[stream_at:stream_at + stream_len] != stream:
        return None
    if not all(untouched(base + off, n) for off, n in zip(offsets, lens)):
        return None
    return key


def untouched(addr: int, nbytes: int) -> bool:
    """True when no page of ``[addr, addr + nbytes)`` of a private file map was written."""
    fd = _pagemap_fd()
    if fd is None:
        return False
    if nbytes <= 0:
        return True
    first, last = addr // _PAGE, (addr + nbytes - 1) // _PAGE
    step = 1 << 16  # pages per read (512 KB of entries)
    for page in range(first, last + 1, step):
        count = min(step, last + 1 - page)
        try:
            data = os.pread(fd, count * 8, page * 8)
        except OSError:
            return False
        if len(data) != count * 8 or _written(data):
            return False
    return True


def _written(data: bytes) -> bool:
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        entries = numpy.frombuffer(data, dtype=numpy.uint64)
        anon = (entries & numpy.uint64(_PRESENT | _FILE)) == numpy.uint64(_PRESENT)
        return bool(anon.any() or (entries & numpy.uint64(_SWAPPED)).any())
    for entry in memoryview(data).cast("Q"):
        if entry & _SWAPPED or (entry & _PRESENT and not entry & _FILE):
            return True
    return False


_kernel_tells: list[bool] = []  # the probe's answer, kept across fork (same kernel)


def _pagemap_fd() -> int | None:
    pid = os.getpid()
    if pid not in _pagemap:
        _pagemap.clear()  # a forked child opens its own (the parent's fd reads the parent)
        if not _kernel_tells:
            fd = _probe()
            _kernel_tells.append(fd is not None)
        elif _kernel_tells[0]:
            try:
                fd = os.open("/proc/self/pagemap", os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                fd = None
        else:
            fd = None
        _pagemap[pid] = fd
    return _pagemap[pid]


def _probe() -> int | None:
    """Open /proc/self/pagemap when it tells written pages of a private map from read ones."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fd = os.open("/proc/self/pagemap", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        with tempfile.TemporaryFile() as f:
            f.write(b"\1" * (2 * _PAGE))
            f.flush()
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
            try:
                anchor = ctypes.c_char.from_buffer(mm)
                base = ctypes.addressof(anchor)
                del anchor
                _ = mm[0], mm[_PAGE]  # both pages read
                mm[_PAGE] = 2  # the second written
                read_page = int.from_bytes(os.pread(fd, 8, base // _PAGE * 8), "little")
                written = int.from_bytes(os.pread(fd, 8, (base // _PAGE + 1) * 8), "little")
            finally:
                mm.close()
        ok = (read_page & _PRESENT and read_page & _FILE and not read_page & _SWAPPED
              and written & _PRESENT and not written & _FILE)
    except (OSError, ValueError, TypeError):
        ok = False
    if not ok:
        os.close(fd)
        return None
    return fd
