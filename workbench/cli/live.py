"""Printing a run's events as they happen: task-prefixed log lines and task results."""
from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ..engine.events import Event, LogBatch, RunFinished, RunStarted, TaskFinished, TaskStarted
from .console import STATUS_GLYPH, STATUS_STYLE, format_params, format_seconds, safe


class LivePrinter:
    """An event sink that prints to a rich console (stdout, or stderr with ``--json``)."""

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self._styled: dict[str, tuple[str, str]] = {}

    def _codes(self, style: str) -> tuple[str, str]:
        """The escape codes this console opens and closes ``style`` with ("" without
        colour), rendered once by rich itself."""
        if style not in self._styled:
            with self.console.capture() as captured:
                self.console.print(Text("\0", style=style), end="")
            before, _, after = captured.get().partition("\0")
            self._styled[style] = (before, after)
        return self._styled[style]

    def _write(self, *parts: tuple[str, str]) -> None:
        """One line of (text, style) parts, written at once: a task's started and finished
        lines are two per task, thousands in a wide foreach (rich's layout per line cost
        more than the task). Texts are sanitised by the caller."""
        out = []
        for text, style in parts:
            on, off = self._codes(style) if style else ("", "")
            out.append(f"{on}{text}{off}")
        self.console.file.write("".join(out) + "\n")
        self.console.file.flush()

    def _print_lines(self, event: LogBatch) -> None:
        """A batch of a task's lines in one write: sanitised as one text (the one boundary,
        ``safe``), prefixed per line; a rich renderable per line cost 40x ``cat``."""
        cyan_on, cyan_off = self._codes("cyan")
        prefix = f"{cyan_on}[{safe(event.step)}/{event.task_id}]{cyan_off} "
        on, off = self._codes("red") if event.stream == "stderr" else ("", "")
        body = safe("\n".join(event.lines))
        out = self.console.file
        out.write(prefix + on + body.replace("\n", f"{off}\n{prefix}{on}") + off + "\n")
        out.flush()

    def __call__(self, event: Event) -> None:
        c = self.console
        if isinstance(event, RunStarted):
            params = format_params(event.parameters, 100)
            c.print(Text.assemble(("▶ ", "bold"), (f"{event.pathspec}", "bold"),
                                  (f" {event.kind} started", ""),
                                  (f"  {params}" if params else "", "dim")))
        elif isinstance(event, LogBatch):
            if not self.quiet:
                self._print_lines(event)
        elif isinstance(event, TaskStarted):
            attempt = f" (attempt {event.attempt + 1})" if event.attempt else ""
            self._write((f"[{safe(event.step)}/{event.task_id}]", "cyan"),
                        (f" started{attempt}", "dim"))
        elif isinstance(event, TaskFinished):
            glyph = STATUS_GLYPH.get(event.status, "?")
            tail = ""
            if event.status != "succeeded" and event.exception:
                tail = f": {safe(event.exception)}"
            retry = " (will retry)" if event.will_retry else ""
            self._write((f"[{safe(event.step)}/{event.task_id}]", "cyan"), (" ", ""),
                        (f"{glyph} {event.status}{retry}", STATUS_STYLE.get(event.status, "")),
                        (f" in {format_seconds(event.seconds)}", "dim"), (tail, ""))
        elif isinstance(event, RunFinished):
            glyph = STATUS_GLYPH.get(event.status, "?")
            c.print(Text.assemble((f"{glyph} {event.pathspec} {event.status}",
                                   "bold " + STATUS_STYLE.get(event.status, "")),
                                  (f" in {format_seconds(event.seconds)}", "dim"),
                                  (f": {safe(event.message)}" if event.message else "")))
