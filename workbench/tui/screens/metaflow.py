"""Metaflow from the app: the import form, the run-on-Metaflow form, and the job's live output.

The forms only collect what the headless commands take (``workbench import-metaflow``,
``workbench run --metaflow``); the app runs those commands (``tui/metaflow_jobs.py``) and this
screen shows their lines as they come.
"""
from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RichLog, Static

from ...display import safe
from .forms import _FORM_BINDINGS, SUBMIT_HINT


def split_specs(text: str) -> list[str]:
    """``kubernetes retry:times=2`` (spaces or commas between) -> one ``--with`` spec each."""
    return [s for s in text.replace(",", " ").split() if s]


class ImportMetaflowScreen(ModalScreen[dict[str, Any] | None]):
    """Which Metaflow runs to import: ``{"target", "all", "root"}``, or None."""

    BINDINGS = _FORM_BINDINGS

    def __init__(self, flow: str, root: str) -> None:
        super().__init__()
        self.flow, self.root = flow, root

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label("Import runs Metaflow executed", classes="form-title")
            yield Static(SUBMIT_HINT, classes="form-help")
            yield Label(Text("Flow or Flow/run id  (the flow alone: its latest run)"),
                        classes="form-label")
            yield Input(value=self.flow, id="mf-target", classes="form-input")
            yield Checkbox("every run of the flow (--all)", id="mf-all")
            yield Label(Text("Datastore root  (empty: Metaflow's configuration)"),
                        classes="form-label")
            yield Input(value=self.root, placeholder="a .metaflow folder or s3://bucket/prefix",
                        id="mf-root", classes="form-input")
            with Horizontal(classes="form-buttons"):
                yield Button("Import", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#mf-target", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_submit() if event.button.id == "submit" else self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        target = self.query_one("#mf-target", Input).value.strip()
        if not target:
            self.query_one("#mf-target", Input).focus()
            return
        self.dismiss({"target": target, "all": self.query_one("#mf-all", Checkbox).value,
                      "root": self.query_one("#mf-root", Input).value.strip()})

    def action_cancel(self) -> None:
        self.dismiss(None)


class RunOnMetaflowScreen(ModalScreen[dict[str, Any] | None]):
    """How to send the flow to Metaflow: ``{"with": [specs], "datastore": str}``, or None.
    Prefilled with what the project used last (``store/project.py``)."""

    BINDINGS = _FORM_BINDINGS

    def __init__(self, flow_file: str, with_specs: list[str], datastore: str,
                 params: dict[str, str]) -> None:
        super().__init__()
        self.flow_file, self.with_specs, self.datastore = flow_file, with_specs, datastore
        self.params = params

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label("Run on Metaflow", classes="form-title")
            params = " ".join(f"{k}={v}" for k, v in self.params.items()) or "defaults"
            yield Static(Text(safe(f"{self.flow_file} through Metaflow's Runner, parameters: "
                                   f"{params}; the finished run is imported. {SUBMIT_HINT}")),
                         classes="form-help")
            yield Label(Text("--with  (Metaflow decorators for every step, e.g. kubernetes "
                             "retry:times=2; empty: Metaflow's local runtime)"),
                        classes="form-label")
            yield Input(value=" ".join(self.with_specs), placeholder="kubernetes",
                        id="mf-with", classes="form-input")
            yield Label(Text("--datastore  (empty: Metaflow's default)"), classes="form-label")
            yield Input(value=self.datastore, placeholder="local or s3", id="mf-datastore",
                        classes="form-input")
            with Horizontal(classes="form-buttons"):
                yield Button("Run", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#mf-with", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_submit() if event.button.id == "submit" else self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        self.dismiss({"with": split_specs(self.query_one("#mf-with", Input).value),
                      "datastore": self.query_one("#mf-datastore", Input).value.strip()})

    def action_cancel(self) -> None:
        self.dismiss(None)


class MetaflowJobScreen(ModalScreen[None]):
    """A Metaflow job's output as it comes, and how it ended. Closing it leaves the job
    running; the app says when it is done."""

    BINDINGS = [Binding("escape", "close", "Close", id="metaflow_job.close")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="mf-job", classes="report"):
            yield Static(Text("running…", style="yellow"), id="mf-job-status")
            yield RichLog(id="mf-job-log", max_lines=5000, wrap=False, markup=False)

    def on_mount(self) -> None:
        box = self.query_one("#mf-job")
        box.border_title = self.title_text
        box.border_subtitle = "esc to close (the job goes on)"
        self.query_one(RichLog).focus()

    def add_line(self, line: str, error: bool = False) -> None:
        """One output line of the job (already sanitised by the caller)."""
        self.query_one(RichLog).write(Text(line, style="red" if error else ""))

    def finish(self, text: str, ok: bool) -> None:
        self.query_one("#mf-job-status", Static).update(
            Text(text, style="bold green" if ok else "bold red"))

    def action_close(self) -> None:
        self.dismiss(None)
