"""``?``: every key with its description, grouped, plus what the glyphs mean."""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..dag_layout import GLYPHS, LOOP_BADGE, MARKERS
from ..keys import APP_KEYS, WIDGET_KEYS, Key

LOOP = """[b]The loop[/b]: [b]r[/b] runs the flow. Edit a step in your editor ([b]e[/b] opens it), \
then [b]s[/b] spins the selected step on the selected run's stored inputs: a new run of kind \
spin, and the Diff tab shows what changed. With [b]w[/b] (watch) every save spins the \
modified steps by itself."""


def _key_text(key: Key) -> str:
    if key.key_display:
        return key.key_display
    names = {"slash": "/", "question_mark": "?", "enter": "enter",
             "left_square_bracket": "[", "right_square_bracket": "]"}
    return " ".join(names.get(k, k) for k in key.key.split(","))


def keys_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold cyan", no_wrap=True)
    table.add_column()
    groups: dict[str, list[Key]] = {}
    for key in APP_KEYS + WIDGET_KEYS:
        groups.setdefault(key.group, []).append(key)
    for group, keys in groups.items():
        table.add_row("", Text(group, style="bold underline"))
        for key in keys:
            table.add_row(_key_text(key), key.description)
        table.add_row("", "")
    table.add_row("ctrl+p", "Command palette: every action, \"go to run N\", \"go to step X\"")
    return table


def legend_table() -> Table:
    meaning = {"succeeded": "succeeded", "failed": "failed", "running": "running",
               "pending": "waiting", "cancelled": "cancelled", "crashed": "crashed",
               "cloned": "cloned from the reference run (spin/resume)",
               "reused": "reused: same code and inputs as an earlier task (run --reuse)",
               "not_run": "not run"}
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold")
    table.add_column()
    table.add_row("", Text("Glyphs", style="bold underline"))
    for status, glyph in GLYPHS.items():
        table.add_row(glyph, meaning.get(status, status))
    table.add_row(MARKERS["modified"], "modified: the step's code differs from the selected run's")
    table.add_row(MARKERS["stale"], "stale: downstream of a modified or spun step")
    table.add_row("×N", "foreach body: N tasks (one per split)")
    table.add_row(LOOP_BADGE, "a switch that can loop back to itself")
    table.add_row("~ + -", "artifact changed, added, removed")
    table.add_row("", Text("(a spin or resume against its reference run)", style="dim"))
    table.add_row("", "")
    table.add_row("", Text("Panes", style="bold underline"))
    for pane, what in (("Runs", "newest first; spin train <- 5 = spun from run 5"),
                       ("Flow", "the DAG, coloured by the selected run"),
                       ("Artifacts", "the selected step's task; [ ] for splits"),
                       ("Logs", "stdout, stderr in red; follows live"),
                       ("Diff", "the selected spin's changes; n / N"),
                       ("Source", "the step's code, as the file is now"),
                       ("Task", "timings, exception, traceback"),
                       ("Card", "the task's cards (@card), as text")):
        table.add_row(Text(pane, style="cyan"), what)
    return table


class HelpScreen(ModalScreen[None]):
    """Keys, glyphs and the loop in one scrollable box."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        columns = Table.grid(padding=(0, 4))
        columns.add_column()
        columns.add_column()
        columns.add_row(keys_table(), legend_table())
        with VerticalScroll(id="help-box"):
            yield Static(Group(Text.from_markup(LOOP), Text(""), columns))

    def on_mount(self) -> None:
        box = self.query_one("#help-box")
        box.border_title = "workbench help"
        box.border_subtitle = "esc to close"
        box.focus()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
