"""The Logs tab: a task's stdout and stderr on the Line API, following new lines live."""
from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...display import safe
from ..keys import bindings, widget_key

MAX_LINE = 2000


class ListLines:
    """Lines held in memory: a running task's live output, or a note."""

    def __init__(self, lines: list[tuple[str, str]] | None = None) -> None:
        self.items: list[tuple[str, str]] = list(lines or ())
        self.longest = max((len(t) for _, t in self.items), default=0)

    def __len__(self) -> int:
        return len(self.items)

    def line(self, index: int) -> tuple[str, str]:
        return self.items[index]

    def append(self, stream: str, text: str) -> None:
        self.items.append((stream, text))
        self.longest = max(self.longest, len(text))

    def close(self) -> None:
        pass


class LogView(ScrollView, can_focus=True):
    """Lines of (stream, text); stderr in the error colour. The lines come from a source
    that is asked only for the rows on screen: a finished task's log is read from disk by
    offset (``Store.log_lines``), so a 64 MB log costs what is visible. Text is sanitised
    as it is drawn. While ``follow`` is on the view sticks to the bottom as lines arrive."""

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
        self.source: Any = ListLines()
        self.task_id: int | None = None
        self.live = False  # the lines are a running task's, kept in memory

    @property
    def line_count(self) -> int:
        return len(self.source)

    def set_lines(self, lines: list[tuple[str, str]], task_id: int | None = None, *,
                  live: bool = False) -> None:
        """Show lines held in memory (``stream`` is stdout, stderr or note)."""
        self._show(ListLines(lines), task_id, live)

    def set_source(self, source: Any, task_id: int | None = None) -> None:
        """Show a finished task's log (``store.logs.LogLines``); the view closes it."""
        self._show(source, task_id, False)

    def _show(self, source: Any, task_id: int | None, live: bool) -> None:
        self.source.close()
        self.source, self.task_id, self.live = source, task_id, live
        self._resize()
        self.scroll_to(y=self.max_scroll_y if self.follow else 0, animate=False)
        self.refresh()

    def append(self, stream: str, text: str) -> None:
        self.extend([(stream, text)])

    def extend(self, entries: list[tuple[str, str]]) -> None:
        """Add lines of (stream, text) at the end, laid out and drawn once for all."""
        if not isinstance(self.source, ListLines):
            return
        at_bottom = self.scroll_offset.y >= self.max_scroll_y
        for stream, text in entries:
            for part in text.splitlines() or [""]:
                self.source.append(stream, part)
        self._resize()
        if self.follow and at_bottom:
            self.scroll_end(animate=False)
        self.refresh()

    @property
    def text(self) -> str:
        return "\n".join(self.source.line(i)[1] for i in range(len(self.source)))

    def on_unmount(self) -> None:
        self.source.close()

    def _resize(self) -> None:
        self.virtual_size = Size(min(self.source.longest, MAX_LINE) + 2, len(self.source))

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
        if index >= len(self.source):
            return Strip.blank(width, base)
        stream, line = self.source.line(index)
        if stream == "stderr":
            style = base + self.get_component_rich_style("log--stderr")
        elif stream == "note":
            style = base + self.get_component_rich_style("log--note")
        else:
            style = base
        text = Text(safe(line[:MAX_LINE]), style=style, no_wrap=True, end="")
        segments = list(text.render(self.app.console))
        return Strip(segments, text.cell_len).crop_extend(scroll_x, scroll_x + width, base)


def note(text: str) -> tuple[str, str]:
    return ("note", text)


__all__ = ["ListLines", "LogView", "note"]
