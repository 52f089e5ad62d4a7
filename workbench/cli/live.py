"""Printing a run's events as they happen: task-prefixed log lines and task results."""
from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ..engine.events import Event, LogLine, RunFinished, RunStarted, TaskFinished, TaskStarted
from .console import STATUS_GLYPH, STATUS_STYLE, format_params, format_seconds, safe


class LivePrinter:
    """An event sink that prints to a rich console (stdout, or stderr with ``--json``)."""

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet

    def _task(self, step: str, task_id: int) -> Text:
        return Text(f"[{step}/{task_id}]", style="cyan")

    def __call__(self, event: Event) -> None:
        c = self.console
        if isinstance(event, RunStarted):
            params = format_params(event.parameters, 100)
            c.print(Text.assemble(("▶ ", "bold"), (f"{event.pathspec}", "bold"),
                                  (f" {event.kind} started", ""),
                                  (f"  {params}" if params else "", "dim")))
        elif isinstance(event, LogLine):
            if self.quiet:
                return
            style = "red" if event.stream == "stderr" else ""
            c.print(Text.assemble(self._task(event.step, event.task_id), " ",
                                  (safe(event.line), style)), soft_wrap=True)
        elif isinstance(event, TaskStarted):
            attempt = f" (attempt {event.attempt + 1})" if event.attempt else ""
            c.print(Text.assemble(self._task(event.step, event.task_id),
                                  (f" started{attempt}", "dim")))
        elif isinstance(event, TaskFinished):
            glyph = STATUS_GLYPH.get(event.status, "?")
            style = STATUS_STYLE.get(event.status, "")
            tail = ""
            if event.status != "succeeded" and event.exception:
                tail = f": {safe(event.exception)}"
            retry = " (will retry)" if event.will_retry else ""
            c.print(Text.assemble(self._task(event.step, event.task_id), " ",
                                  (f"{glyph} {event.status}{retry}", style),
                                  (f" in {format_seconds(event.seconds)}", "dim"), tail))
        elif isinstance(event, RunFinished):
            glyph = STATUS_GLYPH.get(event.status, "?")
            c.print(Text.assemble((f"{glyph} {event.pathspec} {event.status}",
                                   "bold " + STATUS_STYLE.get(event.status, "")),
                                  (f" in {format_seconds(event.seconds)}", "dim"),
                                  (f": {safe(event.message)}" if event.message else "")))
