"""Text and bytes diff, bounded: the common prefix and suffix are skipped with C-speed
slice comparisons (never a Python loop per character), difflib runs only on the
differing middle when it is small, else a window around the first difference."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, ClassVar

from workbench.compare.common import cut, type_name
from workbench.compare.detail import Detail, EqualDetail
from workbench.compare.limits import Limits

CONTEXT = 3
_CONTROL = {c: f"\\x{c:02x}" for c in range(32) if c != 9}
_CONTROL.update({10: "\\n", 13: "\\r", 127: "\\x7f"})


@dataclass
class TextDetail(Detail):
    """Two strings (or bytes): sizes, and a unified diff or a window around the first change."""

    kind: ClassVar[str] = "text"
    type_name: str
    len_before: int
    len_after: int
    lines_before: int
    lines_after: int
    mode: str  # "unified" | "window"
    first_diff_offset: int
    first_diff_line: int  # 1-based
    diff: list[str] = field(default_factory=list)
    truncated: bool = False
    window_before: str | None = None
    window_after: str | None = None

    def lines(self) -> list[str]:
        unit = "bytes" if self.type_name in ("bytes", "bytearray") else "chars"
        out = [
            f"{self.type_name}: {self.len_before:,} -> {self.len_after:,} {unit}, "
            f"{self.lines_before:,} -> {self.lines_after:,} lines"
        ]
        if self.mode == "unified":
            out += self.diff
            if self.truncated:
                out.append("… (diff cut)")
        else:
            out.append(f"first difference at offset {self.first_diff_offset:,} (line {self.first_diff_line:,})")
            out.append(f"- {self.window_before}")
            out.append(f"+ {self.window_after}")
        return out


def common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by slice comparisons in growing chunks plus bisection."""
    n = min(len(a), len(b))
    lo, step = 0, 1024
    while lo < n:
        hi = min(n, lo + step)
        if a[lo:hi] != b[lo:hi]:
            while hi - lo > 1:  # a[:lo] == b[:lo] and a[lo:hi] != b[lo:hi]
                mid = (lo + hi) // 2
                if a[lo:mid] == b[lo:mid]:
                    lo = mid
                else:
                    hi = mid
            return lo
        lo = hi
        step = min(step * 2, 1 << 20)
    return n


def common_suffix(a: str, b: str, bound: int) -> int:
    """Length of the common suffix, at most `bound`."""
    la, lb = len(a), len(b)
    lo, step = 0, 1024
    while lo < bound:
        hi = min(bound, lo + step)
        if a[la - hi : la - lo] != b[lb - hi : lb - lo]:
            while hi - lo > 1:  # last lo chars equal, last hi not
                mid = (lo + hi) // 2
                if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
                    lo = mid
                else:
                    hi = mid
            return lo
        lo = hi
        step = min(step * 2, 1 << 20)
    return bound


def _line_count(s: str) -> int:
    if not s:
        return 0
    return s.count("\n") + (0 if s.endswith("\n") else 1)


def _split(s: str) -> list[str]:
    parts = s.split("\n")
    if s.endswith("\n"):
        parts.pop()
    return parts


def _range(start: int, stop: int) -> str:
    """difflib's unified range format."""
    beginning, length = start + 1, stop - start
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def _unified(a_lines: list[str], b_lines: list[str], a0: int, b0: int) -> list[str]:
    out: list[str] = []
    sm = difflib.SequenceMatcher(None, a_lines, b_lines)
    for group in sm.get_grouped_opcodes(CONTEXT):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1] + a0, last[2] + a0)} +{_range(first[3] + b0, last[4] + b0)} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in a_lines[i1:i2])
                continue
            if tag in ("replace", "delete"):
                out.extend("-" + line for line in a_lines[i1:i2])
            if tag in ("replace", "insert"):
                out.extend("+" + line for line in b_lines[j1:j2])
    return out


def diff_text(old: Any, new: Any, limits: Limits) -> Detail:
    """Diff two str (or two bytes-like) values within `limits`."""
    is_bytes = isinstance(old, (bytes, bytearray))
    tname = type_name(old)
    if is_bytes:  # latin-1 maps bytes 1:1 to chars, so offsets stay byte offsets
        a, b = bytes(old).decode("latin-1"), bytes(new).decode("latin-1")
    else:
        a, b = str(old), str(new)
    if a == b:
        return EqualDetail(tname)

    def shown(line: str) -> str:
        if is_bytes:
            line = line.encode("latin-1").decode("utf-8", "backslashreplace")
        return cut(line, limits.max_line_chars * 2).translate(_CONTROL)[: limits.max_line_chars]

    la, lb = len(a), len(b)
    p = common_prefix(a, b)
    s = common_suffix(a, b, min(la, lb) - p)
    tail = s  # unchanged characters after the differing span, equal in both
    start = a.rfind("\n", 0, p) + 1
    # widen to whole lines, then CONTEXT lines each side; the suffix is common, so a
    # distance measured from the end is the same in both strings
    for _ in range(CONTEXT):
        if start > 0:
            start = a.rfind("\n", 0, start - 1) + 1
    end_a = la - tail
    for _ in range(CONTEXT + 1):
        if end_a < la:
            nl = a.find("\n", end_a)
            end_a = la if nl < 0 else nl + 1
    end_b = end_a + (lb - la)
    line0 = a.count("\n", 0, start)
    first_line = a.count("\n", 0, p) + 1
    common = dict(
        len_before=la,
        len_after=lb,
        lines_before=_line_count(a),
        lines_after=_line_count(b),
        first_diff_offset=p,
        first_diff_line=first_line,
    )
    a_mid, b_mid = a[start:end_a], b[start:end_b]
    small = (
        len(a_mid) + len(b_mid) <= limits.text_diff_max_chars
        and a_mid.count("\n") <= limits.text_diff_max_lines
        and b_mid.count("\n") <= limits.text_diff_max_lines
    )
    if small:
        diff = _unified(_split(a_mid), _split(b_mid), line0, line0)
        truncated = len(diff) > limits.max_lines
        return TextDetail(
            tname,
            mode="unified",
            diff=[shown(line) for line in diff[: limits.max_lines]],
            truncated=truncated,
            **common,
        )
    w = limits.window_chars
    lo = max(0, p - w)
    return TextDetail(
        tname,
        mode="window",
        window_before=shown(a[lo : p + w]),
        window_after=shown(b[lo : p + w]),
        **common,
    )
