"""Modal forms: parameters before a run, artifact overrides before a spin, confirmations."""
from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from ...display import safe

_FORM_BINDINGS = [
    Binding("escape", "cancel", "Cancel", id="form.cancel"),
    Binding("ctrl+s", "submit", "Submit", id="form.submit"),
]


SUBMIT_HINT = "ctrl+s or enter submits · esc cancels"


def _param_note(spec: Any, default: str, help_text: str) -> str:
    """``int = 5000 · How many customers`` (type as declared, or the default's)."""
    kind = "file" if spec.kind == "IncludeFile" else None
    declared = spec.kwargs.get("type")
    if kind is None:
        kind = (declared if isinstance(declared, str) else None) or (
            type(spec.kwargs["default"]).__name__ if spec.kwargs.get("default") is not None
            else "str")
    parts = [f"{kind} = {default}" if default else kind]
    if help_text:
        parts.append(help_text)
    return " · ".join(parts)


def check_param(spec: Any, text: str) -> str | None:
    """What is wrong with ``text`` as the value of ``spec`` (the flow's own coercion rules,
    ``flow.parameters.coerce``), or None. Types the parser cannot know are not checked
    here: the run reports them."""
    from ...flow.parameters import JSONType, Parameter, ParameterError, coerce

    if spec.kind == "IncludeFile":
        return None
    declared = spec.kwargs.get("type")
    default = spec.kwargs.get("default")
    types = {"int": int, "float": float, "bool": bool, "str": str, "JSONType": JSONType}
    ptype = types.get(declared) if isinstance(declared, str) else None
    if ptype is None and declared is None and default is not None:
        ptype = type(default) if type(default) in (int, float, bool, str) else None
    if ptype is None:
        return None
    try:
        coerce(Parameter(spec.name or spec.attr, type=ptype), text)
    except ParameterError as exc:
        return str(exc)
    return None


def _label(name: str, note: str) -> Text:
    """``name  note`` from a flow's text: sanitised, never read as markup."""
    return Text.assemble((safe(name), ""), "  ", (safe(note), "dim"))


def _literal_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else repr(value)


class ParamsScreen(ModalScreen[dict[str, str] | None]):
    """One input per flow Parameter, prefilled with the last values used (or defaults).

    Dismisses with ``{name: text}`` for the fields that differ from the default, or None.
    """

    BINDINGS = _FORM_BINDINGS

    def __init__(self, parameters: list[Any], last: dict[str, str]) -> None:
        super().__init__()
        self.parameters = parameters
        self.last = last

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label("Run with parameters", classes="form-title")
            yield Static(SUBMIT_HINT, classes="form-help")
            with VerticalScroll(classes="form-body"):
                if not self.parameters:
                    yield Static("This flow has no parameters.", classes="form-help")
                for i, spec in enumerate(self.parameters):
                    name = spec.name or spec.attr
                    default = _literal_text(spec.kwargs.get("default"))
                    help_text = spec.kwargs.get("help") or ""
                    yield Label(_label(name, _param_note(spec, default, str(help_text))),
                                classes="form-label")
                    yield Input(value=self.last.get(name, default), placeholder=default,
                                id=f"param-{i}", classes="form-input")
                    yield Static("", id=f"param-error-{i}", classes="form-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Run", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_submit() if event.button.id == "submit" else self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        """Dismiss with the values; a bad value keeps the form open, its error under it."""
        values: dict[str, str] = {}
        first_bad = None
        for i, spec in enumerate(self.parameters):
            name = spec.name or spec.attr
            box = self.query_one(f"#param-{i}", Input)
            text = box.value.strip()
            error = check_param(spec, text) if text else None
            note = self.query_one(f"#param-error-{i}", Static)
            note.update(Text(f"✘ {safe(error)}", style="bold red") if error else "")
            note.display = bool(error)
            box.set_class(bool(error), "-invalid")
            if error and first_bad is None:
                first_bad = box
            if text and text != _literal_text(spec.kwargs.get("default")):
                values[name] = text
        if first_bad is not None:
            first_bad.focus()
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


class OverridesScreen(ModalScreen[dict[str, Any] | None]):
    """Values for the spun step's input artifacts (Python literals, else text), the reference
    run, the run to diff against and, inside a foreach, every split.

    Dismisses with ``{"overrides": {name: text}, "all_splits": bool, "run": int | None,
    "against": int | None}`` or None. The text is parsed by the engine (``--set`` rules).
    """

    BINDINGS = _FORM_BINDINGS

    def __init__(self, step: str, inputs: list[tuple[str, str]], *, foreach: bool,
                 reference: int | None) -> None:
        super().__init__()
        self.step = step
        self.inputs = inputs
        self.foreach = foreach
        self.reference = reference

    def compose(self) -> ComposeResult:
        ref = f" on run {self.reference}" if self.reference is not None else ""
        with Vertical(classes="form"):
            yield Label(f"Spin {safe(self.step)}{ref} with overrides", classes="form-title")
            yield Static("Leave a field empty to keep the stored value. Values are read as "
                         "Python literals (42, 0.5, 'text', [1, 2]); anything else is text. "
                         + SUBMIT_HINT + ".", classes="form-help")
            with VerticalScroll(classes="form-body"):
                for i, (name, summary) in enumerate(self.inputs):
                    yield Label(_label(name, summary[:60]), classes="form-label")
                    yield Input(placeholder="(stored value)", id=f"ov-art-{i}",
                                classes="form-input")
                yield Label("new artifact: name = value", classes="form-label")
                yield Input(placeholder="threshold = 0.5", id="ov-extra", classes="form-input")
                yield Label("reference run (its inputs are used)", classes="form-label")
                yield Input(value="" if self.reference is None else str(self.reference),
                            placeholder="newest run with the inputs", id="ov-run",
                            classes="form-input", type="integer")
                yield Label("diff against run (empty: the nearest run that ran the step)",
                            classes="form-label")
                yield Input(placeholder="lineage", id="ov-against", classes="form-input",
                            type="integer")
                if self.foreach:
                    yield Checkbox("spin every split", id="all-splits")
            with Horizontal(classes="form-buttons"):
                yield Button("Spin", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_submit() if event.button.id == "submit" else self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        values: dict[str, str] = {}
        for i, (name, _) in enumerate(self.inputs):
            text = self.query_one(f"#ov-art-{i}", Input).value.strip()
            if text:
                values[name] = text
        extra = self.query_one("#ov-extra", Input).value
        if "=" in extra:
            name, _, text = extra.partition("=")
            if name.strip().isidentifier() and text.strip():
                values[name.strip()] = text.strip()
        all_splits = False
        if self.foreach:
            all_splits = self.query_one("#all-splits", Checkbox).value
        numbers = {}
        for field in ("run", "against"):
            text = self.query_one(f"#ov-{field}", Input).value.strip()
            numbers[field] = int(text) if text.lstrip("-").isdigit() else None
        self.dismiss({"overrides": values, "all_splits": all_splits, **numbers})

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes, self.no = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="form confirm"):
            yield Static(self.question, classes="form-title")
            with Horizontal(classes="form-buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
