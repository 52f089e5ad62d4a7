"""The Flow pane: paints ``dag_layout`` output on the Line API and moves a cursor over it."""
from __future__ import annotations

from typing import Any, Mapping

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..dag_dense import layout_dense
from ..dag_layout import DagLayout, StepState, layout_dag, legend_of
from ..keys import WIDGET_KEYS, bindings

HEAVY = str.maketrans("╭╮╰╯─│┬┴", "┏┓┗┛━┃┯┷")
STATUSES = ("succeeded", "failed", "running", "pending", "cancelled", "crashed", "cloned",
            "reused", "not_run")


def legend_text(legend: list[tuple[str, str]]) -> str:
    """The line under the drawing that says what its markers mean."""
    return "  ".join(f"{m} {label}" for m, label in legend)


LEGEND_ROOM = 1  # a row kept for the legend, so that a marker appearing moves nothing


def boxes_fit(graph: Any, width: int | None, height: int) -> bool | None:
    """Whether boxes fit ``width`` x ``height`` uncut: False, or the ``compact`` flag to lay
    them out with. Decided on the graph alone (labels at their widest), so that an edit or
    a spin never flips the drawing."""
    for compact in (False, True):
        layout = layout_dag(graph, {}, max_width=width, compact=compact)
        cut = any(box.name not in box.label for box in layout.boxes.values())
        if layout.height + LEGEND_ROOM <= height and not cut and \
                (width is None or layout.width <= width):
            return compact
    return None


def choose_layout(graph: Any, states: Mapping[str, StepState], width: int, height: int
                  ) -> DagLayout:
    """Boxes when they fit ``width`` x ``height`` uncut (with a row between layers, else
    without); otherwise one line per step (``dag_dense``)."""
    compact = boxes_fit(graph, width, height)
    if compact is None:
        return layout_dense(graph, states)
    return layout_dag(graph, states, max_width=width, compact=compact)


def widest_states(graph: Any) -> dict[str, StepState]:
    """States that make every label as wide as it gets (for sizing the pane)."""
    return {n: StepState(tasks=99, modified=True) for n in graph.nodes}


class DagView(ScrollView, can_focus=True):
    """The flow's DAG: boxes coloured by status in the selected run; arrows/hjkl move."""

    BINDINGS = bindings([k for k in WIDGET_KEYS if k.id.startswith("dag.")])

    COMPONENT_CLASSES = {"dag--edge", "dag--cursor", "dag--modified", "dag--stale",
                         "dag--legend"} | {f"dag--{s}" for s in STATUSES}

    DEFAULT_CSS = """
    DagView {
        background: $surface;
        & > .dag--edge { color: $foreground-muted; }
        & > .dag--succeeded { color: $success; }
        & > .dag--failed { color: $error; text-style: bold; }
        & > .dag--running { color: $warning; text-style: bold; }
        & > .dag--pending { color: $warning 70%; }
        & > .dag--cancelled { color: $secondary; }
        & > .dag--crashed { color: $error; }
        & > .dag--cloned { color: $primary; }
        & > .dag--reused { color: $accent; }
        & > .dag--not_run { color: $foreground-muted; }
        & > .dag--cursor { background: $accent 35%; text-style: bold; }
        & > .dag--modified { color: $warning; text-style: bold; }
        & > .dag--stale { color: $warning 60%; }
        & > .dag--legend { color: $foreground-muted; }
    }
    """

    cursor: reactive[str | None] = reactive(None, init=False)

    class StepSelected(Message):
        """The cursor moved to ``step``."""

        def __init__(self, dag: "DagView", step: str) -> None:
            super().__init__()
            self.dag = dag
            self.step = step

        @property
        def control(self) -> "DagView":
            return self.dag

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.graph: Any = None
        self.states: dict[str, StepState] = {}
        self.layout_: DagLayout | None = None
        self._laid_for: tuple | None = None
        self._lines_cache: dict[int, Strip] = {}

    # ------------------------------------------------------------------ data

    def set_graph(self, graph: Any, states: Mapping[str, StepState] | None = None) -> None:
        self.graph = graph
        if states is not None:
            self.states = dict(states)
        self._relayout(force=True)
        if self.cursor not in (self.layout_.boxes if self.layout_ else {}):
            self.cursor = self.layout_.move(None, "down") if self.layout_ else None

    def set_states(self, states: Mapping[str, StepState]) -> None:
        states = dict(states)
        if states == self.states:
            return
        self.states = states
        self._relayout(force=True)

    @property
    def legend_lines(self) -> int:
        return 1 if self.layout_ and self.layout_.legend else 0

    def _relayout(self, force: bool = False) -> None:
        if self.graph is None:
            self.layout_ = None
            self.virtual_size = Size(0, 0)
            self.refresh()
            return
        width = max(20, self.scrollable_content_region.width or self.size.width or 60)
        height = self.scrollable_content_region.height or self.size.height or 40
        key = (id(self.graph), width, height, tuple(sorted(self.states.items())))
        if not force and key == self._laid_for:
            return
        self._laid_for = key
        layout = choose_layout(self.graph, self.states, width, height)
        self.layout_ = layout
        self._lines_cache.clear()
        self.virtual_size = Size(layout.width, layout.height + (1 if layout.legend else 0))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._lines_cache.clear()
        self._relayout()

    def natural_size(self, height: int) -> tuple[int, int, bool]:
        """Columns and rows the drawing needs when the pane is ``height`` rows high, and
        whether that is the dense drawing: boxes if they fit that height, else dense."""
        if self.graph is None:
            return 0, 0, False
        widest = widest_states(self.graph)
        compact = boxes_fit(self.graph, None, height)
        if compact is None:
            layout = layout_dense(self.graph, widest)
            dense = True
        else:
            layout = layout_dag(self.graph, {}, compact=compact)
            dense = False
        legend = legend_text(legend_of(widest, self.graph.nodes))
        return max(layout.width, len(legend)), layout.height + LEGEND_ROOM, dense

    def offscreen(self) -> tuple[int, int]:
        """Steps above and below the visible rows."""
        if self.layout_ is None:
            return 0, 0
        top = int(self.scroll_offset.y)
        bottom = top + self.scrollable_content_region.height
        above = sum(1 for b in self.layout_.boxes.values() if b.y < top)
        below = sum(1 for b in self.layout_.boxes.values() if b.y + b.height > bottom)
        return above, below

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines_cache.clear()

    # ------------------------------------------------------------------ cursor

    def watch_cursor(self, old: str | None, new: str | None) -> None:
        self._lines_cache.clear()
        self.refresh()
        if new is not None:
            self.scroll_to_step(new)
            self.post_message(self.StepSelected(self, new))

    def scroll_to_step(self, step: str) -> None:
        if self.layout_ and step in self.layout_.boxes:
            box = self.layout_.boxes[step]
            self.scroll_to_region(Region(box.x + self.margin_left, box.y, box.width,
                                         box.height), animate=False, force=True)

    def select(self, step: str) -> None:
        """Move the cursor to ``step`` (if the graph has it)."""
        if self.layout_ and step in self.layout_.boxes:
            self.cursor = step

    def action_cursor(self, direction: str) -> None:
        if self.layout_ is None:
            return
        target = self.layout_.move(self.cursor, direction)
        if target is not None:
            self.cursor = target

    def on_click(self, event: events.Click) -> None:
        if self.layout_ is None:
            return
        x = event.x + int(self.scroll_offset.x) - self.margin_left
        y = event.y + int(self.scroll_offset.y)
        step = self.layout_.node_at(x, y)
        if step is not None:
            self.cursor = step

    # ------------------------------------------------------------------ painting

    @property
    def margin_left(self) -> int:
        """Columns left blank so that a narrow drawing sits in the middle of the pane."""
        if self.layout_ is None:
            return 0
        return max(0, (self.scrollable_content_region.width - self.layout_.width) // 2)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = y + int(scroll_y)
        width = self.scrollable_content_region.width
        strip = self._lines_cache.get(row)
        if strip is None:
            strip = self._paint(row)
            self._lines_cache[row] = strip
        margin = self.margin_left
        if self.layout_ is not None and row == self.layout_.height and self.layout_.legend:
            margin = max(0, (width - len(legend_text(self.layout_.legend))) // 2)
        if margin:
            strip = Strip.join([Strip.blank(margin, self.rich_style), strip])
        return strip.crop_extend(int(scroll_x), int(scroll_x) + width, self.rich_style)

    def _paint(self, row: int) -> Strip:
        layout = self.layout_
        base = self.rich_style
        if layout is None:
            if row == 0:
                return Strip([Segment("(no graph)", base + self.get_component_rich_style(
                    "dag--legend"))])
            return Strip.blank(0, base)
        if row >= layout.height:
            if row == layout.height and layout.legend:
                style = base + self.get_component_rich_style("dag--legend")
                text = legend_text(layout.legend)
                return Strip([Segment(text, style)])
            return Strip.blank(layout.width, base)
        line = layout.lines[row]
        edge = base + self.get_component_rich_style("dag--edge")
        spans: list[tuple[int, int, Any, bool]] = []  # start, end, box, just its glyph
        for box in layout.boxes.values():
            if box.y <= row < box.y + box.height:
                spans.append((box.x, box.x + box.width, box, False))
                if box.glyph_x is not None:
                    spans.append((box.glyph_x, box.glyph_x + 1, box, True))
        spans.sort(key=lambda s: s[0])
        segments: list[Segment] = []
        pos = 0
        for start, end, box, glyph in spans:
            if start > pos:
                segments.append(Segment(line[pos:start], edge))
            if glyph:
                segments.append(Segment(line[start:end], self._status_style(box, base)))
            elif layout.dense:
                segments.extend(self._label_segments(line[start:end], box, base))
            else:
                segments.extend(self._box_segments(line[start:end], box, row - box.y, base))
            pos = end
        if pos < len(line):
            segments.append(Segment(line[pos:], edge))
        return Strip(segments, len(line))

    def _status_style(self, box: Any, base: Style) -> Style:
        state = self.states.get(box.name, StepState())
        return base + self.get_component_rich_style(f"dag--{state.status}")

    def _label_segments(self, text: str, box: Any, base: Style) -> list[Segment]:
        """A step's label in the dense drawing: its name and badges, marker in colour."""
        state = self.states.get(box.name, StepState())
        style = self._status_style(box, base)
        if box.name == self.cursor:
            style += self.get_component_rich_style("dag--cursor")
        return self._with_marker(text, state, style)

    def _with_marker(self, text: str, state: StepState, style: Style) -> list[Segment]:
        marker = None
        if state.modified and "●" in text:
            marker = ("●", "dag--modified")
        elif state.stale and "◌" in text:
            marker = ("◌", "dag--stale")
        if not marker:
            return [Segment(text, style)]
        i = text.rindex(marker[0])
        # only the marker's colour: it keeps the label's background (the cursor's highlight)
        colour = self.get_component_rich_style(marker[1])
        mark = style + Style(color=colour.color, bold=colour.bold)
        return [Segment(text[:i], style), Segment(marker[0], mark), Segment(text[i + 1:], style)]

    def _box_segments(self, text: str, box: Any, dy: int, base: Style) -> list[Segment]:
        state = self.states.get(box.name, StepState())
        style = base + self.get_component_rich_style(f"dag--{state.status}")
        selected = box.name == self.cursor
        if selected:
            text = text.translate(HEAVY)
            if self.has_focus:
                style = style + Style(bold=True)
        if dy != 1:
            return [Segment(text, style + Style(bold=selected))]
        # the label row: border, label, border; markers in their own colour
        inner = text[1:-1]
        label_style = style + (self.get_component_rich_style("dag--cursor")
                               if selected else Style())
        return [Segment(text[0], style + Style(bold=selected)),
                *self._with_marker(inner, state, label_style),
                Segment(text[-1], style + Style(bold=selected))]
