"""``i``: the flow's status as ``workbench status`` reports it (each step modified, stale or
up to date against the reference run, and why), in a box over the main screen."""
from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...display import STATUS_STYLE, safe, status_label
from ...queries import run_label

STEP_STYLE = {"modified": "bold yellow", "stale": "yellow", "up to date": "green",
              "never run": "dim"}


def status_renderable(report: Any) -> Group:
    """The status report as ``workbench status`` prints it: reference run, why, steps."""
    ref = report.reference
    head = Text.assemble((safe(report.flow), "bold"), "  ")
    head.append(f"vs run {ref.number} ({safe(run_label(ref))} {ref.status})" if ref is not None
                else "never run", "" if ref is not None else "dim")
    table = Table(expand=True)
    table.add_column("step", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("last run", no_wrap=True)
    table.add_column("why")
    for s in report.steps:
        table.add_row(Text(safe(s.step), "bold"), Text(s.status, STEP_STYLE.get(s.status, "")),
                      Text(status_label(s.run_status) if s.run_status else "· not run",
                           STATUS_STYLE.get(s.run_status or "", "dim")),
                      Text(safe(s.reason), "dim"))
    parts: list[Any] = [head]
    if report.why:
        parts.append(Text(safe(report.why), "dim"))
    parts.append(table)
    if report.added or report.removed:
        parts.append(Text(safe(f"graph changes: added {', '.join(report.added) or '-'}; "
                               f"removed {', '.join(report.removed) or '-'}"), "dim"))
    return Group(*parts)


class ReportScreen(ModalScreen[None]):
    """A read-only report in a scrollable box; esc closes it."""

    BINDINGS = [Binding("escape,q,i", "dismiss", "Close", id="report.close")]

    def __init__(self, title: str, body: Any) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="report-box", classes="report"):
            yield Static(self.body, id="report-body")

    def on_mount(self) -> None:
        box = self.query_one("#report-box")
        box.border_title = self.title_text
        box.border_subtitle = "esc to close"
        box.focus()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
