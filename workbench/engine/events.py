"""Events a run emits while it executes: what a console printer or the TUI shows live.

Each event is a small dataclass with ``to_json()``/``from_json`` so the TUI's worker process can
stream them as lines on a pipe.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Callable


@dataclass(frozen=True)
class RunStarted:
    flow: str
    run: int
    kind: str
    pathspec: str
    parameters: dict


@dataclass(frozen=True)
class TaskStarted:
    pathspec: str
    step: str
    task_id: int
    attempt: int
    split_index: int | None


@dataclass(frozen=True)
class LogLine:
    pathspec: str
    step: str
    task_id: int
    stream: str
    line: str


@dataclass(frozen=True)
class TaskFinished:
    pathspec: str
    step: str
    task_id: int
    attempt: int
    status: str
    seconds: float
    exception: str | None = None
    traceback: str | None = None
    will_retry: bool = False


@dataclass(frozen=True)
class RunFinished:
    flow: str
    run: int
    pathspec: str
    status: str
    seconds: float


Event = RunStarted | TaskStarted | LogLine | TaskFinished | RunFinished
EventSink = Callable[[Event], None]

_KINDS: dict[str, type] = {
    "run_started": RunStarted,
    "task_started": TaskStarted,
    "log_line": LogLine,
    "task_finished": TaskFinished,
    "run_finished": RunFinished,
}
_NAMES = {cls: name for name, cls in _KINDS.items()}


def event_to_json(event: Event) -> dict[str, Any]:
    """A JSON-able dict with an ``event`` field naming the kind."""
    data = asdict(event)
    data["event"] = _NAMES[type(event)]
    return data


def event_from_json(data: dict[str, Any]) -> Event:
    """Inverse of :func:`event_to_json`."""
    cls = _KINDS[data["event"]]
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def ignore_events(event: Event) -> None:
    """An event sink that drops everything."""
