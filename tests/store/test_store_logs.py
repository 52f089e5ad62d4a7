"""Task logs: the written order of stdout and stderr, and reading lines by offset."""
from __future__ import annotations

from pathlib import Path

from workbench.store.logs import LogLines, OrderRecorder, read_chunks, read_order, segments


def _write(tmp_path: Path, pieces: list[tuple[str, bytes]]) -> dict[str, Path]:
    """Write ``pieces`` as the runtime would: one file per stream, the order recorded."""
    paths = {s: tmp_path / f"7.{s}" for s in ("stdout", "stderr")}
    order = OrderRecorder(tmp_path / "7.order")
    with open(paths["stdout"], "ab") as out, open(paths["stderr"], "ab") as err:
        for stream, data in pieces:
            (out if stream == "stdout" else err).write(data)
            order.add(stream, len(data))
    order.save()
    return paths


def test_interleaved_streams_read_back_in_written_order(tmp_path):
    pieces = [("stdout", b"one\ntwo "), ("stderr", b"warn\n"), ("stdout", b"still two\n"),
              ("stdout", b"three\n"), ("stderr", b"E1\nE2\n"), ("stdout", b"tail")]
    paths = _write(tmp_path, pieces)
    order = read_order(tmp_path / "7.order")
    assert order == [8, -5, 16, -6, 4]  # consecutive stdout pieces coalesced
    assert b"".join(d for _, d in read_chunks(paths, order)) == b"".join(d for _, d in pieces)
    assert [s for s, _ in read_chunks(paths, order)] == [
        "stdout", "stderr", "stdout", "stderr", "stdout"]
    lines = LogLines(paths, order)
    # a line cut by the other stream's write shows as two lines, as a terminal shows it
    assert list(lines) == [("stdout", "one"), ("stdout", "two "), ("stderr", "warn"),
                           ("stdout", "still two"), ("stdout", "three"), ("stderr", "E1"),
                           ("stderr", "E2"), ("stdout", "tail")]
    assert len(lines) == 8 and lines.longest == len("still two")
    lines.close()


def test_no_order_file_when_stdout_came_first(tmp_path):
    paths = _write(tmp_path, [("stdout", b"a\nb\n"), ("stderr", b"Traceback\n")])
    assert not (tmp_path / "7.order").exists()
    assert list(LogLines(paths, None)) == [("stdout", "a"), ("stdout", "b"),
                                           ("stderr", "Traceback")]
    (tmp_path / "x").mkdir()
    only_err = _write(tmp_path / "x", [("stderr", b"e\n")])
    assert not (tmp_path / "x" / "7.order").exists()
    assert list(LogLines(only_err, None)) == [("stderr", "e")]


def test_a_retry_appends_to_the_order_of_earlier_attempts(tmp_path):
    paths = _write(tmp_path, [("stderr", b"first try\n"), ("stdout", b"out\n")])
    again = OrderRecorder(tmp_path / "7.order", paths["stdout"].stat().st_size,
                          paths["stderr"].stat().st_size)
    with open(paths["stdout"], "ab") as out, open(paths["stderr"], "ab") as err:
        err.write(b"second\n")
        again.add("stderr", 7)
        out.write(b"done\n")
        again.add("stdout", 5)
    again.save()
    assert [t for _, t in LogLines(paths, read_order(tmp_path / "7.order"))] == [
        "first try", "out", "second", "done"]


def test_segments_clip_to_what_is_on_disk(tmp_path):
    paths = _write(tmp_path, [("stderr", b"e\n"), ("stdout", b"o\n")])
    paths["stdout"].write_bytes(b"o")  # cut short (a crash mid-write)
    assert segments(paths, read_order(tmp_path / "7.order")) == [("stderr", 0, 2),
                                                                ("stdout", 0, 1)]
    assert list(LogLines(paths, None)) == [("stdout", "o"), ("stderr", "e")]
    assert list(LogLines({"stdout": tmp_path / "none"}, None)) == []


def test_a_big_log_is_read_only_where_asked(tmp_path):
    paths = {"stdout": tmp_path / "1.stdout", "stderr": tmp_path / "1.stderr"}
    line = "x" * 60 + " ünïcode\r\n"
    with open(paths["stdout"], "w", encoding="utf-8", newline="") as fh:
        for i in range(300_000):  # ~21 MB
            fh.write(f"{i:07d} {line}")
        fh.write("50% \r75% \r100% done")  # a progress bar: the terminal shows the last state
    paths["stderr"].write_bytes(b"")
    lines = LogLines(paths, None)
    assert len(lines) == 300_001
    assert lines.line(123_456) == ("stdout", f"0123456 {line[:-2]}")
    assert lines.line(300_000) == ("stdout", "100% done")
    assert len(lines._cache) == 2  # only the lines asked for were read
    for i in range(10_000):
        lines.line(i)
    assert len(lines._cache) == LogLines.CACHE
    lines.close()
