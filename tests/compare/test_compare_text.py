"""Strings and bytes: unified diff with true line numbers, bounded on huge input."""

from __future__ import annotations

import time

from workbench.compare import Limits, TextDetail, diff_values
from workbench.compare.text import common_prefix, common_suffix


def test_small_unified_diff():
    d = diff_values("a\nb\nc\n", "a\nB\nc\nd\n")
    assert isinstance(d, TextDetail) and d.mode == "unified"
    assert d.diff == ["@@ -1,3 +1,4 @@", " a", "-b", "+B", " c", "+d"]
    assert (d.lines_before, d.lines_after, d.first_diff_line) == (3, 4, 2)
    assert d.lines()[0] == "str: 6 -> 8 chars, 3 -> 4 lines"


def test_line_numbers_are_absolute_in_a_long_text():
    old = "".join(f"line {i}\n" for i in range(100_000))
    new = old.replace("line 70000\n", "changed\n")
    d = diff_values(old, new)
    assert d.mode == "unified"
    assert d.diff[0] == "@@ -69998,7 +69998,7 @@"
    assert "-line 70000" in d.diff and "+changed" in d.diff
    assert d.first_diff_line == 70001


def test_single_line_no_newline():
    d = diff_values("hello", "help")
    assert d.diff == ["@@ -1 +1 @@", "-hello", "+help"]


def test_huge_strings_are_bounded_in_time_and_output():
    old = "x" * 20_000_000
    new = "x" * 10_000_000 + "y" + "x" * 9_999_999
    t = time.perf_counter()
    d = diff_values(old, new)
    elapsed = time.perf_counter() - t
    assert elapsed < 1.0
    assert d.mode == "window" and d.first_diff_offset == 10_000_000
    assert len(d.window_before) <= 2 * Limits().window_chars
    assert sum(len(line) for line in d.lines()) < 2000


def test_many_differing_lines_cut_to_max_lines():
    old = "".join(f"{i}\n" for i in range(3000))
    new = "".join(f"{i}x\n" for i in range(3000))
    d = diff_values(old, new, max_lines=50)
    assert d.mode == "unified" and d.truncated and len(d.diff) == 50
    assert d.lines()[-1] == "… (diff cut)"


def test_too_many_differing_lines_switch_to_window():
    old = "".join(f"{i}\n" for i in range(20_000))
    new = "".join(f"{i}x\n" for i in range(20_000))
    d = diff_values(old, new)
    assert d.mode == "window" and d.first_diff_offset == 1
    assert d.window_before.startswith("0\\n1\\n")  # newlines are escaped, not kept raw
    assert "\n" not in d.window_before


def test_long_diff_lines_are_cut_and_control_chars_escaped():
    d = diff_values("a" * 5000 + "\x1b[31m", "b")
    assert all(len(line) <= Limits().max_line_chars for line in d.diff)
    d = diff_values("x\x1b[2J", "y")
    assert "\x1b" not in "".join(d.lines()) and "\\x1b" in d.diff[1]


def test_bytes_offsets_are_byte_offsets_and_render_utf8():
    old = "héllo\nwörld\n".encode()
    new = "héllo\nwörld!\n".encode()
    d = diff_values(old, new)
    assert d.type_name == "bytes" and d.len_before == len(old)
    assert d.first_diff_offset == old.index(b"\n", 7)
    assert "-wörld" in d.diff and "+wörld!" in d.diff
    d = diff_values(b"\xff\x00", b"\xfe")
    assert d.kind == "text" and "\\xff" in d.diff[1]


def test_prefix_suffix_helpers():
    a, b = "abc" * 100_000, "abc" * 50_000 + "X" + "abc" * 50_000
    p = common_prefix(a, b)
    assert p == 150_000
    assert common_suffix(a, b, min(len(a), len(b)) - p) == 150_000
    assert common_prefix("abc", "abc") == 3 and common_prefix("", "a") == 0
    assert common_suffix("xab", "yab", 3) == 2


def test_equal_strings():
    assert diff_values("same", "same").kind == "equal"
