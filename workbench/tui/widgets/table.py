"""A virtual table on the Line API: it asks its source only for the rows on screen (in
chunks, cached), so a 10-million-row DataFrame scrolls as fast as a 10-row one."""
from __future__ import annotations

from collections import OrderedDict

from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..preview_data import TableSource

CHUNK = 256
MAX_CHUNKS = 64


class VirtualTable(ScrollView, can_focus=True):
    """Rows of a ``TableSource``; the header and index gutter stay put while scrolling."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "Row up", show=False, id="table.up"),
        Binding("down,j", "move(1)", "Row down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "jump(0)", "First row", show=False, id="table.home"),
        Binding("end,G", "jump(-1)", "Last row", show=False, id="table.end"),
        Binding("left,h", "hscroll(-1)", "Scroll left", show=False, id="table.left"),
        Binding("right,l", "hscroll(1)", "Scroll right", show=False, id="table.right"),
    ]

    COMPONENT_CLASSES = {"vtable--header", "vtable--index", "vtable--cursor",
                         "vtable--zebra"}

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        & > .vtable--header { text-style: bold; color: $accent; background: $panel; }
        & > .vtable--index { color: $foreground-muted; }
        & > .vtable--cursor { background: $block-cursor-background 40%; }
        & > .vtable--zebra { background: $foreground 4%; }
        &:focus > .vtable--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    }
    """

    cursor_row: reactive[int] = reactive(0, init=False)

    def __init__(self, source: TableSource, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.source = source
        self._chunks: OrderedDict[int, list[tuple[str, list[str]]]] = OrderedDict()
        self.index_width, self.widths = source.column_widths()
        self.right = source.right_aligned()  # numbers line up on their last digit
        self.fetches = 0  # rows fetched from the source, for tests and curiosity
        total = sum(w + 2 for w in self.widths)
        self.virtual_size = Size(self.index_width + 3 + total, source.n_rows + 1)

    # ------------------------------------------------------------------ data

    def _row(self, index: int) -> tuple[str, list[str]] | None:
        if not 0 <= index < self.source.n_rows:
            return None
        start = index - index % CHUNK
        chunk = self._chunks.get(start)
        if chunk is None:
            chunk = self.source.rows(start, min(self.source.n_rows, start + CHUNK))
            self.fetches += len(chunk)
            self._chunks[start] = chunk
            if len(self._chunks) > MAX_CHUNKS:
                self._chunks.popitem(last=False)
        else:
            self._chunks.move_to_end(start)
        offset = index - start
        return chunk[offset] if offset < len(chunk) else None

    # ------------------------------------------------------------------ painting

    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = (int(v) for v in self.scroll_offset)
        width = self.scrollable_content_region.width
        base = self.rich_style
        gutter = self.index_width + 3
        if y == 0:
            style = base + self.get_component_rich_style("vtable--header")
            head = Segment(self.source.index_name.rjust(self.index_width) + " │ ", style)
            body = self._cells(self.source.columns)
            rest = Strip([Segment(body, style)]).crop_extend(scroll_x, scroll_x + width - gutter,
                                                             style)
            return Strip.join([Strip([head]), rest])
        index = scroll_y + y - 1
        row = self._row(index)
        if row is None:
            return Strip.blank(width, base)
        label, cells = row
        style = base
        if index == self.cursor_row:
            style = base + self.get_component_rich_style("vtable--cursor")
        elif index % 2:
            style = base + self.get_component_rich_style("vtable--zebra")
        index_style = style + self.get_component_rich_style("vtable--index")
        head = Segment(label.rjust(self.index_width)[: self.index_width] + " │ ", index_style)
        body = self._cells(cells)
        rest = Strip([Segment(body, style)]).crop_extend(scroll_x, scroll_x + width - gutter,
                                                         style)
        return Strip.join([Strip([head]), rest])

    def _cells(self, cells: list[str]) -> str:
        return "".join((c.rjust(w) if right else c.ljust(w)) + "  "
                       for c, w, right in zip(cells, self.widths, self.right))

    # ------------------------------------------------------------------ moving

    def watch_cursor_row(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + self.page_rows:
            self.scroll_to(y=new - self.page_rows + 1, animate=False)
        self.refresh()

    def _set_cursor(self, row: int) -> None:
        self.cursor_row = max(0, min(self.source.n_rows - 1, row))

    def action_move(self, delta: int) -> None:
        self._set_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self._set_cursor(self.cursor_row + direction * self.page_rows)

    def action_jump(self, where: int) -> None:
        self._set_cursor(0 if where == 0 else self.source.n_rows - 1)

    def action_hscroll(self, direction: int) -> None:
        self.scroll_to(x=max(0, int(self.scroll_offset.x) + direction * 8), animate=False)

    def on_click(self, event) -> None:  # noqa: ANN001
        if event.y >= 1:
            self._set_cursor(int(self.scroll_offset.y) + event.y - 1)

    def scroll_to_row(self, row: int) -> None:
        self.scroll_to_region(Region(0, row, 1, 1), animate=False)
