"""A task's log on disk, and reading it line by line in the order it was written.

Each stream has its own file, ``logs/<task>.stdout`` and ``logs/<task>.stderr`` (so
``workbench logs --stderr`` is a plain read). When a task wrote to both and not all of its
stdout came first, ``logs/<task>.order`` records how the bytes arrived: signed int64 counts,
``+n`` for n bytes of stdout and ``-n`` for n bytes of stderr, consecutive runs of one stream
coalesced. Arrival is the order the runtime read the two pipes in: exact for writes apart by
more than one turn of its loop; writes within one turn keep their order per stream.

``LogLines`` indexes line offsets (numpy over chunks of the files) and reads only the lines
asked for, so a 64 MB log costs what is on screen (toolong's model).
"""
from __future__ import annotations

import os
import weakref
from array import array
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    import numpy as np

STREAMS = ("stdout", "stderr")
ORDER_SUFFIX = "order"
_SCAN_CHUNK = 8 << 20  # bytes scanned for newlines at a time (bounds the scan's memory)


def read_order(path: Path) -> list[int] | None:
    """The signed byte runs of an ``.order`` file, or None when there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    runs = array("q")
    runs.frombytes(data[: len(data) // 8 * 8])
    return runs.tolist()


class OrderRecorder:
    """Counts a task's log bytes as they are written, in arrival order, and keeps the
    ``.order`` file when the order is not simply all stdout, then all stderr. A retried
    task appends to what its earlier attempts recorded."""

    def __init__(self, path: Path, stdout_size: int = 0, stderr_size: int = 0,
                 resumed: bool = True) -> None:
        self.path = path
        runs = read_order(path) if resumed else None  # a first attempt has none to read
        if runs is None:
            runs = [n for n in (stdout_size, -stderr_size) if n]
        self.runs: list[int] = runs

    def add(self, stream: str, nbytes: int) -> None:
        """``nbytes`` more bytes were written to ``stream``'s file."""
        if nbytes <= 0:
            return
        signed = nbytes if stream == "stdout" else -nbytes
        if self.runs and (self.runs[-1] > 0) == (signed > 0):
            self.runs[-1] += signed
        else:
            self.runs.append(signed)

    @property
    def needed(self) -> bool:
        """False when reading stdout whole, then stderr whole, gives the written order."""
        return len(self.runs) > 2 or (len(self.runs) == 2 and self.runs[0] < 0)

    def save(self) -> None:
        """Write the ``.order`` file (atomically) when it is needed."""
        if not self.needed:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_bytes(array("q", self.runs).tobytes())
        os.replace(tmp, self.path)


def segments(paths: dict[str, Path], order: list[int] | None
             ) -> list[tuple[str, int, int]]:
    """``(stream, start, end)`` byte ranges of the stream files in written order; without
    an order, stdout then stderr. Ranges past a file's end (a file cut short) are clipped."""
    sizes = {}
    for stream, path in paths.items():
        try:
            sizes[stream] = path.stat().st_size
        except FileNotFoundError:
            sizes[stream] = 0
    out: list[tuple[str, int, int]] = []
    at = dict.fromkeys(STREAMS, 0)
    for signed in order or ():
        stream = "stdout" if signed > 0 else "stderr"
        start = at[stream]
        end = min(sizes.get(stream, 0), start + abs(signed))
        if end > start:
            out.append((stream, start, end))
        at[stream] = start + abs(signed)
    for stream in STREAMS:  # whatever the order does not cover (no order; a partial one)
        if sizes.get(stream, 0) > at[stream]:
            out.append((stream, at[stream], sizes[stream]))
    return out


def _newlines(fd: int | None, start: int, end: int) -> "np.ndarray":
    """Offsets of b"\\n" in bytes ``start:end`` of the file ``fd``, read in chunks (no map:
    a scanned log does not stay in the process's memory)."""
    import numpy as np  # imported when a log is first read, not with the store
    if fd is None or end <= start:
        return np.empty(0, dtype=np.int64)
    found = []
    buf = bytearray(min(_SCAN_CHUNK, end - start))
    for lo in range(start, end, _SCAN_CHUNK):
        view = memoryview(buf)[:min(end, lo + _SCAN_CHUNK) - lo]
        got = os.preadv(fd, [view], lo)
        chunk = np.frombuffer(view[:got], dtype=np.uint8)
        found.append(np.flatnonzero(chunk == 10).astype(np.int64) + lo)
        del chunk
        view.release()
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _close_all(fds: list[int | None]) -> None:
    for fd in fds:
        if fd is not None:
            try:
                os.close(fd)
            except OSError:  # closed already
                pass


class LogLines:
    """The lines of a task's log (both streams, in written order) by offset: building the
    index reads the files once with numpy; ``line(i)`` reads that one line from the file,
    decoded and cached (a bounded cache of recent lines)."""

    CACHE = 4096

    def __init__(self, paths: dict[str, Path], order: list[int] | None = None) -> None:
        import numpy as np
        self._fds: dict[str, int | None] = dict.fromkeys(STREAMS)
        for stream in STREAMS:
            path = paths.get(stream)
            if path is None:
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            if os.fstat(fd).st_size:
                self._fds[stream] = fd
            else:
                os.close(fd)
        starts, ends, kinds = [], [], []
        segs = segments(paths, order)
        for stream, a, b in segs:
            nl = _newlines(self._fds[stream], a, b)
            line_starts = np.concatenate(([a], nl + 1))
            line_ends = np.concatenate((nl, [b]))
            if line_starts[-1] >= b:  # the range ends with a newline: no empty last line
                line_starts, line_ends = line_starts[:-1], line_ends[:-1]
            starts.append(line_starts)
            ends.append(line_ends)
            kinds.append(np.full(len(line_starts), STREAMS.index(stream), dtype=np.uint8))
        offsets = np.uint32 if all(b < 2**32 for _, _, b in segs) else np.int64
        self._starts = np.concatenate(starts).astype(offsets) if starts else np.empty(0, offsets)
        self._ends = np.concatenate(ends).astype(offsets) if ends else np.empty(0, offsets)
        self._kinds = np.concatenate(kinds) if kinds else np.empty(0, dtype=np.uint8)
        self._cache: OrderedDict[int, tuple[str, str]] = OrderedDict()
        self._finalizer = weakref.finalize(self, _close_all, list(self._fds.values()))

    def __len__(self) -> int:
        return len(self._starts)

    @property
    def longest(self) -> int:
        """The longest line's length in bytes (an upper bound on its width in cells)."""
        return int((self._ends - self._starts).max()) if len(self._starts) else 0

    def line(self, index: int) -> tuple[str, str]:
        """``(stream, text)`` of line ``index``, without its line end."""
        hit = self._cache.get(index)
        if hit is not None:
            self._cache.move_to_end(index)
            return hit
        stream = STREAMS[int(self._kinds[index])]
        fd = self._fds[stream]
        start, end = int(self._starts[index]), int(self._ends[index])
        raw = os.pread(fd, end - start, start) if fd is not None else b""
        text = raw.decode("utf-8", errors="replace").rstrip("\r")
        entry = (stream, text.rsplit("\r", 1)[-1])  # a progress bar: what a terminal shows
        self._cache[index] = entry
        if len(self._cache) > self.CACHE:
            self._cache.popitem(last=False)
        return entry

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return (self.line(i) for i in range(len(self)))

    def close(self) -> None:
        self._finalizer()  # closes the files once, here or when the object goes
        self._fds = dict.fromkeys(STREAMS)


def read_chunks(paths: dict[str, Path], order: list[int] | None
                ) -> Iterator[tuple[str, bytes]]:
    """Both streams' bytes in written order, as ``(stream, bytes)`` pieces."""
    files = {}
    try:
        for stream, start, end in segments(paths, order):
            fh = files.get(stream)
            if fh is None:
                fh = files[stream] = open(paths[stream], "rb")  # noqa: SIM115
            fh.seek(start)
            left = end - start
            while left > 0:
                data = fh.read(min(left, 1 << 20))
                if not data:
                    break
                left -= len(data)
                yield stream, data
    finally:
        for fh in files.values():
            fh.close()


__all__ = ["ORDER_SUFFIX", "LogLines", "OrderRecorder", "STREAMS", "read_chunks",
           "read_order", "segments"]
