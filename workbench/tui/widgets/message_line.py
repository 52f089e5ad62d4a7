"""The message line: notifications shown on a row of their own above the Footer, so they
never cover what the user reads (Textual's toasts float over the panes)."""
from __future__ import annotations

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

SEVERITY_STYLE = {"information": "bold green", "warning": "bold yellow", "error": "bold red"}
SEVERITY_MARK = {"information": "●", "warning": "▲", "error": "✘"}


class MessageLine(Static):
    """The last notification, for its timeout; hidden (taking no row) otherwise."""

    DEFAULT_CSS = """
    MessageLine {
        height: 1;
        padding: 0 1;
        background: $panel;
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._timer: Timer | None = None
        self.text = ""

    def show(self, message: str, severity: str = "information", timeout: float = 4.0,
             markup: bool = False) -> None:
        body = Text.from_markup(message) if markup else Text(message)
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"{SEVERITY_MARK.get(severity, '●')} ",
                    SEVERITY_STYLE.get(severity, ""))
        line.append_text(Text(" ").join(body.split("\n")) if "\n" in body.plain else body)
        self.text = line.plain
        self.update(line)
        self.display = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(max(1.0, timeout), self.clear_message)

    def clear_message(self) -> None:
        self._timer = None
        self.text = ""
        self.display = False
