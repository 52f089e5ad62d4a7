"""``enter`` on an artifact: the value, loaded in a thread, shown by kind.

DataFrame/Series: rows in a virtual table (only visible rows are read), ``describe()``,
a histogram of a numeric column. dict/list/set: a tree that expands lazily. str: scrollable
text. ndarray: stats and values. Anything else: a bounded pretty repr.
"""
from __future__ import annotations

from typing import Any

from rich.pretty import Pretty
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (LoadingIndicator, Select, Static, TabbedContent,
                             TabPane, TextArea, Tree)
from textual.worker import get_current_worker

from ..widgets.footer import SteadyFooter
from ...display import format_size, safe
from .. import preview_data as pdata
from ..model import LOAD_LOCK
from ..widgets.table import VirtualTable
from ..widgets.message_line import MessageLine

MAX_TEXT = 2_000_000


class Loaded(Message):
    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


class LoadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class DescribeReady(Message):
    def __init__(self, source: pdata.TableSource | None, error: str | None = None) -> None:
        super().__init__()
        self.source = source
        self.error = error


class HistogramReady(Message):
    def __init__(self, column: str, result: tuple) -> None:
        super().__init__()
        self.column = column
        self.result = result


def histogram_rows(counts: list[int], height: int) -> list[str]:
    """Vertical bars of ``counts`` over ``height`` rows (eighth-block resolution)."""
    if not counts:
        return []
    top = max(counts) or 1
    blocks = " ▁▂▃▄▅▆▇█"
    levels = [max(1, round(c / top * height * 8)) if c else 0 for c in counts]  # 1 shows
    rows = []
    for r in range(height - 1, -1, -1):
        row = []
        for level in levels:
            fill = level - r * 8
            row.append(blocks[max(0, min(8, fill))])
        rows.append("".join(row))
    return rows


def histogram_text(column: str, hist: pdata.Histogram, height: int, width: int = 0) -> Text:
    """The chart: a head line saying what a bar is, the bars (widened to fill ``width``
    when there are few), the values under them (each bar's, when they fit)."""
    counts = hist.counts
    peak = max(counts)
    tallest = counts.index(peak)
    if hist.integer:
        per = "one value" if hist.width == 1 else f"{int(hist.width)} values"
        bars = f"{len(counts)} bars of {per} each"
    else:
        bars = f"{len(counts)} bars {pdata.format_cell(hist.width)} wide"
    text = Text()
    text.append(f"{safe(column)}: {hist.n:,} values, {bars}; tallest {peak:,} at "
                f"{hist.bin_label(tallest)}\n", style="bold")
    bar = max(1, min(8, width // len(counts))) if width else 1
    gap = 1 if bar >= 3 else 0
    for row in histogram_rows(counts, height):
        text.append("".join(ch * (bar - gap) + " " * gap for ch in row).rstrip() + "\n",
                    style="cyan")
    labels = [hist.bin_label(i) for i in range(len(counts))]
    if bar >= 3 and all(len(label) < bar for label in labels):
        text.append("".join(label.center(bar - gap) + " " * gap for label in labels).rstrip(),
                    style="dim")
    else:
        lo, hi = hist.edge_labels()
        text.append(lo + " " * max(1, len(counts) * bar - len(lo) - len(hi)) + hi, style="dim")
    return text


class ValueTree(Tree[Any]):
    """dict/list/set, children added when a node is first expanded."""

    def __init__(self, value: Any, label: str) -> None:
        super().__init__(label, data=value, id="value-tree")
        self.guide_depth = 3

    def on_mount(self) -> None:
        self._fill(self.root)
        self.root.expand()

    def _fill(self, node: Any) -> None:
        children, more = pdata.children_of(node.data)
        for child in children:
            label = Text.assemble((safe(child.label), "bold cyan"), "  ",
                                  (pdata.leaf_text(child.value), "") if child.text is None
                                  else (child.text, "dim"))
            if child.expandable:
                node.add(label, data=child.value)
            else:
                node.add_leaf(label, data=child.value)
        if more:
            node.add_leaf(Text(f"… {more} more", style="dim"))
        node._filled = True  # noqa: SLF001 - a marker on our own nodes

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        if not getattr(node, "_filled", False) and node.data is not None:
            self._fill(node)


class PreviewScreen(Screen[None]):
    """One artifact, full screen; escape goes back."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="preview.back"),
    ]

    def __init__(self, artifact: Any, *, title: str) -> None:
        super().__init__()
        self.artifact = artifact
        self.title_text = title
        self.value: Any = None
        self.source: pdata.FrameSource | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text, style="bold"), id="preview-title")
        yield Container(LoadingIndicator(), id="preview-body")
        yield MessageLine()
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def load(self) -> None:
        worker = get_current_worker()
        try:
            with LOAD_LOCK:
                value = self.artifact.data
        except Exception as exc:  # noqa: BLE001 - shown as one line
            if not worker.is_cancelled:
                self.post_message(LoadFailed(f"{type(exc).__name__}: {exc}"))
            return
        if not worker.is_cancelled:
            self.post_message(Loaded(value))

    def action_back(self) -> None:
        self.dismiss(None)

    # ------------------------------------------------------------------ building

    def on_load_failed(self, message: LoadFailed) -> None:
        body = self.query_one("#preview-body")
        body.remove_children()
        body.mount(Static(Text(f"✘ {safe(message.error)}", style="bold red"),
                          id="preview-error"))

    def on_loaded(self, message: Loaded) -> None:
        value = self.value = message.value
        kind = pdata.kind_of(value)
        body = self.query_one("#preview-body")
        body.remove_children()
        subtitle = self.query_one("#preview-title", Static)
        builder = getattr(self, f"_build_{kind}", self._build_other)
        widgets, info = builder(value)
        head = Text(self.title_text, style="bold")
        if info:
            head.append("   " + info, style="dim")
        subtitle.update(head)
        body.mount_all(widgets)
        self.call_after_refresh(self._focus_content)

    def _focus_content(self) -> None:
        first = next(iter(self.query("#preview-body VirtualTable, #preview-body Tree, "
                                     "#preview-body TextArea")), None)
        if first is not None:
            first.focus()

    def _build_frame(self, frame: Any) -> tuple[list, str]:
        source = self.source = pdata.FrameSource(frame)
        rows, cols = frame.shape if pdata.kind_of(frame) == "frame" else (len(frame), 1)
        try:
            memory = format_size(int(frame.memory_usage(index=True, deep=False).sum()
                                     if pdata.kind_of(frame) == "frame"
                                     else frame.memory_usage(index=True, deep=False)))
        except Exception:  # noqa: BLE001
            memory = "?"
        dtypes = ", ".join(f"{c} {t}" for c, t in list(
            (frame.dtypes.items() if pdata.kind_of(frame) == "frame"
             else [(frame.name, frame.dtype)]))[:8])
        info = f"{rows:,} rows × {cols} columns · {memory} · {dtypes}"
        tabs = TabbedContent(id="preview-tabs")
        numeric = source.numeric_columns
        panes = [
            TabPane("Rows", VirtualTable(source, id="rows-table"), id="tab-rows"),
            TabPane("Describe", Container(LoadingIndicator(), id="describe-body"),
                    id="tab-describe"),
        ]
        if numeric:
            panes.append(TabPane("Histogram", Vertical(
                Select([(c, c) for c in numeric], value=numeric[0], allow_blank=False,
                       id="hist-column"),
                Static(id="hist-chart"), id="hist-body"), id="tab-histogram"))
        for pane in panes:
            tabs.compose_add_child(pane)
        return [tabs], info

    _build_series = _build_frame

    @on(TabbedContent.TabActivated, "#preview-tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane_id = event.pane.id if event.pane is not None else ""
        if pane_id == "tab-describe" and not self.query("#describe-table"):
            self.describe()
        elif pane_id == "tab-histogram":
            select = self.query_one("#hist-column", Select)
            if select.value is not Select.BLANK:
                self.compute_histogram(str(select.value))

    @on(Select.Changed, "#hist-column")
    def _column_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.BLANK:
            self.compute_histogram(str(event.value))

    @work(thread=True, exclusive=True, group="describe", exit_on_error=False)
    def describe(self) -> None:
        try:
            source = pdata.DescribeSource(self.value)
        except Exception as exc:  # noqa: BLE001
            self.post_message(DescribeReady(None, f"{type(exc).__name__}: {exc}"))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(DescribeReady(source))

    def on_describe_ready(self, message: DescribeReady) -> None:
        body = self.query_one("#describe-body")
        body.remove_children()
        if message.source is None:
            body.mount(Static(Text(f"✘ {message.error}", style="red")))
        else:
            body.mount(VirtualTable(message.source, id="describe-table"))

    @work(thread=True, exclusive=True, group="histogram", exit_on_error=False)
    def compute_histogram(self, column: str) -> None:
        assert self.source is not None
        bins = max(10, min(120, (self.size.width or 80) - 12))
        result = pdata.histogram(self.source.column_values(column), bins)
        if not get_current_worker().is_cancelled:
            self.post_message(HistogramReady(column, result))

    def on_histogram_ready(self, message: HistogramReady) -> None:
        hist: pdata.Histogram = message.result
        chart = self.query_one("#hist-chart", Static)
        if not hist.counts:
            chart.update(Text("no finite values", style="dim"))
            return
        height = max(4, min(16, (self.query_one("#hist-body").size.height or 12) - 5))
        chart.update(histogram_text(message.column, hist, height,
                                    max(20, chart.size.width or self.size.width - 4)))

    def _build_array(self, array: Any) -> tuple[list, str]:
        stats = pdata.array_stats(array)
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", justify="right")
        table.add_column()
        for label, value in stats:
            table.add_row(label, value)
        info = " · ".join(f"{k} {v}" for k, v in stats[:3])
        return [Static(table, id="array-stats"),
                VirtualTable(pdata.ArraySource(array), id="rows-table")], info

    def _build_mapping(self, value: Any) -> tuple[list, str]:
        label = pdata.leaf_text(value)
        return [ValueTree(value, label)], label

    _build_sequence = _build_mapping
    _build_set = _build_mapping

    def _build_text(self, value: str) -> tuple[list, str]:
        lines = value.count("\n") + 1
        info = f"{len(value):,} characters, {lines:,} lines"
        shown = safe(value if len(value) <= MAX_TEXT else value[:MAX_TEXT])
        area = TextArea(shown, read_only=True, show_line_numbers=True, soft_wrap=False,
                        id="text-view")
        widgets: list = [area]
        if len(value) > MAX_TEXT:
            widgets.insert(0, Static(Text(f"showing the first {MAX_TEXT:,} characters",
                                          style="yellow")))
        return widgets, info

    def _build_other(self, value: Any) -> tuple[list, str]:
        kind = pdata.kind_of(value)
        if kind in ("scalar", "bytes"):
            renderable: Any = Pretty(value, max_length=200, max_string=5000)
        else:
            renderable = Text(pdata.bounded_repr(value))
        return [VerticalScroll(Static(renderable, id="repr-view"))], type(value).__name__
