"""``c``: two runs side by side: parameters, per-step status/duration/code, artifact diffs."""
from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import LoadingIndicator, Static, Tree
from textual.worker import get_current_worker

from ..widgets.footer import SteadyFooter
from ...display import format_seconds, safe, status_label
from ...queries.comparison import compare_runs
from ...queries import run_label
from ..model import LOAD_LOCK, RUN_GLYPH, RUN_STYLE
from ..widgets.diff import _detail_line, detail_lines, diff_label
from ..widgets.message_line import MessageLine


class Compared(Message):
    def __init__(self, comparison: Any = None, error: str | None = None) -> None:
        super().__init__()
        self.comparison = comparison
        self.error = error


def _status(status: str | None, reused: int = 0, tasks: int = 0) -> Text:
    """A side's status; ``↺ reused`` when run --reuse cloned every task of it."""
    if status is None:
        return Text(status_label(None), style="dim")
    if reused and reused == tasks and status == "succeeded":
        return Text(f"{RUN_GLYPH['reused']} reused", style=RUN_STYLE["reused"])
    text = Text(f"{RUN_GLYPH.get(status, '?')} {status}", style=RUN_STYLE.get(status, ""))
    if reused:
        text.append(f" ({reused} reused)", style=RUN_STYLE["reused"])
    return text


def steps_table(comparison: Any) -> Table:
    a, b = comparison.run_a.number, comparison.run_b.number
    table = Table(box=None, padding=(0, 1), header_style="bold", expand=False)
    table.add_column("step", style="bold")
    table.add_column(f"run {a}")
    table.add_column(f"run {b}")
    table.add_column("took", justify="right")
    table.add_column("code")
    table.add_column("artifacts")
    order = [s.step for s in comparison.steps]
    for step in comparison.steps:
        took = f"{format_seconds(step.seconds_a)} → {format_seconds(step.seconds_b)}"
        delta = step.seconds_delta
        if delta is not None:
            took += f" ({'+' if delta >= 0 else ''}{delta:.2f}s)"
        code = Text("changed", style="bold yellow") if step.code_changed else (
            Text("same", style="dim") if step.code_changed is False else Text("?", style="dim"))
        summary = step.summary
        parts = [f"{summary[k]} {k}" for k in ("changed", "added", "removed") if summary.get(k)]
        missing = [n for n, status in ((a, step.status_a), (b, step.status_b)) if status is None]
        carried = step.carried
        if missing:  # a step that did not run on one side is never "no change"
            arts = Text(f"not run in run {missing[0]}", style="magenta")
        else:
            arts = Text()
            arts.append(", ".join(parts) if parts else ("" if carried else "no change"),
                        style="yellow" if parts else "dim")
            if carried:
                origins = sorted(set(carried.values()), key=order.index)
                arts.append(f"{', ' if parts else ''}{len(carried)} carried from "
                            f"{', '.join(origins)}", style="dim")
            if step.only_a or step.only_b:
                arts.append(f" ({step.only_a + step.only_b} split(s) on one side)",
                            style="magenta")
        if step.splits_omitted:
            arts.append(f" (+{step.splits_omitted} splits not diffed)", style="dim")
        table.add_row(safe(step.step), _status(step.status_a, step.reused_a, step.tasks_a),
                      _status(step.status_b, step.reused_b, step.tasks_b), took, code, arts)
    return table


def params_table(comparison: Any) -> Table | Text:
    if not comparison.parameters:
        return Text("parameters: the same", style="dim")
    table = Table(box=None, padding=(0, 1), header_style="bold")
    table.add_column("parameter", style="bold")
    table.add_column(f"run {comparison.run_a.number}")
    table.add_column(f"run {comparison.run_b.number}")
    for p in comparison.parameters:
        table.add_row(safe(p.name), Text(safe(repr(p.before)), style="red"),
                      Text(safe(repr(p.after)), style="green"))
    return table


def changes_tree(comparison: Any) -> Tree[Any]:
    """Each artifact change once, under the step that made it (with the steps that carried
    it forward named); a step or split that ran on one side only says so."""
    tree: Tree[Any] = Tree("Artifact changes", id="compare-tree")
    tree.guide_depth = 3
    tree.show_root = False
    a, b = comparison.run_a.number, comparison.run_b.number
    shown = 0
    for step in comparison.steps:
        missing = [n for n, status in ((a, step.status_a), (b, step.status_b)) if status is None]
        if missing:
            tree.root.add_leaf(Text.assemble((safe(step.step), "bold"),
                                             (f"  not run in run {missing[0]}", "magenta")))
            shown += 1
            continue
        pairs = []
        for pair in step.pairs:
            diffs = [d for d in comparison.listed(pair) if d.change != "unchanged"]
            if diffs or pair.one_sided:
                pairs.append((pair, diffs))
        if not pairs:
            continue
        shown += 1
        node = tree.root.add(Text(safe(step.step), style="bold"), expand=True)
        for pair, diffs in pairs:
            parent = node
            if len(step.pairs) > 1:
                label = Text(f"split {'/'.join(map(str, pair.split))}", style="bold")
                if pair.one_sided:
                    label.append(f"  only in run {b if pair.task_a is None else a}",
                                 style="magenta")
                    node.add_leaf(label)
                    continue
                parent = node.add(label, expand=True)
            for diff in diffs:
                label = diff_label(diff)
                if diff.name in pair.carried:
                    label.append(f"  (from {safe(pair.carried[diff.name])})", style="dim")
                else:
                    through = comparison.flowed_through(step.step, diff.name, pair)
                    if through:
                        label.append(f"  → carried through {safe(', '.join(through))}",
                                     style="dim")
                lines = detail_lines(diff)
                if lines:
                    leaf = parent.add(label, expand=False)
                    for line in lines[:200]:
                        leaf.add_leaf(_detail_line(line))
                else:
                    parent.add_leaf(label)
    if not shown:
        tree.root.add_leaf(Text("no artifact differs", style="dim"))
    return tree


class CompareScreen(Screen[None]):
    """Run A (before) against run B (after)."""

    BINDINGS = [Binding("escape,q", "back", "Back", id="compare.back")]

    def __init__(self, store: Any, flow: str, run_a: int, run_b: int) -> None:
        super().__init__()
        self.store = store
        self.flow = flow
        self.run_a = run_a
        self.run_b = run_b
        self.comparison: Any = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Compare {self.flow}  run {self.run_a} → run {self.run_b}",
                          style="bold"), id="compare-title")
        yield Container(LoadingIndicator(), id="compare-body")
        yield MessageLine()
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.compute()

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def compute(self) -> None:
        try:
            with LOAD_LOCK:
                comparison = compare_runs(self.store, self.flow, self.run_a, self.run_b)
        except Exception as exc:  # noqa: BLE001 - one line on screen
            self.post_message(Compared(error=f"{type(exc).__name__}: {exc}"))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(Compared(comparison))

    def on_compared(self, message: Compared) -> None:
        body = self.query_one("#compare-body")
        body.remove_children()
        if message.error:
            body.mount(Static(Text(f"✘ {safe(message.error)}", style="bold red")))
            return
        comparison = self.comparison = message.comparison
        ra, rb = comparison.run_a, comparison.run_b
        title = Text.assemble(
            (f"Compare {self.flow}  ", "bold"),
            (f"run {ra.number} ", "bold"), (f"({run_label(ra)}, {ra.status})", "dim"),
            ("  →  ", "bold"),
            (f"run {rb.number} ", "bold"), (f"({run_label(rb)}, {rb.status})", "dim"))
        self.query_one("#compare-title", Static).update(title)
        tree = changes_tree(comparison)
        scroll = VerticalScroll(
            Static(params_table(comparison), id="compare-params"),
            Static(steps_table(comparison), id="compare-steps"),
            id="compare-scroll")
        body.mount(scroll)
        body.mount(tree)
        tree.root.expand()
        tree.focus()

    def action_back(self) -> None:
        self.dismiss(None)
