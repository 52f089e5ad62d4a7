"""The Logs tab: a task's stdout and stderr on the Line API, following new lines live."""
from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...display import safe
from ..keys import bindings, widget_key

MAX_LINE = 2000


class LogView(ScrollView, can_focus=True):
    """Lines of (stream, text); stderr in the error colour. Only visible lines are rendered;
    while ``follow`` is on the view sticks to the bottom as lines arrive."""

    BINDINGS = bindings([widget_key("logs.follow")])

    COMPONENT_CLASSES = {"log--stderr", "log--note", "log--gutter"}

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        & > .log--stderr { color: $error; }
        & > .log--note { color: $foreground-muted; text-style: italic; }
        & > .log--gutter { color: $foreground-muted; }
    }
    """

    follow: reactive[bool] = reactive(True)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lines: list[tuple[str, str]] = []
        self._width = 0
        self.task_id: int | None = None

    def set_lines(self, lines: list[tuple[str, str]], task_id: int | None = None) -> None:
        """Replace the content (``stream`` is stdout, stderr or note)."""
        self.task_id = task_id
        self.lines = [(s, safe(t)[:MAX_LINE]) for s, t in lines]
        self._width = max((len(t) for _, t in self.lines), default=0)
        self._resize()
        self.scroll_to(y=self.max_scroll_y if self.follow else 0, animate=False)
        self.refresh()

    def append(self, stream: str, text: str) -> None:
        at_bottom = self.scroll_offset.y >= self.max_scroll_y
        for part in safe(text).splitlines() or [""]:
            self.lines.append((stream, part[:MAX_LINE]))
            self._width = max(self._width, len(part[:MAX_LINE]))
        self._resize()
        if self.follow and at_bottom:
            self.scroll_end(animate=False)
        self.refresh()

    @property
    def text(self) -> str:
        return "\n".join(t for _, t in self.lines)

    def _resize(self) -> None:
        self.virtual_size = Size(self._width + 2, len(self.lines))

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        if self.follow:
            self.scroll_end(animate=False)
        self.notify(f"follow {'on' if self.follow else 'off'}", timeout=1.5)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = (int(v) for v in self.scroll_offset)
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self.lines):
            return Strip.blank(width, base)
        stream, line = self.lines[index]
        if stream == "stderr":
            style = base + self.get_component_rich_style("log--stderr")
        elif stream == "note":
            style = base + self.get_component_rich_style("log--note")
        else:
            style = base
        text = Text(line, style=style, no_wrap=True, end="")
        segments = list(text.render(self.app.console))
        return Strip(segments, text.cell_len).crop_extend(scroll_x, scroll_x + width, base)


def note(text: str) -> tuple[str, str]:
    return ("note", text)


__all__ = ["LogView", "note"]
