"""Rich rendering of artifact diffs (``diff``, ``compare``, ``spin``).

A table (name, change, type, before, after), then the detail lines of each changed artifact.
Every user-controlled string goes through ``safe()`` into a ``Text``: never read as markup.
"""
from __future__ import annotations

from typing import Sequence

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..compare import ArtifactDiff, summarize_changes
from .console import safe

CHANGE_STYLE = {"added": "green", "removed": "red", "changed": "yellow", "unchanged": "dim"}
SUMMARY_CHARS = 80
DETAIL_INDENT = "    "


def _t(value: object, style: str = "") -> Text:
    return Text(safe("" if value is None else value), style=style)


def _cut(text: str | None, limit: int = SUMMARY_CHARS) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change_text(change: str) -> Text:
    """The change kind, coloured (added green, removed red, changed yellow, unchanged dim)."""
    return Text(change, style=CHANGE_STYLE.get(change, ""))


def type_text(diff: ArtifactDiff) -> Text:
    """``int``, or ``int -> float`` when the type changed."""
    before, after = diff.type_before, diff.type_after
    if before and after and before != after:
        return Text.assemble(_t(before, "cyan"), (" -> ", "dim"), _t(after, "cyan"))
    return _t(after or before, "cyan")


def counts_text(diffs: Sequence[ArtifactDiff]) -> Text:
    """``2 changed, 1 added, 5 unchanged`` (zero counts left out), coloured per kind."""
    counts = summarize_changes(diffs)
    parts: list[Text] = []
    for kind in ("changed", "added", "removed", "unchanged"):
        if counts.get(kind):
            parts.append(Text(f"{counts[kind]} {kind}", style=CHANGE_STYLE[kind]))
    return Text(", ").join(parts) if parts else Text("no artifacts", style="dim")


def diff_table(diffs: Sequence[ArtifactDiff], *, show_unchanged: bool = False) -> Table:
    """One row per artifact: name, change, type, summary before, summary after."""
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    table.add_column("name", no_wrap=True)
    table.add_column("change", no_wrap=True)
    table.add_column("type")
    table.add_column("before", overflow="fold")
    table.add_column("after", overflow="fold")
    for d in diffs:
        if d.change == "unchanged" and not show_unchanged:
            continue
        dim = "dim" if d.change == "unchanged" else ""
        before = "" if d.change in ("added", "unchanged") else _cut(d.summary_before)
        after = "" if d.change == "removed" else _cut(d.summary_after)
        table.add_row(_t(d.name, "bold" if not dim else dim), change_text(d.change),
                      type_text(d), _t(before, dim), _t(after, dim))
    return table


def _line_style(line: str, kind: str) -> str:
    body = line.lstrip()
    if kind == "text":  # a unified diff
        if body.startswith("@@"):
            return "cyan"
        if line.startswith("+"):
            return "green"
        if line.startswith("-"):
            return "red"
        return ""
    if body.startswith("+ "):
        return "green"
    if body.startswith("- "):
        return "red"
    return ""


def detail_lines(diff: ArtifactDiff, indent: str = DETAIL_INDENT) -> list[Text]:
    """The detail of one changed artifact, indented, as Text lines."""
    if diff.detail is None:
        return []
    kind = getattr(diff.detail, "kind", "")
    try:
        lines = diff.detail.lines()
    except Exception as exc:  # a detail must never take the command down
        lines = [f"(detail unavailable: {type(exc).__name__})"]
    out = []
    for line in lines:  # aligned columns: cut at the console's edge rather than wrapped
        text = Text(indent, no_wrap=True, overflow="ellipsis")
        text.append_text(_t(line, _line_style(line, kind)))
        out.append(text)
    return out


def diff_renderables(diffs: Sequence[ArtifactDiff], *, show_unchanged: bool = False
                     ) -> list[RenderableType]:
    """The table, then per changed artifact its name and detail lines."""
    shown = [d for d in diffs if show_unchanged or d.change != "unchanged"]
    if not diffs:
        return [Text("no artifacts", style="dim")]
    if not shown:
        return [Text(f"no artifact changed ({len(diffs)} unchanged)", style="dim")]
    out: list[RenderableType] = [diff_table(diffs, show_unchanged=show_unchanged)]
    for d in diffs:
        if d.change == "changed" and d.detail is not None:
            out.append(Text.assemble(("~ ", "yellow"), _t(d.name, "bold yellow")))
            out.extend(detail_lines(d))
    return out


def render_diff(console: Console, diffs: Sequence[ArtifactDiff], *,
                show_unchanged: bool = False) -> None:
    """Print `diffs` on `console`: a table of artifacts, then details of the changed ones.

    Unchanged artifacts are hidden unless `show_unchanged`; when every artifact is
    unchanged a single dim line says so.
    """
    console.print(Group(*diff_renderables(diffs, show_unchanged=show_unchanged)))

