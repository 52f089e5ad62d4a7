"""The Diff tab: one row per artifact with its change; a row expands to the typed detail;
``n``/``N`` jump to the next/previous change."""
from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...display import safe
from ...compare import ArtifactDiff, summarize_changes
from ...queries import TaskDiff
from ..keys import bindings, widget_key

SIGN = {"changed": "~", "added": "+", "removed": "-", "unchanged": "="}
ORDER = {"changed": 0, "added": 1, "removed": 2, "unchanged": 3}


def _style(change: str) -> str:
    return {"changed": "bold yellow", "added": "bold green", "removed": "bold red",
            "unchanged": "dim"}.get(change, "")


def diff_label(diff: ArtifactDiff, name_width: int = 12) -> Text:
    """``~ accuracy   float   0.695 -> 0.712`` with the sign coloured by change."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{SIGN.get(diff.change, '?')} ", _style(diff.change))
    text.append(safe(diff.name).ljust(name_width), "bold" if diff.change != "unchanged" else "dim")
    type_name = diff.type_after or diff.type_before or ""
    if diff.type_before and diff.type_after and diff.type_before != diff.type_after:
        type_name = f"{diff.type_before} → {diff.type_after}"
    text.append(f"  {safe(type_name)}", "dim")
    if diff.change == "changed" and diff.detail is not None:
        text.append(f"  {safe(diff.detail.headline())}")
    elif diff.change == "added":
        text.append(f"  {safe(diff.summary_after or '')}")
    elif diff.change == "removed":
        text.append(f"  {safe(diff.summary_before or '')}", "dim")
    return text


class DiffView(Tree[Any]):
    """The spin diff of the selected spin/resume run: changes first, then unchanged."""

    BINDINGS = bindings([widget_key("diff.expand")])

    DEFAULT_CSS = """
    DiffView { background: $surface; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("Diff", id=id, classes=classes)
        self.show_root = True
        self.guide_depth = 3
        self.auto_expand = False
        self.change_nodes: list[TreeNode] = []
        self.diffs: list[TaskDiff] = []

    def show_message(self, message: str) -> None:
        self.diffs = []
        self.change_nodes = []
        self.clear()
        self.root.set_label(Text(message, style="dim italic"))
        self.root.expand()

    def show_spin(self, diffs: list[TaskDiff], title: str) -> None:
        """Fill the tree with the diffs of a spin (one group per spun split)."""
        self.diffs = diffs
        self.change_nodes = []
        self.clear()
        all_diffs = [d for sd in diffs for d in sd.diffs]
        counts = summarize_changes(all_diffs)
        head = Text(safe(title), style="bold")
        parts = [f"{counts[k]} {k}" for k in ("changed", "added", "removed", "unchanged")
                 if counts.get(k)]
        if parts:
            head.append("   " + ", ".join(parts), style="")
        self.root.set_label(head)
        for sd in diffs:
            parent = self.root
            if len(diffs) > 1:
                parent = self.root.add(Text(safe(sd.header), "bold"), expand=True)
            if sd.error:
                parent.add_leaf(Text(f"! {safe(sd.error)}", style="bold red"))
                continue
            if sd.task.status != "succeeded":
                first = (sd.task.exception or "").splitlines()[:1]
                parent.add_leaf(Text(safe(f"✘ {sd.task.pathspec} {sd.task.status}: "
                                          f"{first[0] if first else ''}"), style="bold red"))
            width = max([len(d.name) for d in sd.diffs] + [8])
            for diff in sorted(sd.diffs, key=lambda d: (ORDER.get(d.change, 9), d.name)):
                label = diff_label(diff, min(width, 24))
                lines = detail_lines(diff)
                if lines:
                    node = parent.add(label, data=diff, expand=False)
                    for line in lines[:400]:
                        node.add_leaf(_detail_line(line.strip("\n")))
                    if len(lines) > 400:
                        node.add_leaf(Text(f"… {len(lines) - 400} more lines", "dim"))
                else:
                    node = parent.add_leaf(label, data=diff)
                if diff.change != "unchanged":
                    self.change_nodes.append(node)
        self.root.expand()
        if self.change_nodes:
            if self.change_nodes[0].allow_expand:
                self.change_nodes[0].expand()
            self.goto(self.change_nodes[0])

    def goto(self, node: TreeNode) -> None:
        """Put the cursor on ``node`` (line numbers are rebuilt first if stale)."""
        getattr(self, "_tree_lines", None)  # Tree numbers its lines lazily
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)

    def action_next_change(self, step: int) -> None:
        if not self.change_nodes:
            self.app.bell()
            return
        current = self.cursor_node
        try:
            i = self.change_nodes.index(current)  # type: ignore[arg-type]
            i = (i + step) % len(self.change_nodes)
        except ValueError:
            line = self.cursor_line
            after = [n for n in self.change_nodes if n.line > line] if step > 0 else \
                [n for n in self.change_nodes if 0 <= n.line < line]
            target = (after[0] if step > 0 else after[-1]) if after else \
                self.change_nodes[0 if step > 0 else -1]
            i = self.change_nodes.index(target)
        node = self.change_nodes[i]
        if node.allow_expand:
            node.expand()
        self.goto(node)


def detail_lines(diff: ArtifactDiff) -> list[str]:
    """The detail below its headline (the headline is already on the row)."""
    if diff.detail is None:
        return []
    return diff.detail.lines()[1:]


def _detail_line(line: str) -> Text:
    stripped = line.lstrip()
    style = ""
    if stripped.startswith("+") and not stripped.startswith("+++"):
        style = "green"
    elif stripped.startswith("-") and not stripped.startswith("---"):
        style = "red"
    elif stripped.startswith("@@"):
        style = "cyan"
    return Text(safe(line), style=style, no_wrap=True, overflow="ellipsis")
