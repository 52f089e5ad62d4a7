"""Column widths for a table that must fit its pane without cutting a value wrong.

Each column says how important it is and whether its text may be cut. To fit, cuttable
columns shrink (least important first, down to their minimum), then the least important
columns drop; a cut ends in ``…`` and never splits a number (``DataFrame 3000000x5`` becomes
``DataFrame …``, never ``DataFrame 30000``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from rich.cells import cell_len

PADDING = 2  # a DataTable cell's padding, both sides


@dataclass(frozen=True)
class Column:
    """``rank``: 0 is never dropped; higher ranks shrink and drop first. ``cut``: the text
    may end in ``…`` (names, summaries); a column that may not (numbers, times) keeps its
    width or goes. ``min``: the narrowest a cut leaves it."""

    key: str
    label: str
    rank: int
    cut: bool = False
    min: int = 6
    right: bool = False  # numbers are right-aligned
    cutter: Callable[[str, int], str] | None = None  # how to cut this column (default ``cut``)


def fit(columns: list[Column], natural: dict[str, int], width: int) -> dict[str, int]:
    """Widths of the columns kept (in ``columns`` order) so that they fit ``width`` cells."""
    widths = {c.key: max(natural.get(c.key, 0), cell_len(c.label), 1) for c in columns}

    def total() -> int:
        return sum(w + PADDING for w in widths.values())

    by_rank = sorted(columns, key=lambda c: -c.rank)
    while total() > width:
        over = total() - width
        shrinkable = [c for c in by_rank if c.key in widths and c.cut and widths[c.key] > c.min]
        if shrinkable:
            c = shrinkable[0]
            widths[c.key] = max(c.min, widths[c.key] - over)
            continue
        droppable = [c for c in by_rank if c.key in widths and c.rank > 0]
        if not droppable:
            break
        del widths[droppable[0].key]
    return {c.key: widths[c.key] for c in columns if c.key in widths}


_NUMBERISH = re.compile(r"[\w.,+-]*\d[\w.,+-]*$")


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: whole, or cut with ``…`` at its end, backing off
    to the start of a number rather than showing part of it."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = text[:width - 1]
    while cell_len(head) > width - 1:
        head = head[:-1]
    rest = text[len(head):]
    if rest and (rest[0].isdigit() or rest[0] in ".,x") and _NUMBERISH.search(head):
        # the cut falls inside a token with digits: drop the whole token
        head = head[:_NUMBERISH.search(head).start()]  # type: ignore[union-attr]
    return head + "…"


def cut_pairs(text: str, width: int) -> str:
    """``name=value name=value`` in ``width`` cells: names shorten first (``n_cu…=5000``),
    values stay whole; pairs that still do not fit are left off after a ``…``."""
    if cell_len(text) <= width:
        return text
    pairs = [token.partition("=") for token in text.split(" ")]
    if not all(sep for _, sep, _ in pairs):
        return cut(text, width)
    longest = max(len(name) for name, _, _ in pairs)
    for keep in range(longest - 1, 1, -1):
        short = " ".join(f"{n if len(n) <= keep else n[:keep - 1] + '…'}={v}"
                         for n, _, v in pairs)
        if cell_len(short) <= width:
            return short
    out = ""
    for n, _, v in pairs:
        piece = f"{n[:1]}…={v}"
        if cell_len(out + piece + " …") > width:
            return (out + "…") if out else cut(text, width)
        out += piece + " "
    return out.rstrip()
