"""The engine worker's protocol: commands in, events out, each a dataclass, one JSON line each.

Both sides use this module only: the worker decodes commands and dispatches on their type,
the parent (the app, the Python API) decodes events and dispatches on theirs. Fields listed in
a class's ``PICKLED`` travel pickled (base64) inside the JSON line: override values of any
type going in, typed diffs coming out. Both ends are this package, parent and child, so
nothing from outside is ever unpickled here.

:class:`EngineHandle` is what a parent needs of a worker; ``EngineWorker`` implements it and
so does the test suite's stand-in, so the two cannot drift apart.
"""
from __future__ import annotations

import base64
import json
import pickle
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Iterator, Protocol, Union, runtime_checkable

from .events import LogBatch, RunFinished, RunStarted, TaskFinished, TaskStarted


class ProtocolError(ValueError):
    """A line that is not a message of this protocol."""


# ---------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class RunCommand:
    """Run the whole flow; ``params`` are CLI-style strings or values; ``reuse``: clone the
    tasks whose code and inputs are unchanged instead of executing them (``run --reuse``)."""

    params: dict[str, Any] = field(default_factory=dict)
    reuse: bool = False
    PICKLED: ClassVar[tuple[str, ...]] = ("params",)


@dataclass(frozen=True)
class SpinCommand:
    """Spin ``step`` (see ``Replayer.spin``): ``overrides`` are values, ``set_values`` are
    ``--set`` text, ``against`` the run to diff against."""

    step: str
    run: int | None = None
    index: int | None = None
    all_splits: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    set_values: dict[str, str] = field(default_factory=dict)
    artifacts_file: str | None = None
    against: int | None = None
    PICKLED: ClassVar[tuple[str, ...]] = ("overrides",)


@dataclass(frozen=True)
class ResumeCommand:
    """Re-run ``step`` and everything after it on run ``run``'s inputs."""

    step: str
    run: int | None = None


@dataclass(frozen=True)
class CancelCommand:
    """Stop what is running (tasks killed, the run reads cancelled)."""


@dataclass(frozen=True)
class QuitCommand:
    """Cancel what is running and exit."""


Command = Union[RunCommand, SpinCommand, ResumeCommand, CancelCommand, QuitCommand]

# ---------------------------------------------------------------------------- worker events


@dataclass(frozen=True)
class Ready:
    """The worker started (and imported the flow, when it could)."""

    flow_file: str
    pid: int


@dataclass(frozen=True)
class SpinFinished:
    """A spin ended: its run, reference run, spun tasks and each one's typed diff
    (``queries.TaskDiff``, computed once, in the worker)."""

    run: int
    reference: int
    step: str
    status: str
    seconds: float
    tasks: list[str]
    diffs: list[Any] = field(default_factory=list)
    PICKLED: ClassVar[tuple[str, ...]] = ("diffs",)


@dataclass(frozen=True)
class CommandFinished:
    """A command is done (``status``: the run's status, or ``error``)."""

    cmd: str
    status: str
    run: int | None = None


@dataclass(frozen=True)
class Idle:
    """Nothing queued and caches warm."""


@dataclass(frozen=True)
class Error:
    """A command failed before or outside its run: one line, and a traceback for a bug."""

    message: str
    cmd: str | None = None
    traceback: str | None = None


@dataclass(frozen=True)
class WorkerLog:
    """A line the worker itself printed (a warning, an ignored-decorator note)."""

    line: str


@dataclass(frozen=True)
class WorkerRestart:
    """The worker replaces itself with a fresh interpreter (a helper module changed)."""

    reason: str


@dataclass(frozen=True)
class WorkerExited:
    """The worker's event stream ended (made by the reading side, never sent)."""


COMMANDS: dict[str, type] = {
    "run": RunCommand, "spin": SpinCommand, "resume": ResumeCommand,
    "cancel": CancelCommand, "quit": QuitCommand,
}
EVENTS: dict[str, type] = {
    "run_started": RunStarted, "task_started": TaskStarted, "log_batch": LogBatch,
    "task_finished": TaskFinished, "run_finished": RunFinished,
    "ready": Ready, "spin_finished": SpinFinished, "command_finished": CommandFinished,
    "idle": Idle, "error": Error, "worker_log": WorkerLog, "worker_restart": WorkerRestart,
    "worker_exited": WorkerExited,
}
_NAMES = {cls: ("cmd", name) for name, cls in COMMANDS.items()} | \
    {cls: ("event", name) for name, cls in EVENTS.items()}

Event = Union[RunStarted, TaskStarted, LogBatch, TaskFinished, RunFinished, Ready, SpinFinished,
              CommandFinished, Idle, Error, WorkerLog, WorkerRestart, WorkerExited]


def name_of(message: Any) -> str:
    """The wire name of a command or event (``spin``, ``task_finished``)."""
    return _NAMES[type(message)][1]


def encode(message: Any) -> str:
    """One JSON line (no newline) for a command or an event."""
    try:
        tag, name = _NAMES[type(message)]
    except KeyError:
        raise ProtocolError(f"not a protocol message: {message!r}") from None
    pickled = getattr(message, "PICKLED", ())
    data: dict[str, Any] = {tag: name}
    for f in fields(message):
        value = getattr(message, f.name)
        if f.name in pickled:
            value = base64.b64encode(pickle.dumps(value, protocol=5)).decode("ascii")
        data[f.name] = value
    return json.dumps(data, default=str)


def decode(line: str | bytes) -> Any:
    """The command or event a line holds; ProtocolError for anything else."""
    try:
        data = json.loads(line)
    except ValueError:
        raise ProtocolError(f"not JSON: {line[:80]!r}") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"not a message: {line[:80]!r}")
    if "event" in data:  # an event may carry a "cmd" field (CommandFinished)
        cls = EVENTS.get(data["event"])
    else:
        cls = COMMANDS.get(data.get("cmd"))
    if cls is None:
        raise ProtocolError(f"unknown message: {line[:80]!r}")
    pickled = getattr(cls, "PICKLED", ())
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name in pickled and isinstance(value, str):
            try:
                value = pickle.loads(base64.b64decode(value))
            except Exception as exc:  # noqa: BLE001 - any damage is a bad line
                raise ProtocolError(f"bad {f.name} in {cls.__name__}: {exc}") from None
        values[f.name] = value
    try:
        return cls(**values)
    except TypeError as exc:
        raise ProtocolError(f"bad {cls.__name__}: {exc}") from None


@runtime_checkable
class EngineHandle(Protocol):
    """What the app and the Python API need of an engine worker."""

    @property
    def busy(self) -> bool:
        """True while a command is queued or executing."""

    @property
    def alive(self) -> bool:
        """True while the worker process runs."""

    def start(self) -> None:
        """Start the worker."""

    def send(self, command: Command) -> None:
        """Queue a command (cancel and quit act at once)."""

    def events(self) -> Iterator[Event]:
        """Decoded events in order; ends when the worker exits. Read from one thread."""

    def stop(self) -> None:
        """Ask the worker to quit and make sure it is gone."""
